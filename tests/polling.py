"""Drive the coordinator's schedule in tests: time moves, refreshes run, tests wait for them.

Its fixture `polled` is loaded for every test (tests/conftest.py names this module a plugin).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.legrand_eliot.coordinator import LegrandEliotCoordinator
from custom_components.legrand_eliot.poll_schedule import PollSchedule
from simulator import SimulatedCloud


def polling_coordinator(entry: MockConfigEntry) -> LegrandEliotCoordinator:
    """Return the coordinator of a loaded entry, polling as it does when entities listen."""
    coordinator = entry.runtime_data.coordinator
    entry.async_on_unload(coordinator.async_add_listener(lambda: None))
    return coordinator


async def next_scheduled_refresh(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    coordinator: LegrandEliotCoordinator,
) -> None:
    """Let time run to the coordinator's next scheduled refresh and wait for it to finish."""
    assert coordinator.update_interval is not None
    freezer.tick(coordinator.update_interval)
    async_fire_time_changed(hass)
    # Scheduled refreshes run as background tasks: wait for them too.
    await hass.async_block_till_done(wait_background_tasks=True)


async def next_refresh(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    coordinator: LegrandEliotCoordinator,
) -> None:
    """Let time run to the next scheduled refresh and have it read every plant and thermostat.

    Each is read on its own schedule, so a refresh may read only some of them; here the refresh
    reads all of them (not those push keeps fresh), as one asked to update entities.
    """
    coordinator.request_full_read()
    await next_scheduled_refresh(hass, freezer, coordinator)


async def run_until(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    coordinator: LegrandEliotCoordinator,
    moment: datetime,
) -> None:
    """Let time run to a moment, each refresh that falls due on the way running at its time."""
    while (due := coordinator.next_refresh) is not None and due <= moment:
        freezer.move_to(due)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    freezer.move_to(moment)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def busy_and_quiet(start: datetime, reads: int) -> PollSchedule:
    """Return a schedule that read a busy and a quiet plant every ten minutes from `start`.

    Each read of "busy" found 3 changes, each read of "quiet" none.
    """
    schedule = PollSchedule(zone=UTC)
    for step in range(1, reads + 1):
        moment = start + step * timedelta(minutes=10)
        schedule.read("busy", moment, 3, prior=0.5)
        schedule.read("quiet", moment, 0, prior=0.5)
    return schedule


def thermostat_ids(coordinator: LegrandEliotCoordinator) -> list[str]:
    """Return the ids of every thermostat of the account."""
    return [
        module.id
        for plant in coordinator.data.smarther.values()
        for module in plant.topology.modules
    ]


@dataclass(frozen=True, slots=True)
class Polled:
    """An entry set up on the simulated cloud, its coordinator polling, and the cloud's control."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    entry: MockConfigEntry
    coordinator: LegrandEliotCoordinator
    sim: TestClient
    cloud: SimulatedCloud

    async def refresh(self, wait: timedelta | None = None) -> None:
        """Let time run (past `wait` first, when given) to a refresh that reads everything."""
        if wait is not None:
            self.freezer.tick(wait)
        await next_refresh(self.hass, self.freezer, self.coordinator)


@pytest.fixture
def polled_of(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> Callable[[MockConfigEntry], Polled]:
    """Return how to drive a set-up entry of the simulated account, its coordinator polling."""

    def poll(entry: MockConfigEntry) -> Polled:
        coordinator = polling_coordinator(entry)
        return Polled(hass, freezer, entry, coordinator, sim, cloud)

    return poll


@pytest.fixture
def polled(
    polled_of: Callable[[MockConfigEntry], Polled], init_integration: MockConfigEntry
) -> Polled:
    """Return the set-up entry of the simulated account, its coordinator polling."""
    return polled_of(init_integration)

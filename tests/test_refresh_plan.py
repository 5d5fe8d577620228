"""Tests for the refresh plan: full reads asked for, early retries after passing failures."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
import math
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from simulator import SimulatedCloud
from simulator.generate import generate_scenario

from .cloud import HC_PLANT, CloudControl
from .polling import Polled, next_scheduled_refresh, polling_coordinator
from .push import set_by_hand
from .registry import CLIMATE, LIGHT


async def test_update_entity_reads_every_plant_and_thermostat(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """Asking Home Assistant to update an entity reads everything at once, due or not."""
    assert await async_setup_component(hass, "homeassistant", {})
    coordinator = polling_coordinator(init_integration)
    await next_scheduled_refresh(hass, freezer, coordinator)
    everything = coordinator.calls_per_refresh(coordinator.data)
    assert everything == 3
    before = coordinator.budget.calls_used
    entity_id = hass.states.async_entity_ids("climate")[0]
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": entity_id}, blocking=True
    )
    await hass.async_block_till_done()
    assert coordinator.budget.calls_used - before == everything


async def test_thermostats_that_keep_failing_are_read_on_their_schedule(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """Thermostats whose reads keep failing are retried soon, then less and less often.

    Not at every wake-up: the retries tell the thermostats back within minutes of a short
    failure and slow down to their schedule; two hours of them stay within the day's pace.
    """
    await polled.sim.post(
        "/_sim/faults",
        json={"status": 500, "count": 100000, "match": "/chronothermostat/"},
    )
    await polled.refresh(timedelta(hours=1))
    before = polled.coordinator.budget.calls_used
    start = dt_util.utcnow()
    refreshes = 0
    while dt_util.utcnow() - start < timedelta(hours=2):
        await next_scheduled_refresh(hass, polled.freezer, polled.coordinator)
        refreshes += 1
        assert polled.coordinator.update_interval is not None
        assert polled.coordinator.update_interval >= timedelta(seconds=60)
    assert hass.states.get(CLIMATE).state == STATE_UNAVAILABLE
    # Two hours at about the day's pace (500 calls), failed reads and their retries included.
    assert polled.coordinator.budget.calls_used - before <= 2 * 500 / 24 * 1.5
    assert refreshes >= 4


async def _until_next_refresh(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, coordinator: Any
) -> datetime:
    """Let time run to the next scheduled refresh, wait for it, and return its moment."""
    moment = coordinator.next_refresh
    assert moment is not None
    freezer.move_to(moment)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    return moment


def _shown(hass: HomeAssistant) -> bool:
    """Return whether a light and a thermostat are shown (not unavailable)."""
    return all(
        hass.states.get(entity_id).state != STATE_UNAVAILABLE
        for entity_id in (LIGHT, CLIMATE)
    )


class TestCloudOutage:
    """The whole cloud fails (503) for a while, then answers again."""

    @staticmethod
    async def outage(
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        coordinator: Any,
        sim: TestClient,
        lead: timedelta,
        length: timedelta,
    ) -> tuple[datetime, list[datetime]]:
        """Take the cloud down `lead` before the next planned refresh, for `length`.

        Return the moment it comes back and those of the refreshes while it was down.
        """
        planned = coordinator.next_refresh
        assert planned is not None
        freezer.move_to(planned - lead)
        await sim.post("/_sim/faults", json={"status": 503, "count": 100000})
        back = dt_util.utcnow() + length
        refreshes = []
        while (moment := coordinator.next_refresh) is not None and moment < back:
            refreshes.append(await _until_next_refresh(hass, freezer, coordinator))
        freezer.move_to(back)
        await sim.delete("/_sim/faults")
        return back, refreshes

    @pytest.mark.parametrize("lead", [timedelta(seconds=10), timedelta(seconds=150)])
    async def test_entities_follow_the_cloud_back_within_a_minute(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        init_integration: MockConfigEntry,
        sim: TestClient,
        lead: timedelta,
    ) -> None:
        """After a 4-minute outage, entities are back about a minute after the cloud.

        The planned pace here is several minutes: waiting for it kept them unavailable long
        after the cloud was back. While it is down, one read a minute tells it, not one read
        of everything.
        """
        coordinator = polling_coordinator(init_integration)
        await _until_next_refresh(hass, freezer, coordinator)
        planned = coordinator.update_interval
        assert planned is not None
        assert planned > timedelta(minutes=3)
        calls = coordinator.budget.calls_used

        back, refreshes = await self.outage(
            hass, freezer, coordinator, sim, lead, timedelta(minutes=4)
        )
        # What was read while the cloud was down is unavailable (what was not read is shown).
        assert hass.states.get(LIGHT).state == STATE_UNAVAILABLE
        assert len(refreshes) >= 2
        # The first failing refresh reads what was due; each retry after it, one source.
        assert coordinator.budget.calls_used - calls <= 3 + len(refreshes) - 1

        while not _shown(hass):
            moment = await _until_next_refresh(hass, freezer, coordinator)
            assert moment - back <= timedelta(seconds=90)
        assert coordinator.last_update_success

    async def test_every_device_is_still_read_on_its_plan(
        self,
        hass: HomeAssistant,
        polled: Polled,
    ) -> None:
        """While the cloud is down, retries tell it; the other devices keep their own reads.

        Thermostats read at their planned pace meet the outage too and show it; their retries
        wait while another read of the same refresh just failed.
        """
        calls = polled.coordinator.budget.calls_used
        back, refreshes = await self.outage(
            hass,
            polled.freezer,
            polled.coordinator,
            polled.sim,
            timedelta(seconds=10),
            timedelta(hours=5),
        )
        assert hass.states.get(LIGHT).state == STATE_UNAVAILABLE
        assert hass.states.get(CLIMATE).state == STATE_UNAVAILABLE
        # About a call a refresh: a retry, and each thermostat's planned reads.
        planned = sum(
            math.ceil(
                timedelta(hours=5) / polled.coordinator.schedule.intervals[module.id]
            )
            for plant in polled.coordinator.data.smarther.values()
            for module in plant.topology.modules
        )
        assert polled.coordinator.budget.calls_used - calls <= len(refreshes) + planned

        # Hours into the outage, retries come at the plant's planned pace at the latest.
        pace = polled.coordinator.schedule.intervals[HC_PLANT]
        while not _shown(hass):
            moment = await _until_next_refresh(hass, polled.freezer, polled.coordinator)
            assert moment - back <= pace + timedelta(seconds=2)


class TestLongOutage:
    """A home of one Home + Control plant whose cloud fails for hours."""

    @pytest.fixture
    def scenario(self) -> dict[str, Any]:
        """Return an account of one Home + Control plant, no thermostat."""
        return generate_scenario(1, 4, thermostat_plants=0)

    async def test_retries_slow_down_to_the_planned_pace(
        self,
        hass: HomeAssistant,
        polled: Polled,
    ) -> None:
        """A long outage is tried less and less often, then at the planned pace, no slower."""
        (plant,) = polled.coordinator.data.home_control
        await polled.sim.post("/_sim/faults", json={"status": 503, "count": 100000})
        calls = polled.coordinator.budget.calls_used
        # Each refresh, and the pace the plan gives the plant then.
        refreshes: list[tuple[datetime, timedelta]] = []
        down = dt_util.utcnow()
        while dt_util.utcnow() - down < timedelta(hours=4):
            moment = await _until_next_refresh(hass, polled.freezer, polled.coordinator)
            refreshes.append((moment, polled.coordinator.schedule.intervals[plant]))
        assert not polled.coordinator.data.home_control[plant].available
        waits = [
            (later - earlier, planned)
            for (earlier, planned), (later, _) in pairwise(refreshes)
        ]
        assert waits[0][0] == timedelta(seconds=60)
        slack = timedelta(seconds=2)
        # Never slower than planned; at the end, exactly as planned.
        assert all(wait <= planned + slack for wait, planned in waits)
        assert all(abs(wait - planned) <= slack for wait, planned in waits[-5:])
        # Faster than planned at first, slower and slower.
        early = [wait for wait, planned in waits if wait < planned - slack]
        assert len(early) >= 5
        assert early == sorted(early)
        # One call a refresh: the plant's status.
        assert polled.coordinator.budget.calls_used - calls == len(refreshes)


async def test_no_retry_while_the_quota_is_paused(
    hass: HomeAssistant, polled: Polled, cloud_control: CloudControl
) -> None:
    """A read that failed is not retried early while a quota pause lasts."""
    await polled.sim.post(
        "/_sim/faults",
        json={"status": 503, "count": 1, "match": f"/plants/{HC_PLANT}"},
    )
    await polled.refresh()
    assert hass.states.get(LIGHT).state == STATE_UNAVAILABLE
    assert polled.coordinator.update_interval == timedelta(seconds=60)
    await cloud_control.refuse_for_quota(hours=1, count=1)
    await _until_next_refresh(hass, polled.freezer, polled.coordinator)
    resume = polled.coordinator.budget.paused_until
    assert resume is not None
    total = polled.cloud.counters["total"]
    polled.freezer.tick(timedelta(minutes=50))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert polled.cloud.counters["total"] == total
    while hass.states.get(LIGHT).state == STATE_UNAVAILABLE:
        moment = await _until_next_refresh(hass, polled.freezer, polled.coordinator)
        assert moment >= resume
        assert moment - resume <= timedelta(minutes=2)


async def test_a_refresh_that_fails_whole_is_retried_within_a_minute(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """The login failing for a passing reason fails the refresh: tried again a minute on."""
    await _until_next_refresh(hass, polled.freezer, polled.coordinator)
    planned = polled.coordinator.update_interval
    assert planned is not None
    assert planned > timedelta(minutes=3)
    await polled.sim.post("/_sim/tokens/expire", json={})
    await polled.sim.post(
        "/_sim/faults", json={"target": "token", "status": 503, "count": 100000}
    )
    failed_at = await _until_next_refresh(hass, polled.freezer, polled.coordinator)
    assert not polled.coordinator.last_update_success
    assert not _shown(hass)
    retry = polled.coordinator.next_refresh
    assert retry is not None
    assert retry - failed_at <= timedelta(seconds=61)

    # The login stays down for an hour: tried less and less often, never slower than planned.
    waits = []
    moment = failed_at
    while moment - failed_at < timedelta(hours=1):
        later = await _until_next_refresh(hass, polled.freezer, polled.coordinator)
        waits.append(later - moment)
        moment = later
    slack = timedelta(seconds=2)
    assert waits[:4] == [timedelta(seconds=60)] * 4
    assert all(wait <= planned + slack for wait in waits)
    assert abs(waits[-1] - planned) <= slack

    await polled.sim.delete("/_sim/faults")
    await _until_next_refresh(hass, polled.freezer, polled.coordinator)
    assert polled.coordinator.last_update_success
    assert _shown(hass)


class TestAPushBeforeTheRefresh:
    """An account of one thermostat with push: its reads are only reconciliations."""

    @pytest.fixture
    def scenario(self) -> dict[str, Any]:
        """Return an account of one Smarther plant with one thermostat, no Home + Control."""
        return generate_scenario(0, 0, thermostat_plants=1, thermostats=1)

    @pytest.mark.usefixtures("only_climate")
    async def test_a_push_that_leaves_the_refresh_nothing_to_read_moves_it(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        push_integration: MockConfigEntry,
        cloud: SimulatedCloud,
        sim: TestClient,
    ) -> None:
        """The refresh planned for the thermostat's reconciliation waits for the next one.

        A push confirms the thermostat shortly before that refresh: it would wake to make no
        call. It is moved to when the thermostat falls due again, and then reads it.
        """
        coordinator = polling_coordinator(push_integration)
        (plant,) = coordinator.data.smarther.values()
        (module,) = plant.topology.modules
        await set_by_hand(hass, cloud, sim, module.id, 20.0)
        await next_scheduled_refresh(hass, freezer, coordinator)
        planned_at = coordinator.next_refresh
        assert planned_at is not None
        assert coordinator.planned_calls == 1
        freezer.move_to(planned_at - timedelta(minutes=5))
        await set_by_hand(hass, cloud, sim, module.id, 21.0)
        pushed_at = plant.updated[module.id]
        moved_to = coordinator.next_refresh
        assert moved_to is not None
        assert moved_to > planned_at + timedelta(minutes=20)
        assert coordinator.planned_calls == 1
        used = coordinator.budget.calls_used
        # Nothing wakes at the moment first planned.
        freezer.move_to(planned_at + timedelta(seconds=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert coordinator.budget.calls_used == used
        await next_scheduled_refresh(hass, freezer, coordinator)
        assert coordinator.budget.calls_used == used + 1
        assert plant.updated[module.id] > pushed_at

"""Tests for silent push: the notice, the renewals, the subscriptions list, and restarts."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.coordinator import LegrandEliotCoordinator
from custom_components.legrand_eliot.poll_schedule import RECONCILE_INTERVAL
from custom_components.legrand_eliot.push_health import (
    MISSED_FOR_SILENT,
    RESUBSCRIBE_INTERVAL,
    PushState,
)
from custom_components.legrand_eliot.stores import LEARNED, SILENT_PUSH, store_key
from simulator import SimulatedCloud
from simulator.generate import generate_scenario

from .cloud import calls_to
from .polling import Polled, next_refresh, next_scheduled_refresh, polling_coordinator
from .push import (
    BEDROOM,
    LISTING,
    LIVING,
    PLANT,
    SUBSCRIBE,
    UNSUBSCRIBE,
    serve_home_assistant,
    set_by_hand,
    setup_entry,
)

# Push concerns thermostats: the climate platform is set up alone.
pytestmark = pytest.mark.usefixtures("only_climate")


@pytest.fixture
async def push_entry(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> MockConfigEntry:
    """Set up the integration with push, and let a first pushed change arrive."""
    await set_by_hand(hass, cloud, sim, LIVING, 21.0)
    assert push_integration.runtime_data.coordinator.push.covers(PLANT)
    return push_integration


async def _until_polled(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    coordinator: LegrandEliotCoordinator,
    module_id: str,
    set_point: float,
) -> timedelta:
    """Run scheduled refreshes until a poll shows the set point; return how long it took."""
    start = dt_util.utcnow()
    found = coordinator.data.thermostat(module_id)
    assert found is not None
    plant = found[0]
    while plant.thermostats[module_id].set_point != set_point:
        await next_scheduled_refresh(hass, freezer, coordinator)
        assert dt_util.utcnow() - start < timedelta(hours=2)
    return dt_util.utcnow() - start


async def _fall_silent(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """Silence push, and change a thermostat until the polls have found enough changes."""
    coordinator = polling_coordinator(entry)
    await sim.post("/_sim/push", json={"silent": True})
    for step in range(MISSED_FOR_SILENT):
        await set_by_hand(hass, cloud, sim, BEDROOM, 18.0 + step)
        assert _issue(hass, entry) is None
        # Found by the 30-minute reconciliation read, not before.
        waited = await _until_polled(hass, freezer, coordinator, BEDROOM, 18.0 + step)
        assert waited > timedelta(minutes=5)
    await hass.async_block_till_done()


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    """Return the entry's silent-push repair issue, if it is raised."""
    return ir.async_get(hass).async_get_issue(DOMAIN, f"push_silent_{entry.entry_id}")


async def test_silent_push_is_found_polled_renewed_and_cleared(
    hass: HomeAssistant,
    push_polled: Polled,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """
    Legrand stops delivering while the API answers (as for five days in December 2025).

    The reconciliation polls find the changes push never brought; at the third, push of the
    home is silent: a repair issue says so, the thermostats are polled as with push off, and
    the subscription is renewed once, then at most every few hours. The first delivery that
    arrives again ends it all.
    """
    health = push_polled.coordinator.push
    assert push_polled.coordinator.calls_per_refresh(push_polled.coordinator.data) == 1
    subscribed = calls_to(push_polled.cloud, SUBSCRIBE)
    await _fall_silent(
        hass, push_polled.freezer, push_polled.entry, push_polled.cloud, push_polled.sim
    )

    assert push_polled.cloud.push.log[-1]["error"] == "silent"
    assert health.state is PushState.SILENT
    assert not health.covers(PLANT)
    issue = _issue(hass, push_polled.entry)
    assert issue is not None
    assert issue.translation_key == "push_silent"
    assert issue.translation_placeholders == {"homes": "Casa"}
    assert "Legrand stopped pushing thermostat changes of Casa" in caplog.text
    # Both thermostats count in every refresh again: the share they get with push off.
    assert push_polled.coordinator.calls_per_refresh(push_polled.coordinator.data) == 3
    # The subscription was renewed once, at once.
    assert calls_to(push_polled.cloud, UNSUBSCRIBE) == 1
    assert calls_to(push_polled.cloud, SUBSCRIBE) == subscribed + 1
    assert len(push_polled.cloud.world.subscriptions) == 1

    # The thermostat whose changes were missed is read as often as its changes call for:
    # a new change shows sooner than the next reconciliation would have shown it.
    await set_by_hand(hass, push_polled.cloud, push_polled.sim, BEDROOM, 24.0)
    waited = await _until_polled(
        hass, push_polled.freezer, push_polled.coordinator, BEDROOM, 24.0
    )
    assert waited < RECONCILE_INTERVAL

    # Renewed at most once per interval while it lasts.
    silent_since = health.silent[PLANT]
    while dt_util.utcnow() - silent_since < RESUBSCRIBE_INTERVAL - timedelta(
        minutes=15
    ):
        await next_scheduled_refresh(hass, push_polled.freezer, push_polled.coordinator)
    assert calls_to(push_polled.cloud, SUBSCRIBE) == subscribed + 1
    while dt_util.utcnow() - silent_since < RESUBSCRIBE_INTERVAL + timedelta(
        minutes=15
    ):
        await next_scheduled_refresh(hass, push_polled.freezer, push_polled.coordinator)
    await hass.async_block_till_done()
    assert calls_to(push_polled.cloud, SUBSCRIBE) == subscribed + 2
    assert health.state is PushState.SILENT

    # Legrand delivers again: the notice clears itself, push covers the home again.
    await push_polled.sim.post("/_sim/push", json={"silent": False})
    await set_by_hand(hass, push_polled.cloud, push_polled.sim, LIVING, 19.5)
    assert _issue(hass, push_polled.entry) is None
    assert health.state is PushState.ACTIVE
    assert health.covers(PLANT)
    assert push_polled.coordinator.calls_per_refresh(push_polled.coordinator.data) == 1
    assert "Legrand pushes thermostat changes of Casa again" in caplog.text


async def test_lost_events_now_and_then_are_not_silence(
    hass: HomeAssistant,
    push_polled: Polled,
) -> None:
    """Every other event lost: the polls correct each loss, push stays trusted."""
    for step in range(2 * MISSED_FOR_SILENT):
        await push_polled.sim.post("/_sim/push", json={"drop_next": 1})
        await set_by_hand(
            hass, push_polled.cloud, push_polled.sim, BEDROOM, 18.0 + step
        )
        await _until_polled(
            hass, push_polled.freezer, push_polled.coordinator, BEDROOM, 18.0 + step
        )
        await set_by_hand(hass, push_polled.cloud, push_polled.sim, LIVING, 18.0 + step)
    assert push_polled.coordinator.push.missed == {}
    assert push_polled.coordinator.push.state is PushState.ACTIVE
    assert push_polled.coordinator.push.covers(PLANT)
    assert _issue(hass, push_polled.entry) is None


async def test_a_silent_home_that_leaves_takes_its_notice_along(
    hass: HomeAssistant,
    push_polled: Polled,
) -> None:
    """Once the home is proven gone from the account, nothing is left to be silent."""
    await _fall_silent(
        hass, push_polled.freezer, push_polled.entry, push_polled.cloud, push_polled.sim
    )
    assert _issue(hass, push_polled.entry) is not None
    await push_polled.sim.post(f"/_sim/plants/{PLANT}/member", json={"member": False})
    start = dt_util.utcnow()
    while PLANT in push_polled.coordinator.data.smarther:
        await push_polled.refresh()
        assert dt_util.utcnow() - start < timedelta(hours=3)
    await hass.async_block_till_done()
    assert _issue(hass, push_polled.entry) is None
    assert push_polled.coordinator.push.silent == {}
    assert push_polled.coordinator.push.state is not PushState.SILENT


@pytest.mark.parametrize(
    "scenario", [generate_scenario(1, 2, thermostat_plants=2, thermostats=1)]
)
async def test_the_notice_names_every_silent_home_until_the_last_one_speaks(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    credentials: None,
    hass_client_no_auth: ClientSessionGenerator,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """Each home falls silent and speaks again on its own; the notice follows."""
    await serve_home_assistant(hass, hass_client_no_auth)
    await setup_entry(hass, config_entry)
    coordinator = polling_coordinator(config_entry)
    plants = coordinator.data.smarther
    thermostat = {
        plant_id: plant.topology.modules[0].id for plant_id, plant in plants.items()
    }
    name = {plant_id: plant.plant.name for plant_id, plant in plants.items()}
    first, second = sorted(plants, key=name.__getitem__)
    for plant_id in (first, second):
        await set_by_hand(hass, cloud, sim, thermostat[plant_id], 17.0)
    assert coordinator.push.covers(first)
    assert coordinator.push.covers(second)

    await sim.post("/_sim/push", json={"silent": True})
    for step in range(MISSED_FOR_SILENT):
        for plant_id in (first, second):
            await set_by_hand(hass, cloud, sim, thermostat[plant_id], 18.0 + step)
        for plant_id in (first, second):
            await _until_polled(
                hass, freezer, coordinator, thermostat[plant_id], 18.0 + step
            )
    await hass.async_block_till_done()
    issue = _issue(hass, config_entry)
    assert issue is not None
    assert issue.translation_placeholders == {"homes": f"{name[first]}, {name[second]}"}

    await sim.post("/_sim/push", json={"silent": False})
    await set_by_hand(hass, cloud, sim, thermostat[first], 22.0)
    assert coordinator.push.state is PushState.SILENT
    issue = _issue(hass, config_entry)
    assert issue is not None
    assert issue.translation_placeholders == {"homes": name[second]}
    await set_by_hand(hass, cloud, sim, thermostat[second], 22.0)
    assert _issue(hass, config_entry) is None
    assert coordinator.push.state is PushState.ACTIVE


async def test_push_without_an_address_is_off_not_silent(
    hass: HomeAssistant,
    push_polled: Polled,
) -> None:
    """Home Assistant loses its address while push is silent: one notice, the one that helps."""
    await _fall_silent(
        hass, push_polled.freezer, push_polled.entry, push_polled.cloud, push_polled.sim
    )
    await hass.config.async_update(internal_url=None)
    await hass.async_block_till_done()
    await push_polled.refresh()
    assert push_polled.coordinator.push.state is PushState.NO_URL
    assert push_polled.coordinator.push.silent == {}
    assert _issue(hass, push_polled.entry) is None
    issues = ir.async_get(hass)
    assert issues.async_get_issue(DOMAIN, f"no_push_url_{push_polled.entry.entry_id}")


async def test_silence_outlives_a_restart_until_a_delivery_arrives(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    push_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A restart while push is silent does not trust push again: a delivery must come first."""
    await _fall_silent(hass, freezer, push_entry, cloud, sim)
    silent_since = polling_coordinator(push_entry).push.silent[PLANT]
    subscribed = calls_to(cloud, SUBSCRIBE)

    assert await hass.config_entries.async_reload(push_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = polling_coordinator(push_entry)
    health = coordinator.push
    await next_refresh(hass, freezer, coordinator)
    await hass.async_block_till_done()

    assert health.silent == {PLANT: silent_since}
    assert health.state is PushState.SILENT
    assert not health.covers(PLANT)
    assert _issue(hass, push_entry) is not None
    assert coordinator.calls_per_refresh(coordinator.data) == 3
    # The restart's own subscription is the renewal: no second one follows it at once.
    assert calls_to(cloud, SUBSCRIBE) == subscribed + 1
    assert health.resubscribed_at[PLANT] == health.heard_at[PLANT]

    await sim.post("/_sim/push", json={"silent": False})
    await set_by_hand(hass, cloud, sim, LIVING, 19.5)
    assert _issue(hass, push_entry) is None
    assert health.state is PushState.ACTIVE
    assert health.covers(PLANT)
    # Over: the next restart has nothing silent to keep.
    assert await hass.config_entries.async_reload(push_entry.entry_id)
    await hass.async_block_till_done()
    assert polling_coordinator(push_entry).push.silent == {}


@pytest.mark.parametrize(
    "scenario", [generate_scenario(4, 2, thermostat_plants=1, thermostats=4)]
)
async def test_a_silent_thermostat_is_read_at_least_as_often_as_push_reconciled_it(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    credentials: None,
    hass_client_no_auth: ClientSessionGenerator,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """A thermostat push covered learned a low rate: silent, it still gets the 30-minute reads."""
    plant_id = next(iter(cloud.world.smarther_plants))
    modules = list(cloud.world.smarther_plants[plant_id].thermostats)
    key = store_key(config_entry.entry_id, LEARNED)
    learned = {
        "version": 1,
        # Push brought every change: the polls found none in weeks.
        "rates": {module_id: [0.0, 500.0] for module_id in modules},
        "hours": [1.0] * 24,
        "hours_at": None,
        SILENT_PUSH: {plant_id: (dt_util.utcnow() - timedelta(hours=1)).isoformat()},
    }
    hass_storage[key] = {"key": key, "version": 1, "minor_version": 2, "data": learned}
    await serve_home_assistant(hass, hass_client_no_auth)
    await setup_entry(hass, config_entry)
    coordinator = polling_coordinator(config_entry)
    assert coordinator.push.state is PushState.SILENT
    for module_id in modules:
        assert coordinator.schedule.intervals[module_id] <= RECONCILE_INTERVAL
    read_at: dict[str, list[datetime]] = {module_id: [] for module_id in modules}
    start = dt_util.utcnow()
    while dt_util.utcnow() - start < timedelta(hours=3):
        before = dict(coordinator.schedule.last_read)
        await next_scheduled_refresh(hass, freezer, coordinator)
        for module_id in modules:
            if coordinator.schedule.last_read.get(module_id) != before.get(module_id):
                read_at[module_id].append(coordinator.schedule.last_read[module_id])
    for module_id, times in read_at.items():
        gaps = [later - earlier for earlier, later in pairwise(times)]
        assert gaps
        assert max(gaps) <= RECONCILE_INTERVAL + timedelta(minutes=1), module_id


async def test_a_subscription_found_gone_is_made_again_without_a_notice(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    push_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Legrand dropped the subscription: one list tells it, it is made again, no repair."""
    coordinator = polling_coordinator(push_entry)
    listed = calls_to(cloud, LISTING)
    subscribed = calls_to(cloud, SUBSCRIBE)
    cloud.world.subscriptions.clear()
    await _fall_silent(hass, freezer, push_entry, cloud, sim)
    await sim.post("/_sim/push", json={"silent": False})

    # The list that tells it, then the one the subscribing makes to adopt what is there.
    assert calls_to(cloud, LISTING) == listed + 2
    assert calls_to(cloud, UNSUBSCRIBE) == 0
    assert calls_to(cloud, SUBSCRIBE) == subscribed + 1
    assert len(cloud.world.subscriptions) == 1
    assert coordinator.push.state is PushState.SILENT
    assert coordinator.push.unlisted == {PLANT}
    assert _issue(hass, push_entry) is None
    assert "The push subscription of Casa was gone" in caplog.text
    # The new subscription delivers: push covers the home again.
    await set_by_hand(hass, cloud, sim, LIVING, 19.5)
    assert coordinator.push.state is PushState.ACTIVE
    assert coordinator.push.unlisted == set()
    assert coordinator.push.covers(PLANT)


async def test_a_listed_but_silent_subscription_is_renewed_with_a_notice(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    push_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """The subscription is still listed: Legrand is silent, the repair says so."""
    coordinator = polling_coordinator(push_entry)
    listed = calls_to(cloud, LISTING)
    await _fall_silent(hass, freezer, push_entry, cloud, sim)
    assert calls_to(cloud, LISTING) == listed + 2
    assert calls_to(cloud, UNSUBSCRIBE) == 1
    assert coordinator.push.unlisted == set()
    assert _issue(hass, push_entry) is not None


async def test_no_list_is_read_when_the_budget_cannot_spare_it(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    push_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """The commands' reserve comes first: the renewal goes on as before, the repair too."""
    listed = calls_to(cloud, LISTING)
    with patch(
        "custom_components.legrand_eliot.eliot.QuotaBudget.can_spare_call",
        return_value=False,
    ):
        await _fall_silent(hass, freezer, push_entry, cloud, sim)
    # Only the list the subscribing makes to adopt what is there.
    assert calls_to(cloud, LISTING) == listed + 1
    assert calls_to(cloud, UNSUBSCRIBE) == 1
    assert _issue(hass, push_entry) is not None

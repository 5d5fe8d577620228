"""Tests for the account's topology: plants lists and plants read when due, spread over refreshes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.legrand_eliot.absence import ABSENT_FOR
from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.stores import ACCOUNT, store_key
from custom_components.legrand_eliot.topology import TOPOLOGY_INTERVAL
from simulator import SimulatedCloud
from simulator.generate import generate_scenario

from .cloud import (
    ADDED_PLUG,
    HC_PLANT,
    PLANT_STATUS,
    by_endpoint,
    fault,
    spent,
    used_by_user,
)
from .polling import Polled, next_refresh, polling_coordinator
from .registry import LIGHT, entry_devices, entry_entities

HC_TOPOLOGY = "GET /hc/api/v1.0/plants/{plantId}/topology"


class TestSpreadTopologyReads:
    """An account of 3 Home + Control plants: its topology is read one plant per refresh."""

    @pytest.fixture
    def scenario(self) -> dict[str, Any]:
        """Return an account of 3 Home + Control plants of 2 modules, no thermostat."""
        return generate_scenario(3, 2, thermostat_plants=0)

    async def test_a_topology_round_spreads_over_three_refreshes(
        self,
        hass: HomeAssistant,
        polled: Polled,
    ) -> None:
        """The plants list, then one plant per refresh, each refresh costing what it planned."""
        # Plants never read are read at once, at setup.
        assert by_endpoint(polled.cloud)[HC_TOPOLOGY] == 3
        polled.freezer.tick(TOPOLOGY_INTERVAL)
        rounds: list[dict[str, int]] = []
        for _ in range(4):
            planned = polled.coordinator.calls_per_refresh(polled.coordinator.data)
            before = by_endpoint(polled.cloud)
            await polled.refresh()
            calls = spent(before, by_endpoint(polled.cloud))
            rounds.append(calls)
            if len(rounds) > 1:
                assert sum(calls.values()) == planned
        assert [r.get("GET /hc/api/v1.0/plants", 0) for r in rounds] == [1, 0, 0, 0]
        assert [r.get(HC_TOPOLOGY, 0) for r in rounds] == [1, 1, 1, 0]
        read_at = sorted(
            p.read_at for p in polled.coordinator.data.home_control.values()
        )
        assert len(set(read_at)) == 3

    async def test_the_set_aside_is_what_the_topology_reads_spend(
        self,
        hass: HomeAssistant,
        polled: Polled,
    ) -> None:
        """The calls kept for topology reads until the reset are the calls they then make."""
        reset_at = polled.coordinator.budget.reset_at
        set_aside = polled.coordinator.plan.topology_set_aside(
            polled.coordinator.data, reset_at
        )
        assert set_aside == 2 + 3 * 2
        before = by_endpoint(polled.cloud)
        while dt_util.utcnow() + polled.coordinator.update_interval < reset_at:
            await polled.refresh()
        calls = spent(before, by_endpoint(polled.cloud))
        topology = sum(
            calls.get(route, 0)
            for route in (
                "GET /hc/api/v1.0/plants",
                "GET /smarther/v2.0/plants",
                HC_TOPOLOGY,
                "GET /hc/api/v1.0/scene/comfort/addressLocation/plants/{plantId}",
            )
        )
        assert topology == set_aside

    async def test_a_module_gone_from_the_last_plant_read_is_removed(
        self,
        hass: HomeAssistant,
        polled: Polled,
    ) -> None:
        """Spread reads keep the rule: two reads of its plant an hour apart remove a device."""
        plant_id, plant = list(polled.coordinator.data.home_control.items())[-1]
        module = plant.topology.modules[0]
        registry = dr.async_get(hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, module.id), polled.entry.entry_id
        )
        assert device is not None
        response = await polled.sim.delete(
            f"/_sim/topology/{plant_id}/modules/{module.id}"
        )
        assert response.status == 200
        polled.freezer.tick(TOPOLOGY_INTERVAL)
        for _ in range(3):
            await polled.refresh()
        # Its plant was read once without it: the device stays, unavailable.
        assert (
            polled.coordinator.data.home_control[plant_id].read_at == dt_util.utcnow()
        )
        assert registry.async_get(device.id) is not None
        assert polled.coordinator.data.home_control_module(module.id) is not None
        await polled.refresh(ABSENT_FOR)
        assert registry.async_get(device.id) is None
        assert polled.coordinator.data.home_control_module(module.id) is None

    async def test_a_new_plant_is_read_at_once_beside_the_oldest(
        self,
        hass: HomeAssistant,
        hass_storage: dict[str, Any],
        freezer: FrozenDateTimeFactory,
        init_integration: MockConfigEntry,
        cloud: SimulatedCloud,
    ) -> None:
        """A plant the kept account lacks is read at the first refresh, not in its turn."""
        key = store_key(init_integration.entry_id, ACCOUNT)
        # Let the batched save of the account happen.
        freezer.tick(timedelta(seconds=ACCOUNT.delay + 1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        await hass.config_entries.async_unload(init_integration.entry_id)
        await hass.async_block_till_done()
        stored = hass_storage[key]["data"]
        unknown = stored["home_control"]["plants"].pop()["plant"]["id"]
        freezer.tick(TOPOLOGY_INTERVAL)
        before = by_endpoint(cloud)
        assert await hass.config_entries.async_setup(init_integration.entry_id)
        await hass.async_block_till_done()
        calls = spent(before, by_endpoint(cloud))
        assert calls["GET /hc/api/v1.0/plants"] == 1
        # The new plant and the plant read longest ago; the third waits for its turn.
        assert calls[HC_TOPOLOGY] == 2
        coordinator = init_integration.runtime_data.coordinator
        assert coordinator.data.home_control[unknown].read_at == dt_util.utcnow()


class TestThermostatPlantTopologyFails:
    """An account of 2 Home + Control plants and one plant of 3 thermostats."""

    @pytest.fixture
    def scenario(self) -> dict[str, Any]:
        """Return an account of 2 Home + Control plants and one plant of 3 thermostats."""
        return generate_scenario(2, 4, thermostat_plants=1, thermostats=3)

    async def test_a_failed_plant_read_waits_an_hour_and_keeps_what_was_known(
        self,
        hass: HomeAssistant,
        polled: Polled,
    ) -> None:
        """A thermostat plant whose topology fails keeps its thermostats; it is tried hourly."""
        route = "GET /smarther/v2.0/plants/{plantId}/topology"
        plant_id, plant = next(iter(polled.coordinator.data.smarther.items()))
        thermostats = plant.topology.modules
        await polled.sim.post(
            "/_sim/faults",
            json={"status": 500, "match": f"/smarther/v2.0/plants/{plant_id}/topology"},
        )
        polled.freezer.tick(TOPOLOGY_INTERVAL)
        reads = by_endpoint(polled.cloud)[route]
        start = dt_util.utcnow()
        while dt_util.utcnow() - start < timedelta(minutes=50):
            await polled.refresh()
        # One failed read; the plants read after it were read all the same.
        assert by_endpoint(polled.cloud)[route] == reads + 1
        assert (
            polled.coordinator.data.smarther[plant_id].topology.modules == thermostats
        )
        read_at = [p.read_at for p in polled.coordinator.data.home_control.values()]
        assert all(moment is not None and moment > start for moment in read_at)
        # The failure came at the third refresh of the round (the plants tie, thermostats last).
        while dt_util.utcnow() - start < timedelta(minutes=130):
            await polled.refresh()
        assert by_endpoint(polled.cloud)[route] == reads + 2
        assert polled.coordinator.data.smarther[plant_id].read_at is not None
        assert polled.coordinator.data.smarther[plant_id].read_at > start


async def test_one_404_on_the_plants_list_removes_nothing(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """A single 404 on the Home + Control plants list: every device stays, no repair issue."""
    devices = entry_devices(hass, polled.entry)
    entities = entry_entities(hass, polled.entry)
    await polled.sim.post(
        "/_sim/faults", json={"status": 404, "match": "/hc/api/v1.0/plants", "count": 1}
    )
    await polled.refresh(timedelta(hours=12))
    await polled.refresh(ABSENT_FOR)
    assert entry_devices(hass, polled.entry) == devices
    assert entry_entities(hass, polled.entry) == entities
    assert hass.states.get(LIGHT).state != STATE_UNAVAILABLE
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"home_control_retired_{polled.entry.entry_id}"
    )


async def test_a_reload_during_a_404_removes_nothing_and_recovers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """Reloading while the plants list answers 404 keeps the devices; they come back alone."""
    devices = entry_devices(hass, init_integration)
    await sim.post(
        "/_sim/faults", json={"status": 404, "match": "/hc/api/v1.0/plants", "count": 1}
    )
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert entry_devices(hass, init_integration) == devices
    assert hass.states.get(LIGHT).state == STATE_UNAVAILABLE
    await next_refresh(hass, freezer, polling_coordinator(init_integration))
    assert hass.states.get(LIGHT).state != STATE_UNAVAILABLE
    assert entry_devices(hass, init_integration) == devices


async def test_retired_home_control_after_a_day_of_404_and_clears(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """The retired-API repair waits for a day of 404s, removes nothing and clears itself."""
    devices = entry_devices(hass, polled.entry)
    issue_id = f"home_control_retired_{polled.entry.entry_id}"
    user = polled.cloud.user().email
    await polled.sim.post(f"/_sim/users/{user}/hc-retired", json={"retired": True})
    await polled.refresh(timedelta(hours=12))
    for _ in range(20):
        await polled.refresh(timedelta(hours=1))
        assert not ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    await polled.refresh(timedelta(hours=4))
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert entry_devices(hass, polled.entry) == devices
    await polled.sim.post(f"/_sim/users/{user}/hc-retired", json={"retired": False})
    await polled.refresh(TOPOLOGY_INTERVAL)
    assert not ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert entry_devices(hass, polled.entry) == devices


async def test_topology_failure_keeps_what_was_known(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """A failed topology read keeps the known devices (unavailable), and recovers."""
    known = {
        m.id for m in polled.coordinator.data.home_control[HC_PLANT].topology.modules
    }
    await polled.sim.post(
        "/_sim/faults", json={"status": 500, "match": "/topology", "count": 2}
    )
    await polled.refresh(timedelta(hours=12))
    plant = polled.coordinator.data.home_control[HC_PLANT]
    assert {m.id for m in plant.topology.modules} == known
    thermostats = next(iter(polled.coordinator.data.smarther.values()))
    assert thermostats.topology.modules
    await polled.refresh(timedelta(hours=12))
    assert polled.coordinator.data.home_control[HC_PLANT].available


async def test_an_unknown_module_reads_the_topology_at_most_hourly(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """A status that keeps naming a module the topology lacks: one read an hour, no more."""
    topology = f"/hc/api/v1.0/plants/{HC_PLANT}/topology"
    route = "GET /hc/api/v1.0/plants/{plantId}/topology"
    await polled.sim.post(
        "/_sim/faults", json={"status": 500, "match": topology, "count": 500}
    )
    assert (
        await polled.sim.post(f"/_sim/topology/{HC_PLANT}/modules", json=ADDED_PLUG)
    ).status == 201
    reads = polled.cloud.counters["by_endpoint"][route]
    start = dt_util.utcnow()
    refreshes = 0
    while dt_util.utcnow() - start < timedelta(minutes=90):
        await polled.refresh()
        refreshes += 1
    assert refreshes > 6
    # One read as soon as the module showed up, one more an hour later.
    assert polled.cloud.counters["by_endpoint"][route] - reads == 2
    assert polled.coordinator.budget.calls_used == used_by_user(polled.cloud)


@pytest.mark.usefixtures("credentials")
async def test_home_control_retired_keeps_thermostats(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """404 on the Home + Control plants list for a day: a repair issue; thermostats still work."""
    await sim.post(
        f"/_sim/users/{cloud.user().email}/hc-retired", json={"retired": True}
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = polling_coordinator(config_entry)
    assert not coordinator.data.home_control
    assert len(coordinator.data.smarther) == 1
    issue_id = f"home_control_retired_{config_entry.entry_id}"
    # One 404 is no proof: the issue waits for a day of them.
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    freezer.tick(timedelta(days=1))
    await next_refresh(hass, freezer, coordinator)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING


async def test_a_plant_refused_while_still_listed_is_tried_hourly(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """A listed plant whose calls keep being refused is tried once an hour, not every refresh.

    Each try costs three calls (the call, again with a fresh token, and the plants list).
    """

    async def status_reads() -> int:
        """Return how many reads of the plant's status the refusal met."""
        (pending,) = await (await polled.sim.get("/_sim/faults")).json()
        return 100 - int(pending["remaining"])

    await fault(polled.sim, status=401, count=100, match=PLANT_STATUS)
    await polled.refresh()
    reads = await status_reads()
    assert reads == 2
    for _ in range(3):
        await polled.refresh()
    assert await status_reads() == reads
    assert not polled.coordinator.data.home_control[HC_PLANT].available

    await polled.refresh(timedelta(hours=1))
    assert await status_reads() == reads + 2
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []

    await polled.sim.delete("/_sim/faults")
    await polled.refresh(timedelta(hours=1))
    assert polled.coordinator.data.home_control[HC_PLANT].available

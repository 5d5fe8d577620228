"""Tests for the account's topology: plants lists and plants read when due, spread over refreshes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
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

from .cloud import by_endpoint, spent
from .polling import next_refresh, polling_coordinator

HC_TOPOLOGY = "GET /hc/api/v1.0/plants/{plantId}/topology"


@pytest.fixture
def scenario() -> dict[str, Any]:
    """Return an account of 2 Home + Control plants and one plant of 3 thermostats."""
    return generate_scenario(2, 4, thermostat_plants=1, thermostats=3)


class TestSpreadTopologyReads:
    """An account of 3 Home + Control plants: its topology is read one plant per refresh."""

    @pytest.fixture
    def scenario(self) -> dict[str, Any]:
        """Return an account of 3 Home + Control plants of 2 modules, no thermostat."""
        return generate_scenario(3, 2, thermostat_plants=0)

    async def test_a_topology_round_spreads_over_three_refreshes(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        init_integration: MockConfigEntry,
        cloud: SimulatedCloud,
    ) -> None:
        """The plants list, then one plant per refresh, each refresh costing what it planned."""
        coordinator = polling_coordinator(init_integration)
        # Plants never read are read at once, at setup.
        assert by_endpoint(cloud)[HC_TOPOLOGY] == 3
        freezer.tick(TOPOLOGY_INTERVAL)
        rounds: list[dict[str, int]] = []
        for _ in range(4):
            planned = coordinator.calls_per_refresh(coordinator.data)
            before = by_endpoint(cloud)
            await next_refresh(hass, freezer, coordinator)
            calls = spent(before, by_endpoint(cloud))
            rounds.append(calls)
            if len(rounds) > 1:
                assert sum(calls.values()) == planned
        assert [r.get("GET /hc/api/v1.0/plants", 0) for r in rounds] == [1, 0, 0, 0]
        assert [r.get(HC_TOPOLOGY, 0) for r in rounds] == [1, 1, 1, 0]
        read_at = sorted(p.read_at for p in coordinator.data.home_control.values())
        assert len(set(read_at)) == 3

    async def test_the_set_aside_is_what_the_topology_reads_spend(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        init_integration: MockConfigEntry,
        cloud: SimulatedCloud,
    ) -> None:
        """The calls kept for topology reads until the reset are the calls they then make."""
        coordinator = polling_coordinator(init_integration)
        reset_at = coordinator.budget.reset_at
        set_aside = coordinator.plan.topology_set_aside(coordinator.data, reset_at)
        assert set_aside == 2 + 3 * 2
        before = by_endpoint(cloud)
        while dt_util.utcnow() + coordinator.update_interval < reset_at:
            await next_refresh(hass, freezer, coordinator)
        calls = spent(before, by_endpoint(cloud))
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
        freezer: FrozenDateTimeFactory,
        init_integration: MockConfigEntry,
        sim: TestClient,
    ) -> None:
        """Spread reads keep the rule: two reads of its plant an hour apart remove a device."""
        coordinator = polling_coordinator(init_integration)
        plant_id, plant = list(coordinator.data.home_control.items())[-1]
        module = plant.topology.modules[0]
        registry = dr.async_get(hass)
        device = registry.async_get_device_by_identifier(
            (DOMAIN, module.id), init_integration.entry_id
        )
        assert device is not None
        response = await sim.delete(f"/_sim/topology/{plant_id}/modules/{module.id}")
        assert response.status == 200
        freezer.tick(TOPOLOGY_INTERVAL)
        for _ in range(3):
            await next_refresh(hass, freezer, coordinator)
        # Its plant was read once without it: the device stays, unavailable.
        assert coordinator.data.home_control[plant_id].read_at == dt_util.utcnow()
        assert registry.async_get(device.id) is not None
        assert coordinator.data.home_control_module(module.id) is not None
        freezer.tick(ABSENT_FOR)
        await next_refresh(hass, freezer, coordinator)
        assert registry.async_get(device.id) is None
        assert coordinator.data.home_control_module(module.id) is None

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


async def test_a_failed_plant_read_waits_an_hour_and_keeps_what_was_known(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """A thermostat plant whose topology fails keeps its thermostats; it is tried hourly."""
    coordinator = polling_coordinator(init_integration)
    route = "GET /smarther/v2.0/plants/{plantId}/topology"
    plant_id, plant = next(iter(coordinator.data.smarther.items()))
    thermostats = plant.topology.modules
    await sim.post(
        "/_sim/faults",
        json={"status": 500, "match": f"/smarther/v2.0/plants/{plant_id}/topology"},
    )
    freezer.tick(TOPOLOGY_INTERVAL)
    reads = by_endpoint(cloud)[route]
    start = dt_util.utcnow()
    while dt_util.utcnow() - start < timedelta(minutes=50):
        await next_refresh(hass, freezer, coordinator)
    # One failed read; the plants read after it were read all the same.
    assert by_endpoint(cloud)[route] == reads + 1
    assert coordinator.data.smarther[plant_id].topology.modules == thermostats
    read_at = [p.read_at for p in coordinator.data.home_control.values()]
    assert all(moment is not None and moment > start for moment in read_at)
    # The failure came at the third refresh of the round (the plants tie, thermostats last).
    while dt_util.utcnow() - start < timedelta(minutes=130):
        await next_refresh(hass, freezer, coordinator)
    assert by_endpoint(cloud)[route] == reads + 2
    assert coordinator.data.smarther[plant_id].read_at is not None
    assert coordinator.data.smarther[plant_id].read_at > start

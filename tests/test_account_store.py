"""Tests for the kept account: a start without a burst, a bad file dropped, removal rules kept."""

from __future__ import annotations

import copy
from datetime import timedelta
import json
import logging
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.legrand_eliot.absence import ABSENT_FOR
from custom_components.legrand_eliot.account_store import decode, encode
from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.data import EliotData
from custom_components.legrand_eliot.eliot.parsing import ParseError
from custom_components.legrand_eliot.stores import ACCOUNT, store_key
from custom_components.legrand_eliot.topology import TOPOLOGY_INTERVAL
from simulator import SimulatedCloud
from simulator.generate import generate_scenario

from .cloud import by_endpoint, spent
from .polling import next_refresh, polling_coordinator

HC_TOPOLOGY = "GET /hc/api/v1.0/plants/{plantId}/topology"
HC_STATUS = "GET /hc/api/v1.0/plants/{plantId}"
THERMOSTAT_STATUS = (
    "GET /smarther/v2.0/chronothermostat/thermoregulation/addressLocation/plants/"
    "{plantId}/modules/parameter/id/value/{moduleId}"
)
# Everything a topology read may raise on a bad file; anything else would crash setup.
REJECTED = (ParseError, ValueError, TypeError, KeyError, AttributeError)


@pytest.fixture
def scenario() -> dict[str, Any]:
    """Return an account of 2 Home + Control plants and one plant of 3 thermostats."""
    return generate_scenario(2, 4, thermostat_plants=1, thermostats=3)


async def saved(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the batched save of the account happen."""
    freezer.tick(timedelta(seconds=ACCOUNT.delay + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def entry_entities(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return the ids of an entry's enabled entities in the entity registry."""
    registry = er.async_get(hass)
    return {
        e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.disabled_by is None
    }


async def test_reload_costs_one_poll_not_a_topology_read(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """A reload with the account kept costs one call per plant status and per thermostat."""
    await saved(hass, freezer)
    entities = entry_entities(hass, init_integration)
    before = by_endpoint(cloud)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert spent(before, by_endpoint(cloud)) == {
        HC_STATUS: 2,
        THERMOSTAT_STATUS: 3,
    }
    assert entry_entities(hass, init_integration) == entities
    states = [hass.states.get(entity_id) for entity_id in entities]
    assert all(state is not None for state in states)
    # The first poll gave every device its state.
    climates = [s for s in states if s is not None and s.domain == "climate"]
    assert len(climates) == 3
    assert all(s.state != STATE_UNAVAILABLE for s in climates)


async def test_the_first_setup_reads_the_account(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """Without a kept account, setup reads the plants, topologies and scenes, as it always did."""
    counts = by_endpoint(cloud)
    assert counts["GET /hc/api/v1.0/plants"] == 1
    assert counts[HC_TOPOLOGY] == 2


async def test_entities_exist_before_the_first_refresh_and_wait_for_it(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A restart while the cloud is down: every entity is there, unavailable until a poll."""
    await saved(hass, freezer)
    entities = entry_entities(hass, init_integration)
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), init_integration.entry_id
    )
    await sim.post("/_sim/faults", json={"status": 503, "match": "/", "count": 50})
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert entry_entities(hass, init_integration) == entities
    assert len(
        dr.async_entries_for_config_entry(dr.async_get(hass), init_integration.entry_id)
    ) == len(devices)
    climate = next(e for e in entities if e.startswith("climate."))
    light = next(e for e in entities if e.startswith("light."))
    for entity_id in (climate, light):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state == STATE_UNAVAILABLE
    await sim.delete("/_sim/faults")
    await next_refresh(hass, freezer, polling_coordinator(init_integration))
    for entity_id in (climate, light):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state != STATE_UNAVAILABLE


async def test_restored_states_wait_for_the_first_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """Only the structure is kept: restored plants have no state until the first poll."""
    await saved(hass, freezer)
    coordinator = init_integration.runtime_data.coordinator
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert await coordinator.async_restore_account()
    for hc_plant in coordinator.data.home_control.values():
        assert hc_plant.status is None
        assert not hc_plant.available
    for plant in coordinator.data.smarther.values():
        assert not plant.thermostats


async def test_restored_read_times_keep_the_topology_schedule(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """A reload halfway through the topology interval does not move the next topology read."""
    read_at = dt_util.utcnow()
    await saved(hass, freezer)
    freezer.tick(TOPOLOGY_INTERVAL / 2)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    coordinator = polling_coordinator(init_integration)
    reads = by_endpoint(cloud)[HC_TOPOLOGY]
    while dt_util.utcnow() + coordinator.update_interval < read_at + TOPOLOGY_INTERVAL:
        await next_refresh(hass, freezer, coordinator)
    assert by_endpoint(cloud)[HC_TOPOLOGY] == reads
    freezer.move_to(read_at + TOPOLOGY_INTERVAL)
    await next_refresh(hass, freezer, coordinator)
    assert by_endpoint(cloud)[HC_TOPOLOGY] > reads


async def test_a_store_older_than_the_interval_reads_the_topology(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """A start after the topology interval reads the plants list again at the first refresh."""
    await saved(hass, freezer)
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    freezer.tick(TOPOLOGY_INTERVAL)
    before = by_endpoint(cloud)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert spent(before, by_endpoint(cloud))["GET /hc/api/v1.0/plants"] == 1


@pytest.mark.parametrize(
    "stored",
    [
        {"version": ACCOUNT.version, "data": "garbage"},
        {"version": ACCOUNT.version, "data": []},
        {"version": ACCOUNT.version, "data": {"home_control": 3}},
        {"version": ACCOUNT.version + 1, "data": {}},
        {"version": 0, "data": {"plants": []}},
        {
            "version": ACCOUNT.version,
            "data": {
                "home_control": {"read_at": "2026-11-25T00:00:00", "plants": []},
                "smarther": {"read_at": None, "plants": []},
            },
        },
        {
            "version": ACCOUNT.version,
            "data": {
                "home_control": {"read_at": None, "plants": [{"plant": {"id": ""}}]},
                "smarther": {"read_at": None, "plants": []},
            },
        },
    ],
    ids=[
        "text",
        "list",
        "wrong type",
        "newer version",
        "older version",
        "naive time",
        "plant without id",
    ],
)
async def test_a_bad_store_reads_the_cloud_with_one_warning(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    caplog: pytest.LogCaptureFixture,
    stored: dict[str, Any],
) -> None:
    """A kept account that cannot be read whole is dropped: setup reads the cloud instead."""
    hass_storage[store_key(config_entry.entry_id, ACCOUNT)] = {
        "key": store_key(config_entry.entry_id, ACCOUNT),
        **stored,
    }
    config_entry.add_to_hass(hass)
    with caplog.at_level(logging.WARNING):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert by_endpoint(cloud)[HC_TOPOLOGY] == 2
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "stored account structure" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert len(config_entry.runtime_data.coordinator.data.home_control) == 2


async def test_a_kept_account_reads_back_the_same(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Plants, topologies with their rooms, scenes and programs come back as they were read."""
    coordinator = init_integration.runtime_data.coordinator
    data = coordinator.data
    stored = encode(data, dt_util.utcnow(), dt_util.utcnow())
    restored = decode(stored, dt_util.utcnow()).data
    assert restored.home_control.keys() == data.home_control.keys()
    for plant_id, hc_plant in data.home_control.items():
        assert restored.home_control[plant_id].plant == hc_plant.plant
        assert restored.home_control[plant_id].topology == hc_plant.topology
        assert restored.home_control[plant_id].scenes == hc_plant.scenes
        assert restored.home_control[plant_id].read_at == hc_plant.read_at
    for plant_id, plant in data.smarther.items():
        assert restored.smarther[plant_id].topology == plant.topology
        assert restored.smarther[plant_id].programs == plant.programs
        assert restored.smarther[plant_id].programs
    assert encode(restored, dt_util.utcnow(), dt_util.utcnow()) == stored


async def test_a_scene_kept_twice_reads_back_once(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A kept file naming a scene twice (written before scenes were told apart) has it once."""
    data = init_integration.runtime_data.coordinator.data
    stored = encode(data, dt_util.utcnow(), dt_util.utcnow())
    plant = stored["home_control"]["plants"][0]
    plant["scenes"] = [
        {"id": "s1", "name": "Bonjour"},
        {"id": "s2", "name": "Bonne nuit"},
        {"id": "s1", "name": "Bonjour"},
    ]
    restored = decode(stored, dt_util.utcnow()).data
    scenes = restored.home_control[plant["plant"]["id"]].scenes
    assert [scene.id for scene in scenes] == ["s1", "s2"]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Return the path of every value inside a JSON document, containers included."""
    paths = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            paths.extend(_leaves(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths.extend(_leaves(item, (*path, index)))
    return paths


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)


async def test_any_damage_to_a_kept_account_is_caught(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Whatever one value of a kept account is replaced by, reading it never crashes."""
    now = dt_util.utcnow()
    good = encode(init_integration.runtime_data.coordinator.data, now, now)
    paths = _leaves(good)

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(path=st.sampled_from(paths), garbage=JSON)
    def damaged(path: tuple[Any, ...], garbage: Any) -> None:
        """Replace one value and read the account back."""
        stored: Any = copy.deepcopy(good)
        if not path:
            stored = garbage
        else:
            parent = stored
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = garbage
        try:
            restored = decode(stored, now)
        except REJECTED:
            return
        assert isinstance(restored.data, EliotData)

    damaged()


async def test_a_restored_device_proven_gone_is_removed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A restore removes nothing; later complete reads remove a device as they always did."""
    await saved(hass, freezer)
    coordinator = init_integration.runtime_data.coordinator
    plant_id, plant = next(iter(coordinator.data.home_control.items()))
    module = plant.topology.modules[0]
    registry = dr.async_get(hass)
    device = registry.async_get_device_by_identifier(
        (DOMAIN, module.id), init_integration.entry_id
    )
    assert device is not None
    # A device the kept account does not know: a restore has no word on it.
    stray = registry.async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={(DOMAIN, "stray")}
    )
    response = await sim.delete(f"/_sim/topology/{plant_id}/modules/{module.id}")
    assert response.status == 200
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get(device.id) is not None
    assert registry.async_get(stray.id) is not None
    coordinator = polling_coordinator(init_integration)
    freezer.tick(TOPOLOGY_INTERVAL)
    await next_refresh(hass, freezer, coordinator)
    # One read without it proves nothing yet.
    assert registry.async_get(device.id) is not None
    freezer.tick(ABSENT_FOR)
    await next_refresh(hass, freezer, coordinator)
    assert registry.async_get(device.id) is None
    assert registry.async_get(stray.id) is None


async def test_the_kept_account_holds_no_secret(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """No token, client secret or subscription key is ever written with the account."""
    await saved(hass, freezer)
    text = json.dumps(hass_storage[store_key(init_integration.entry_id, ACCOUNT)])
    secrets = {
        *cloud.tokens.access,
        *cloud.tokens.refresh,
        cloud.client_secret,
        *cloud.app_registration.subscription_keys,
    }
    assert secrets
    assert not any(secret in text for secret in secrets)


async def test_removing_the_entry_forgets_the_kept_account(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """The kept account is written after a read, and goes with its entry."""
    key = store_key(init_integration.entry_id, ACCOUNT)
    await saved(hass, freezer)
    assert hass_storage[key]["data"]["home_control"]["plants"]
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage

"""Tests that the coordinator tells only the entities whose device changed, and never misses one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
import random
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.components.cover import DOMAIN as COVER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_OPEN_COVER, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.entity import EliotEntity
from custom_components.legrand_eliot.push_health import PushState
from custom_components.legrand_eliot.topology import TOPOLOGY_INTERVAL
from simulator import SimulatedCloud
from simulator.generate import generate_scenario

from .entities import (
    account_entities,
    device_entities,
    energy_sensors,
    entry_entities,
    module_entities,
)
from .polling import Polled
from .push import LIVING, set_by_hand
from .writes import Writes


class Told:
    """The entities the coordinator told of an update, by entity id."""

    def __init__(self) -> None:
        """Count nothing yet."""
        self.count: Counter[str] = Counter()

    def clear(self) -> None:
        """Forget what was counted so far."""
        self.count.clear()

    @property
    def entities(self) -> set[str]:
        """Return every entity told since the last clear."""
        return set(self.count)


@pytest.fixture
def told() -> Generator[Told]:
    """Count the calls of every entity's update callback during a test."""
    counter = Told()
    original = EliotEntity._handle_coordinator_update

    def counting(entity: EliotEntity) -> None:
        """Count one call, then update as the entity does."""
        counter.count[entity.entity_id] += 1
        original(entity)

    with patch.object(EliotEntity, "_handle_coordinator_update", counting):
        yield counter


@pytest.fixture
async def refreshed(told: Told, polled: Polled) -> Told:
    """Return the count of entities told, cleared after a first refresh of the polled entry."""
    await polled.refresh()
    told.clear()
    return told


def generated_plants(cloud: SimulatedCloud) -> list[Any]:
    """Return the simulated Home + Control plants, in their order."""
    return list(cloud.world.hc_plants.values())


def module_of(plant: Any, device: str, hw_type: str | None = None) -> str:
    """Return the id of the first module of a kind in a simulated plant."""
    return next(
        module_id
        for module_id, module in plant.modules.items()
        if module.device == device and (hw_type is None or module.hw_type == hw_type)
    )


def toggle(cloud: SimulatedCloud, module_id: str) -> None:
    """Switch a light or a plug by hand: on if it is off, off if it is on."""
    found = cloud.world.hc_module(module_id)
    assert found is not None
    cloud.physical(module_id, {"status": "off" if found[1].status == "on" else "on"})


def drawing(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return the energy sensors of loads drawing power: told of each reading, as they grow."""
    return {
        entity_id
        for entity_id in energy_sensors(hass, entry)
        if (power := hass.states.get(entity_id.replace("_energy", "_power")))
        is not None
        and power.state not in {"0.0", STATE_UNAVAILABLE}
    }


def plant_entities(
    hass: HomeAssistant, entry: MockConfigEntry, cloud: SimulatedCloud, plant: Any
) -> set[str]:
    """Return the entities of a plant's gateway and of every module of the plant."""
    entities = device_entities(hass, entry, ("legrand_eliot", plant.id))
    for module_id in plant.modules:
        entities |= module_entities(hass, entry, module_id)
    return entities


@pytest.fixture
def scenario() -> dict[str, Any]:
    """Return an account of 4 plants of 30 modules and no thermostat."""
    return generate_scenario(4, 30, thermostat_plants=0)


async def test_a_refresh_tells_the_changed_module_only(
    hass: HomeAssistant,
    told: Told,
    polled: Polled,
) -> None:
    """A light switched by hand: the refresh tells that light's entities, not its neighbours'.

    The account's call counters are told of every update, and the energy totals of loads
    drawing power of every reading; the plant's meter reads what the light drew.
    """
    await polled.refresh()
    plant = generated_plants(polled.cloud)[1]
    light = module_of(plant, "light", "NLL")
    meter = module_of(plant, "energymeter")
    toggle(polled.cloud, light)
    growing = drawing(hass, polled.entry)
    told.clear()
    await polled.refresh()
    light_entities = module_entities(hass, polled.entry, light)
    assert light_entities <= told.entities
    assert told.entities - growing <= light_entities | module_entities(
        hass, polled.entry, meter
    ) | account_entities(hass, polled.entry)
    assert max(told.count.values()) == 1


async def test_a_refresh_where_nothing_changed_tells_only_the_account(
    hass: HomeAssistant,
    told: Told,
    polled: Polled,
) -> None:
    """Nobody touched anything: of hundreds of entities, few are told.

    The call counters are told, and the energy totals of the loads drawing power, which grow.
    """
    await polled.refresh()
    growing = drawing(hass, polled.entry)
    told.clear()
    await polled.refresh()
    everything = entry_entities(hass, polled.entry)
    assert len(everything) > 250
    assert growing
    assert told.entities == account_entities(hass, polled.entry) | growing
    assert len(told.entities) < len(everything) / 5


async def test_a_plant_going_offline_tells_all_its_entities(
    hass: HomeAssistant,
    told: Told,
    polled: Polled,
) -> None:
    """A gateway that stops answering: every entity of its plant is told and unavailable."""
    await polled.refresh()
    plant = generated_plants(polled.cloud)[2]
    plant.online = False
    growing = drawing(hass, polled.entry)
    told.clear()
    await polled.refresh()
    entities = plant_entities(hass, polled.entry, polled.cloud, plant)
    assert entities <= told.entities
    assert told.entities <= entities | account_entities(hass, polled.entry) | growing
    light = module_of(plant, "light")
    for entity_id in module_entities(hass, polled.entry, light):
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
    plant.online = True
    told.clear()
    await polled.refresh()
    assert entities <= told.entities
    for entity_id in module_entities(hass, polled.entry, light):
        assert hass.states.get(entity_id).state != STATE_UNAVAILABLE


async def test_a_topology_read_tells_everyone(
    hass: HomeAssistant,
    refreshed: Told,
    polled: Polled,
) -> None:
    """The plants and their topologies read again: every entity is refreshed."""
    polled.freezer.tick(TOPOLOGY_INTERVAL)
    await polled.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert refreshed.entities == entry_entities(hass, polled.entry)


async def test_a_failed_refresh_tells_everyone(
    hass: HomeAssistant,
    refreshed: Told,
    polled: Polled,
) -> None:
    """Every plant unreachable at once, then back: every entity is told both times."""
    polled.coordinator.async_set_update_error(RuntimeError("down"))
    await hass.async_block_till_done()
    everything = entry_entities(hass, polled.entry)
    assert refreshed.entities == everything
    refreshed.clear()
    await polled.refresh()
    assert refreshed.entities == everything
    assert polled.coordinator.last_update_success


async def test_a_failing_listener_leaves_the_others_told(
    hass: HomeAssistant,
    told: Told,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A listener that raises is logged; the listeners after it are still told."""
    coordinator = init_integration.runtime_data.coordinator
    after: list[bool] = []

    def broken() -> None:
        """Fail, as a faulty listener would."""
        raise RuntimeError("broken listener")

    init_integration.async_on_unload(coordinator.async_add_listener(broken))
    init_integration.async_on_unload(
        coordinator.async_add_listener(lambda: after.append(True))
    )
    told.clear()
    # A failed refresh tells everyone.
    coordinator.async_set_update_error(UpdateFailed("The cloud did not answer"))
    await hass.async_block_till_done()
    assert after == [True]
    assert told.entities == entry_entities(hass, init_integration)
    assert "Unexpected error updating listener" in caplog.text


async def test_a_shutter_that_did_not_move_ends_its_estimate(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """A shutter sent up but held closed by hand: the next reading, unchanged, shows it closed."""
    plant = generated_plants(polled.cloud)[0]
    shutter = module_of(plant, "automation")
    polled.cloud.physical(shutter, {"level": 0})
    await polled.refresh()
    (entity_id,) = (
        entity_id
        for entity_id in module_entities(hass, polled.entry, shutter)
        if entity_id.startswith("cover.")
    )
    assert hass.states.get(entity_id).attributes["current_position"] == 0
    await hass.services.async_call(
        COVER_DOMAIN, SERVICE_OPEN_COVER, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    polled.cloud.physical(shutter, {"level": 0})
    await polled.refresh(60)
    assert hass.states.get(entity_id).attributes["current_position"] == 0


class TestRandomChanges:
    """An account of plants and thermostats changed at random."""

    @pytest.fixture
    def scenario(self) -> dict[str, Any]:
        """Return an account of 3 plants of 20 modules and 4 thermostats."""
        return generate_scenario(3, 20, thermostat_plants=1, thermostats=4)

    async def test_random_changes_are_never_missed(
        self,
        hass: HomeAssistant,
        polled: Polled,
    ) -> None:
        """Random changes by hand, gateways lost and back: no entity misses one.

        After each refresh, telling every entity again changes nothing: no entity missed a
        change that concerned it.
        """
        writes = Writes(hass)
        polled.entry.async_on_unload(writes.stop)
        rng = random.Random(13)
        plants = generated_plants(polled.cloud)
        devices = [
            (module_id, module.device)
            for plant in plants
            for module_id, module in plant.modules.items()
            if module.device in {"light", "plug", "automation"}
        ] + [
            (module_id, "thermostat")
            for plant in polled.cloud.world.smarther_plants.values()
            for module_id in plant.thermostats
        ]
        for _round in range(12):
            for module_id, device in rng.sample(devices, rng.randint(0, 6)):
                if device == "automation":
                    polled.cloud.physical(
                        module_id, {"level": rng.choice((0, 40, 100))}
                    )
                elif device == "thermostat":
                    point = rng.choice((18.0, 19.5, 21.0))
                    polled.cloud.physical(
                        module_id, {"mode": "manual", "setPoint": point}
                    )
                else:
                    polled.cloud.physical(
                        module_id, {"status": rng.choice(("on", "off"))}
                    )
            if rng.random() < 0.3:
                plant = rng.choice(plants)
                plant.online = not plant.online
            await polled.refresh()
            writes.clear()
            # Every listener told, as Home Assistant's own coordinator tells them all.
            DataUpdateCoordinator.async_update_listeners(polled.coordinator)
            await hass.async_block_till_done()
            assert writes.written == set()


class TestThermostats:
    """The demo account, whose thermostats push their changes."""

    @pytest.fixture
    def scenario(self) -> str:
        """Return the demo account."""
        return "demo"

    async def test_a_pushed_change_tells_that_thermostat_only(
        self,
        hass: HomeAssistant,
        told: Told,
        push_integration: MockConfigEntry,
        cloud: SimulatedCloud,
        sim: TestClient,
    ) -> None:
        """A thermostat changed by hand and pushed: its entities are told, no other device's."""
        assert push_integration.runtime_data.coordinator.push.state is PushState.ACTIVE
        told.clear()
        await set_by_hand(hass, cloud, sim, LIVING, 23.5)
        thermostat = module_entities(hass, push_integration, LIVING)
        assert thermostat <= told.entities
        assert told.entities <= thermostat | account_entities(hass, push_integration)

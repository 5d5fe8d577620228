"""Tests that state writes follow changes: refreshes, pushed events and commands write what changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from dataclasses import replace
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    SERVICE_TURN_ON,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.push_health import PushState
from simulator import SimulatedCloud
from simulator.generate import generate_scenario

from .polling import next_refresh, polling_coordinator
from .push import LIVING, set_by_hand

KETTLE_PLUG = "000070ee503ed5d46275620000000004"
KETTLE_ENTITY = "switch.cuisine_prise_bouilloire"


class Writes:
    """The state writes of the entry's entities: changes, and writes that changed nothing."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Count every state write of the integration's entities from now on."""
        self.hass = hass
        self.changed: Counter[str] = Counter()
        self.unchanged: Counter[str] = Counter()
        self._removers = [
            hass.bus.async_listen(event_type, self.record, self.ours)
            for event_type in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
        ]

    def stop(self) -> None:
        """Stop counting."""
        for remove in self._removers:
            remove()

    @callback
    def ours(self, event_data: Any) -> bool:
        """Return whether a write is one of the integration's entities."""
        entry = er.async_get(self.hass).async_get(event_data["entity_id"])
        return entry is not None and entry.platform == DOMAIN

    @callback
    def record(self, event: Event[Any]) -> None:
        """Count one write of one of the integration's entities."""
        entity_id = event.data["entity_id"]
        if event.event_type == EVENT_STATE_CHANGED:
            self.changed[entity_id] += 1
        else:
            self.unchanged[entity_id] += 1

    def clear(self) -> None:
        """Forget what was counted so far."""
        self.changed.clear()
        self.unchanged.clear()

    @property
    def written(self) -> set[str]:
        """Return every entity written since the last clear."""
        return set(self.changed) | set(self.unchanged)


@pytest.fixture
def writes(hass: HomeAssistant) -> Generator[Writes]:
    """Count the integration's state writes during a test."""
    counter = Writes(hass)
    yield counter
    counter.stop()


def device_entities(
    hass: HomeAssistant, entry: MockConfigEntry, identifier: tuple[str, str]
) -> set[str]:
    """Return the entity ids of one of the entry's devices."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        identifier, entry.entry_id
    )
    assert device is not None
    return {
        item.entity_id
        for item in er.async_entries_for_device(er.async_get(hass), device.id)
    }


def module_entities(
    hass: HomeAssistant, entry: MockConfigEntry, module_id: str
) -> set[str]:
    """Return the entity ids of a module's device."""
    return device_entities(hass, entry, (DOMAIN, module_id))


def account_entities(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return the entity ids of the account's own device (its call counters, push health)."""
    return device_entities(hass, entry, (f"{DOMAIN}_account", str(entry.unique_id)))


def entry_entities(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return every entity of the entry that shows a state."""
    return {
        item.entity_id
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if hass.states.get(item.entity_id) is not None
    }


def changing_by_themselves(
    hass: HomeAssistant, entry: MockConfigEntry, cloud: SimulatedCloud
) -> set[str]:
    """Return the entities whose state changes as time passes, with nobody touching anything.

    The call counters (each refresh spends calls), energy totals (loads draw power) and the
    thermostats (rooms warm up and cool down).
    """
    thermostats = {
        entity_id
        for plant in cloud.world.smarther_plants.values()
        for module_id in plant.thermostats
        for entity_id in module_entities(hass, entry, module_id)
    }
    return account_entities(hass, entry) | thermostats | energy_sensors(hass, entry)


def energy_sensors(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return the energy sensors, whose totals grow while loads draw power."""
    return {
        entity_id
        for entity_id in entry_entities(hass, entry)
        if (state := hass.states.get(entity_id)) is not None
        and state.attributes.get("device_class") == "energy"
    }


async def test_refresh_without_change_writes_only_what_changed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    writes: Writes,
) -> None:
    """Nobody touched the demo home: a refresh writes no entity whose state stays the same."""
    coordinator = polling_coordinator(init_integration)
    everything = entry_entities(hass, init_integration)
    await next_refresh(hass, freezer, coordinator)
    writes.clear()
    await next_refresh(hass, freezer, coordinator)
    assert writes.unchanged == Counter()
    assert writes.written <= changing_by_themselves(hass, init_integration, cloud)
    assert len(writes.written) < len(everything) / 3


class TestLargeAccount:
    """A generated account of many plants, modules and thermostats."""

    @pytest.fixture
    def scenario(self) -> dict[str, Any]:
        """Return an account of 4 plants of 30 modules and 6 thermostats."""
        return generate_scenario(4, 30, thermostat_plants=2, thermostats=3)

    async def test_refresh_without_change_writes_nothing_that_stays(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        init_integration: MockConfigEntry,
        cloud: SimulatedCloud,
        writes: Writes,
    ) -> None:
        """Hundreds of entities, nobody touched anything: only what really changed is written."""
        coordinator = polling_coordinator(init_integration)
        everything = entry_entities(hass, init_integration)
        assert len(everything) > 300
        await next_refresh(hass, freezer, coordinator)
        writes.clear()
        await next_refresh(hass, freezer, coordinator)
        assert writes.unchanged == Counter()
        assert writes.written <= changing_by_themselves(hass, init_integration, cloud)
        assert len(writes.written) < len(everything) / 5

    async def test_a_changed_module_writes_its_own_entities(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        init_integration: MockConfigEntry,
        cloud: SimulatedCloud,
        writes: Writes,
    ) -> None:
        """A light switched by hand: the next refresh writes that light, not its neighbours.

        The plant's energy meter, which reads what every load draws, changes with it.
        """
        coordinator = polling_coordinator(init_integration)
        await next_refresh(hass, freezer, coordinator)
        plant = next(iter(cloud.world.hc_plants.values()))
        light = next(
            module_id
            for module_id, module in plant.modules.items()
            if module.device == "light" and module.hw_type == "NLL"
        )
        cloud.physical(light, {"status": "off"})
        writes.clear()
        await next_refresh(hass, freezer, coordinator)
        light_entities = module_entities(hass, init_integration, light)
        meter = next(
            module_id
            for module_id, module in plant.modules.items()
            if module.device == "energymeter"
        )
        assert writes.unchanged == Counter()
        assert writes.written & light_entities
        assert writes.written <= light_entities | module_entities(
            hass, init_integration, meter
        ) | changing_by_themselves(hass, init_integration, cloud)


async def test_a_command_writes_the_commanded_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    writes: Writes,
) -> None:
    """Turning a plug on writes that plug (and the call it cost), not the rest of the home."""
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: KETTLE_ENTITY}, blocking=True
    )
    assert hass.states.get(KETTLE_ENTITY).state == STATE_ON
    assert writes.unchanged == Counter()
    assert KETTLE_ENTITY in writes.changed
    assert writes.written <= module_entities(
        hass, init_integration, KETTLE_PLUG
    ) | account_entities(hass, init_integration)


async def test_a_pushed_change_writes_that_thermostat_only(
    hass: HomeAssistant,
    writes: Writes,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """A thermostat changed by hand and pushed: its entities are written, the others are not."""
    assert push_integration.runtime_data.coordinator.push.state is PushState.ACTIVE
    writes.clear()
    await set_by_hand(hass, cloud, sim, LIVING, 23.5)
    thermostat = module_entities(hass, push_integration, LIVING)
    assert writes.unchanged == Counter()
    assert writes.written & thermostat
    assert writes.written <= thermostat | account_entities(hass, push_integration)


async def test_a_module_that_leaves_is_written_unavailable_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    writes: Writes,
) -> None:
    """A plug gone from its home's topology: its entities are written unavailable, once."""
    coordinator = init_integration.runtime_data.coordinator
    plant = next(iter(coordinator.data.home_control.values()))
    plant.topology = replace(
        plant.topology,
        modules=tuple(m for m in plant.topology.modules if m.id != KETTLE_PLUG),
    )
    coordinator.async_update_listeners()
    await hass.async_block_till_done()
    assert hass.states.get(KETTLE_ENTITY).state == STATE_UNAVAILABLE
    assert writes.changed[KETTLE_ENTITY] == 1
    coordinator.async_update_listeners()
    await hass.async_block_till_done()
    assert writes.unchanged == Counter()
    assert writes.changed[KETTLE_ENTITY] == 1

"""Tests that state writes follow changes: refreshes, pushed events and commands write what changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from dataclasses import replace
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_ON,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.push_health import PushState
from simulator import SimulatedCloud
from simulator.generate import generate_scenario

from .entities import account_entities, energy_sensors, entry_entities, module_entities
from .polling import Polled
from .push import LIVING, set_by_hand
from .writes import Writes

KETTLE_PLUG = "000070ee503ed5d46275620000000004"
KETTLE_ENTITY = "switch.cuisine_prise_bouilloire"


@pytest.fixture
def writes(hass: HomeAssistant) -> Generator[Writes]:
    """Count the integration's state writes during a test."""
    counter = Writes(hass)
    yield counter
    counter.stop()


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


async def test_refresh_without_change_writes_only_what_changed(
    hass: HomeAssistant,
    polled: Polled,
    writes: Writes,
) -> None:
    """Nobody touched the demo home: a refresh writes no entity whose state stays the same."""
    everything = entry_entities(hass, polled.entry)
    await polled.refresh()
    writes.clear()
    await polled.refresh()
    assert writes.unchanged == Counter()
    assert writes.written <= changing_by_themselves(hass, polled.entry, polled.cloud)
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
        polled: Polled,
        writes: Writes,
    ) -> None:
        """Hundreds of entities, nobody touched anything: only what really changed is written."""
        everything = entry_entities(hass, polled.entry)
        assert len(everything) > 300
        await polled.refresh()
        writes.clear()
        await polled.refresh()
        assert writes.unchanged == Counter()
        assert writes.written <= changing_by_themselves(
            hass, polled.entry, polled.cloud
        )
        assert len(writes.written) < len(everything) / 5

    async def test_a_changed_module_writes_its_own_entities(
        self,
        hass: HomeAssistant,
        polled: Polled,
        writes: Writes,
    ) -> None:
        """A light switched by hand: the next refresh writes that light, not its neighbours.

        The plant's energy meter, which reads what every load draws, changes with it.
        """
        await polled.refresh()
        plant = next(iter(polled.cloud.world.hc_plants.values()))
        light = next(
            module_id
            for module_id, module in plant.modules.items()
            if module.device == "light" and module.hw_type == "NLL"
        )
        polled.cloud.physical(light, {"status": "off"})
        writes.clear()
        await polled.refresh()
        light_entities = module_entities(hass, polled.entry, light)
        meter = next(
            module_id
            for module_id, module in plant.modules.items()
            if module.device == "energymeter"
        )
        assert writes.unchanged == Counter()
        assert writes.written & light_entities
        assert writes.written <= light_entities | module_entities(
            hass, polled.entry, meter
        ) | changing_by_themselves(hass, polled.entry, polled.cloud)


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

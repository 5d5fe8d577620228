"""Tests for the entities that command a device through its queue, shared by its entities."""

from __future__ import annotations

import asyncio

from homeassistant.components.climate import (
    ATTR_TEMPERATURE,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_TEMPERATURE,
    HVACMode,
)
from homeassistant.components.select import (
    ATTR_OPTION,
    ATTR_OPTIONS,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.cloud import CloudControl
from tests.held_calls import held

PLANT = "7c1f4e2a-9b3d-4a68-b5e0-2d8f6c1a9e47"
LIVING = "3e8a1c5f-7d2b-4f96-a0c4-6b9e2d7f1a35"
LIVING_CLIMATE = "climate.soggiorno_soggiorno"
LIVING_PROGRAM = "select.soggiorno_soggiorno_program"

pytestmark = [
    pytest.mark.platforms(Platform.CLIMATE, Platform.SELECT),
    pytest.mark.usefixtures("house_in_rome"),
]


async def _set_temperature(hass: HomeAssistant, set_point: float) -> None:
    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: LIVING_CLIMATE, ATTR_TEMPERATURE: set_point},
        blocking=True,
    )


async def _select(hass: HomeAssistant, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: LIVING_PROGRAM, ATTR_OPTION: option},
        blocking=True,
    )


async def _turns() -> None:
    """Let the tasks asked so far run up to their waits (a call held in flight blocks them)."""
    for _ in range(20):
        await asyncio.sleep(0)


def _another_program(hass: HomeAssistant) -> str:
    state = hass.states.get(LIVING_PROGRAM)
    return next(o for o in state.attributes[ATTR_OPTIONS] if o != state.state)


async def test_a_program_picked_while_a_set_point_is_in_flight_waits_its_turn(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud_control: CloudControl,
) -> None:
    """The climate entity and the program select of a thermostat share one queue.

    The program is sent once the set point's call is answered, never beside it, and both
    entities show it from the moment it is picked.
    """
    program = _another_program(hass)
    before = await cloud_control.calls()
    with held(init_integration.runtime_data.client, "set_manual") as calls:
        set_point = hass.async_create_task(_set_temperature(hass, 21.5))
        await calls.started.wait()
        picked = hass.async_create_task(_select(hass, program))
        await _turns()
        # Waiting behind the call in flight, and shown by both entities at once.
        assert await cloud_control.calls() == before
        assert hass.states.get(LIVING_PROGRAM).state == program
        assert hass.states.get(LIVING_CLIMATE).state == HVACMode.AUTO
        calls.release()
        await asyncio.gather(set_point, picked)
    assert await cloud_control.calls() == before + 2
    thermostat = await cloud_control.thermostat(PLANT, LIVING)
    assert thermostat["mode"] == "automatic"
    assert hass.states.get(LIVING_PROGRAM).state == program
    assert hass.states.get(LIVING_CLIMATE).state == HVACMode.AUTO


async def test_a_newer_set_point_replaces_a_program_that_waits(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud_control: CloudControl,
) -> None:
    """Any command of the thermostat replaces the one waiting: the program is never sent."""
    program = _another_program(hass)
    shown_before = hass.states.get(LIVING_PROGRAM).state
    before = await cloud_control.calls()
    client = init_integration.runtime_data.client
    with (
        held(client, "set_manual") as calls,
        held(client, "set_automatic") as automatic,
    ):
        first = hass.async_create_task(_set_temperature(hass, 21.5))
        await calls.started.wait()
        picked = hass.async_create_task(_select(hass, program))
        await asyncio.sleep(0)
        newest = hass.async_create_task(_set_temperature(hass, 22.5))
        await _turns()
        assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_TEMPERATURE] == 22.5
        automatic.release()
        calls.release()
        await asyncio.gather(first, picked, newest)
    assert not automatic.started.is_set()
    # The call in flight and the newest intent: the replaced program cost nothing.
    assert await cloud_control.calls() == before + 2
    thermostat = await cloud_control.thermostat(PLANT, LIVING)
    assert (thermostat["mode"], thermostat["setpoint"]) == ("manual", 22.5)
    assert hass.states.get(LIVING_PROGRAM).state == shown_before
    assert hass.states.get(LIVING_CLIMATE).state == HVACMode.HEAT


async def test_the_queue_outlives_an_entity_that_leaves_while_its_sibling_stays(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud_control: CloudControl,
) -> None:
    """Disabling the program select leaves the climate entity's commands as they were."""
    coordinator = init_integration.runtime_data.coordinator
    queue = coordinator.commands.join(LIVING, lambda: None)
    entity = hass.data["entity_components"]["select"].get_entity(LIVING_PROGRAM)
    assert entity is not None
    await entity.async_remove()
    assert coordinator.commands.join(LIVING, lambda: None) is queue
    await _set_temperature(hass, 20.5)
    assert (await cloud_control.thermostat(PLANT, LIVING))["setpoint"] == 20.5

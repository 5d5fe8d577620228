"""Tests for the program select of the thermostats."""

from __future__ import annotations

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

from custom_components.legrand_eliot.eliot import Program
from tests.cloud import CloudControl
from tests.demo import BEDROOM, LIVING, SM_PLANT
from tests.entities import PlatformSnapshot

LIVING_PROGRAM = "select.soggiorno_soggiorno_program"
BEDROOM_PROGRAM = "select.camera_camera_program"


# The select platform alone, in Rome at a fixed moment.
pytestmark = [
    pytest.mark.platforms(Platform.SELECT),
    pytest.mark.usefixtures("house_in_rome"),
]


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Each thermostat's programs, by the names the Thermostat app gives them."""
    await platform_snapshot()


async def test_select_a_program_by_name(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """Picking a program follows it in automatic mode, for a cooling thermostat too."""
    state = hass.states.get(BEDROOM_PROGRAM)
    assert state.state == "At Home"
    assert state.attributes[ATTR_OPTIONS] == [
        "Default",
        "At Home",
        "Not At Home",
        "Risparmio",
    ]
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: BEDROOM_PROGRAM, ATTR_OPTION: "Not At Home"},
        blocking=True,
    )
    thermostat = await cloud_control.thermostat(SM_PLANT, BEDROOM)
    assert (thermostat["mode"], thermostat["program"], thermostat["function"]) == (
        "automatic",
        2,
        "cooling",
    )
    assert hass.states.get(BEDROOM_PROGRAM).state == "Not At Home"


async def test_programs_with_one_name_stay_apart(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Two programs named alike are told apart by number; an unnamed one by its number."""
    coordinator = init_integration.runtime_data.coordinator
    coordinator.data.smarther[SM_PLANT].programs[LIVING] = [
        Program(number=1, name="Casa"),
        Program(number=2, name="Casa"),
        Program(number=3, name=None),
    ]
    coordinator.async_update_listeners()
    await hass.async_block_till_done()
    state = hass.states.get(LIVING_PROGRAM)
    assert state.attributes[ATTR_OPTIONS] == ["Casa", "Casa (2)", "3"]
    assert state.state == "Casa"

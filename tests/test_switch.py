"""Tests for the plugs: state, on/off, and bursts of commands."""

from __future__ import annotations

import asyncio

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.cloud import CloudControl
from tests.demo import HC_PLANT, KETTLE_PLUG, KETTLE_SWITCH, TV_PLUG, TV_SWITCH
from tests.entities import PlatformSnapshot

pytestmark = pytest.mark.platforms(Platform.SWITCH)


async def _turn(hass: HomeAssistant, service: str, entity_id: str) -> None:
    """Call a switch service on a plug and wait for it."""
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Every plug of the demo home is an outlet."""
    await platform_snapshot()


async def test_turn_on_and_off(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """Switching reaches the plug with one call each and shows at once."""
    before = await cloud_control.calls()
    await _turn(hass, SERVICE_TURN_ON, KETTLE_SWITCH)
    assert (await cloud_control.module(HC_PLANT, KETTLE_PLUG))["status"] == "on"
    assert hass.states.get(KETTLE_SWITCH).state == STATE_ON

    await _turn(hass, SERVICE_TURN_OFF, TV_SWITCH)
    assert (await cloud_control.module(HC_PLANT, TV_PLUG))["status"] == "off"
    assert hass.states.get(TV_SWITCH).state == STATE_OFF
    assert await cloud_control.calls() - before == 2


async def test_a_looping_automation_costs_two_calls(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """Fifty on and off asked at once: two calls, the plug as the last one asked."""
    before = await cloud_control.calls()
    services = [SERVICE_TURN_ON, SERVICE_TURN_OFF] * 25
    outcomes = await asyncio.gather(
        *(_turn(hass, service, KETTLE_SWITCH) for service in services)
    )
    assert outcomes == [None] * 50
    assert await cloud_control.calls() - before == 2
    assert (await cloud_control.module(HC_PLANT, KETTLE_PLUG))["status"] == "off"
    assert hass.states.get(KETTLE_SWITCH).state == STATE_OFF

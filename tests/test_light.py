"""Tests for the lights: state, on/off, brightness scaling, and failed commands."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.components.light import DOMAIN as LIGHT_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.light import (
    brightness_to_level,
    level_to_brightness,
)
from tests.cloud import CloudControl
from tests.demo import CEILING, CEILING_LIGHT, DIMMER, DIMMER_LIGHT, HC_PLANT
from tests.entities import PlatformSnapshot
from tests.held_calls import held

BEDSIDE_ENTITY = "light.chambre_lampe_chambre"

pytestmark = pytest.mark.platforms(Platform.LIGHT)


async def _turn(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    """Call a light service on a light and wait for it."""
    await hass.services.async_call(
        LIGHT_DOMAIN, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Every light of the demo home, with its color mode and brightness."""
    await platform_snapshot()


def test_brightness_scaling() -> None:
    """Levels map onto the whole brightness range and back, and never round a light off."""
    assert level_to_brightness(0) == 0
    assert level_to_brightness(60) == 153
    assert level_to_brightness(100) == 255
    assert brightness_to_level(255) == 100
    assert brightness_to_level(153) == 60
    assert brightness_to_level(1) == 1
    assert all(
        brightness_to_level(level_to_brightness(level)) == level
        for level in range(1, 101)
    )


async def test_dimmer_reports_its_level(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A dimmer at level 60 shows brightness 153; a plain switch has no brightness."""
    dimmer = hass.states.get(DIMMER_LIGHT)
    assert dimmer.state == STATE_ON
    assert dimmer.attributes["brightness"] == 153
    assert dimmer.attributes["supported_color_modes"] == ["brightness"]
    ceiling = hass.states.get(CEILING_LIGHT)
    assert ceiling.state == STATE_OFF
    assert ceiling.attributes["supported_color_modes"] == ["onoff"]


async def test_turn_on_and_off(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """Switching reaches the module and shows at once, without another poll."""
    before = await cloud_control.calls()
    await _turn(hass, SERVICE_TURN_ON, CEILING_LIGHT)
    assert (await cloud_control.module(HC_PLANT, CEILING))["status"] == "on"
    assert hass.states.get(CEILING_LIGHT).state == STATE_ON

    await _turn(hass, SERVICE_TURN_OFF, CEILING_LIGHT)
    assert (await cloud_control.module(HC_PLANT, CEILING))["status"] == "off"
    assert hass.states.get(CEILING_LIGHT).state == STATE_OFF

    assert await cloud_control.calls() - before == 2


async def test_brightness_reaches_the_module(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """Brightness 64 of 255 is sent as level 25, and shows as brightness 64 at once."""
    await _turn(hass, SERVICE_TURN_ON, DIMMER_LIGHT, brightness=64)
    module = await cloud_control.module(HC_PLANT, DIMMER)
    assert module["level"] == 25
    assert module["status"] == "on"
    state = hass.states.get(DIMMER_LIGHT)
    assert state.state == STATE_ON
    assert state.attributes["brightness"] == level_to_brightness(25) == 64


async def test_dimmer_turned_off_and_on_keeps_its_level(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """Turning a dimmer on without a brightness sends on/off, not a level."""
    await _turn(hass, SERVICE_TURN_OFF, DIMMER_LIGHT)
    await _turn(hass, SERVICE_TURN_ON, DIMMER_LIGHT)
    module = await cloud_control.module(HC_PLANT, DIMMER)
    assert module["status"] == "on"
    assert module["level"] == 60
    assert hass.states.get(DIMMER_LIGHT).attributes["brightness"] == 153


async def test_brightness_ignored_by_a_plain_switch(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """A light that does not dim is switched on; no level is sent that it would refuse."""
    await _turn(hass, SERVICE_TURN_ON, BEDSIDE_ENTITY, brightness=10)
    module = await cloud_control.module(HC_PLANT, "000070ee503ed5d46275620000000006")
    assert module["status"] == "on"
    assert module["level"] is None


async def test_light_that_starts_reporting_a_level_dims(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A switch first seen without a level gains brightness once it reports one."""
    assert hass.states.get(CEILING_LIGHT).attributes["supported_color_modes"] == [
        "onoff"
    ]
    init_integration.runtime_data.coordinator.apply_module_state(
        CEILING, on=True, level=50
    )
    await hass.async_block_till_done()
    state = hass.states.get(CEILING_LIGHT)
    assert state.attributes["supported_color_modes"] == ["brightness"]
    assert state.attributes["brightness"] == 128


async def _dim(hass: HomeAssistant, brightnesses: list[int]) -> list[None]:
    """Ask the dimmer for each brightness at once, as a dragged slider does."""
    return await asyncio.gather(
        *(
            _turn(hass, SERVICE_TURN_ON, DIMMER_LIGHT, brightness=brightness)
            for brightness in brightnesses
        )
    )


async def test_a_dragged_slider_costs_two_calls_and_ends_where_asked(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """Fifty brightnesses asked at once: two calls, the light at the last one."""
    before = await cloud_control.calls()
    outcomes = await _dim(hass, list(range(5, 255, 5)))
    assert outcomes == [None] * 50
    assert await cloud_control.calls() - before <= 2
    assert (
        (await cloud_control.module(HC_PLANT, DIMMER))["level"]
        == brightness_to_level(250)
        == 98
    )
    assert hass.states.get(DIMMER_LIGHT).attributes["brightness"] == (
        level_to_brightness(98)
    )


async def test_turning_on_keeps_a_brightness_on_its_way(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """A plain turn-on after a brightness not yet sent sends that brightness, not the old one."""
    await asyncio.gather(
        _turn(hass, SERVICE_TURN_ON, DIMMER_LIGHT, brightness=64),
        _turn(hass, SERVICE_TURN_ON, DIMMER_LIGHT, brightness=128),
        _turn(hass, SERVICE_TURN_ON, DIMMER_LIGHT),
    )
    module = await cloud_control.module(HC_PLANT, DIMMER)
    assert (module["status"], module["level"]) == ("on", 50)
    assert hass.states.get(DIMMER_LIGHT).attributes["brightness"] == 128


async def test_the_last_of_on_and_off_wins(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """A brightness then off: the light ends off, though the brightness was asked first."""
    before = await cloud_control.calls()
    await asyncio.gather(
        _turn(hass, SERVICE_TURN_ON, DIMMER_LIGHT, brightness=10),
        _turn(hass, SERVICE_TURN_ON, DIMMER_LIGHT, brightness=20),
        _turn(hass, SERVICE_TURN_OFF, DIMMER_LIGHT),
    )
    assert await cloud_control.calls() - before == 2
    assert (await cloud_control.module(HC_PLANT, DIMMER))["status"] == "off"
    assert hass.states.get(DIMMER_LIGHT).state == STATE_OFF


async def test_a_removed_light_sends_nothing_more(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """Brightnesses waiting when the light is removed are dropped; the one in flight ends."""
    before = await cloud_control.calls()
    with held(init_integration.runtime_data.client, "set_level") as calls:
        task = hass.async_create_task(_dim(hass, [64, 128, 255]))
        await calls.started.wait()
        light = hass.data["entity_components"][LIGHT_DOMAIN].get_entity(DIMMER_LIGHT)
        await light.async_remove()
        assert hass.states.get(DIMMER_LIGHT).state == STATE_UNAVAILABLE
        calls.release()
        assert await task == [None] * 3
    assert await cloud_control.calls() - before == 1
    assert (await cloud_control.module(HC_PLANT, DIMMER))["level"] == 25

"""Tests for the plugs: state, on/off, and failed commands."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
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
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from tests.polling import next_refresh

PLANT = "000000005d1e3bc13598330000000001"
TV_PLUG = "000070ee503ed5d46275620000000001"
KETTLE_PLUG = "000070ee503ed5d46275620000000004"
TV_ENTITY = "switch.salon_prise_tv"
KETTLE_ENTITY = "switch.cuisine_prise_bouilloire"


@pytest.fixture(autouse=True)
def only_switches() -> Generator[None]:
    """Set up the switch platform alone."""
    with patch("custom_components.legrand_eliot.PLATFORMS", [Platform.SWITCH]):
        yield


async def _module(sim: TestClient, module_id: str) -> dict[str, Any]:
    """Return a module's state as the simulated cloud holds it."""
    state = await (await sim.get("/_sim/state")).json()
    return state["homecontrol"][PLANT]["modules"][module_id]


async def test_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every plug of the demo home is an outlet."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


async def test_turn_on_and_off(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Switching reaches the plug with one call each and shows at once."""
    before = (await (await sim.get("/_sim/counters")).json())["total"]
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: KETTLE_ENTITY}, blocking=True
    )
    assert (await _module(sim, KETTLE_PLUG))["status"] == "on"
    assert hass.states.get(KETTLE_ENTITY).state == STATE_ON

    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: TV_ENTITY}, blocking=True
    )
    assert (await _module(sim, TV_PLUG))["status"] == "off"
    assert hass.states.get(TV_ENTITY).state == STATE_OFF
    after = (await (await sim.get("/_sim/counters")).json())["total"]
    assert after - before == 2


async def test_physical_press_shows_on_next_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A plug switched by hand reaches Home Assistant with the next poll, not before."""
    await sim.post(f"/_sim/modules/{TV_PLUG}/physical", json={"status": "off"})
    assert hass.states.get(TV_ENTITY).state == STATE_ON
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert hass.states.get(TV_ENTITY).state == STATE_OFF


async def test_failed_command_applies_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A refused command leaves the plug as the cloud last reported it."""
    await sim.post(
        "/_sim/faults", json={"status": 400, "match": KETTLE_PLUG, "count": 1}
    )
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            SWITCH_DOMAIN,
            SERVICE_TURN_ON,
            {ATTR_ENTITY_ID: KETTLE_ENTITY},
            blocking=True,
        )
    assert err.value.translation_key == "bad_request"
    assert hass.states.get(KETTLE_ENTITY).state == STATE_OFF
    assert (await _module(sim, KETTLE_PLUG))["status"] == "off"


async def test_offline_gateway_and_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A gateway going offline makes its plugs unavailable until it answers again."""
    await sim.post(f"/_sim/plants/{PLANT}/online", json={"online": False})
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert hass.states.get(TV_ENTITY).state == STATE_UNAVAILABLE
    assert hass.states.get(KETTLE_ENTITY).state == STATE_UNAVAILABLE

    await sim.post(f"/_sim/plants/{PLANT}/online", json={"online": True})
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert hass.states.get(TV_ENTITY).state == STATE_ON
    assert hass.states.get(KETTLE_ENTITY).state == STATE_OFF


async def test_a_looping_automation_costs_two_calls(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Fifty on and off asked at once: two calls, the plug as the last one asked."""
    before = (await (await sim.get("/_sim/counters")).json())["total"]
    services = [SERVICE_TURN_ON, SERVICE_TURN_OFF] * 25
    outcomes = await asyncio.gather(
        *(
            hass.services.async_call(
                SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: KETTLE_ENTITY}, blocking=True
            )
            for service in services
        )
    )
    assert outcomes == [None] * 50
    after = (await (await sim.get("/_sim/counters")).json())["total"]
    assert after - before == 2
    assert (await _module(sim, KETTLE_PLUG))["status"] == "off"
    assert hass.states.get(KETTLE_ENTITY).state == STATE_OFF

"""Tests for the binary sensors: gateway connected, module reachable, battery low, thermostat load."""

from __future__ import annotations

import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.cloud import CloudControl
from tests.demo import BEDSIDE_REMOTE, HC_GATEWAY, HC_PLANT, LIVING_LOAD
from tests.entities import PlatformSnapshot
from tests.polling import next_refresh

REMOTE_REACHABLE = "binary_sensor.chambre_interrupteur_chevet_reachable"
GATE_REACHABLE = "binary_sensor.bureau_portail_reachable"
BEDSIDE_BATTERY = "binary_sensor.chambre_interrupteur_chevet_battery"
GENERAL_BATTERY = "binary_sensor.commande_generale_battery"


# The binary sensors alone, in Rome at a fixed moment.
pytestmark = [
    pytest.mark.platforms(Platform.BINARY_SENSOR),
    pytest.mark.usefixtures("house_in_rome"),
]


def _state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state."""
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Every binary sensor of the demo account."""
    await platform_snapshot()


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_gateway_offline_and_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud_control: CloudControl,
) -> None:
    """The gateway sensor says disconnected; its modules' reachability becomes unknown."""
    assert _state(hass, HC_GATEWAY) == STATE_ON
    await cloud_control.gateway_offline(HC_PLANT)
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert _state(hass, HC_GATEWAY) == STATE_OFF
    assert _state(hass, REMOTE_REACHABLE) == STATE_UNAVAILABLE
    assert _state(hass, LIVING_LOAD) != STATE_UNAVAILABLE

    await cloud_control.gateway_back(HC_PLANT)
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert _state(hass, HC_GATEWAY) == STATE_ON
    assert _state(hass, REMOTE_REACHABLE) == STATE_ON


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_module_reachable(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud_control: CloudControl,
) -> None:
    """A remote out of reach shows so, and stays available to say it."""
    await cloud_control.out_of_reach(BEDSIDE_REMOTE)
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert _state(hass, REMOTE_REACHABLE) == STATE_OFF
    # A device of a kind the plant status leaves out: its reachability is unknown, not off.
    assert _state(hass, GATE_REACHABLE) == STATE_UNKNOWN


async def test_remote_battery_low(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    cloud_control: CloudControl,
) -> None:
    """Each remote has a battery sensor, enabled, on while the battery is low.

    It follows the word the remote reports; a word it does not know reads as unknown and is
    logged once.
    """
    for entity_id in (BEDSIDE_BATTERY, GENERAL_BATTERY):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.disabled_by is None
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.attributes[ATTR_DEVICE_CLASS] == BinarySensorDeviceClass.BATTERY
    # The demo's bedside remote reports "low", the general command "full".
    assert _state(hass, BEDSIDE_BATTERY) == STATE_ON
    assert _state(hass, GENERAL_BATTERY) == STATE_OFF

    coordinator = init_integration.runtime_data.coordinator
    for word, shown in (
        ("medium", STATE_OFF),
        ("very low", STATE_ON),
        ("max", STATE_OFF),
        ("critical", STATE_UNKNOWN),
    ):
        await cloud_control.press(BEDSIDE_REMOTE, battery=word)
        await next_refresh(hass, freezer, coordinator)
        assert _state(hass, BEDSIDE_BATTERY) == shown, word
    # The remote changes otherwise, still with the unknown word: it is not logged again.
    await cloud_control.press(BEDSIDE_REMOTE, fw=99)
    await next_refresh(hass, freezer, coordinator)
    assert _state(hass, BEDSIDE_BATTERY) == STATE_UNKNOWN
    logged = [
        record
        for record in caplog.records
        if record.levelno == logging.DEBUG and "critical" in record.getMessage()
    ]
    assert len(logged) == 1

"""Tests for the binary sensors: gateway connected, module reachable, battery low, thermostat load."""

from __future__ import annotations

from datetime import UTC, datetime
import logging

from aiohttp.test_utils import TestClient
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
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from tests.polling import next_refresh

HC_PLANT = "000000005d1e3bc13598330000000001"
SM_PLANT = "7c1f4e2a-9b3d-4a68-b5e0-2d8f6c1a9e47"
BEDSIDE_REMOTE = "000070ee503ed5d46275620000000008"
LIVING = "3e8a1c5f-7d2b-4f96-a0c4-6b9e2d7f1a35"
GATEWAY = "binary_sensor.maison_gateway"
REMOTE_REACHABLE = "binary_sensor.chambre_interrupteur_chevet_reachable"
GATE_REACHABLE = "binary_sensor.bureau_portail_reachable"
BEDSIDE_BATTERY = "binary_sensor.chambre_interrupteur_chevet_battery"
GENERAL_BATTERY = "binary_sensor.commande_generale_battery"
LIVING_LOAD = "binary_sensor.soggiorno_soggiorno_load"
BEDROOM_LOAD = "binary_sensor.camera_camera_load"
NOW = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def setting(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set up the binary sensors alone, in Rome at a fixed moment."""
    freezer.move_to(NOW)
    await hass.config.async_set_time_zone("Europe/Rome")
    monkeypatch.setattr(
        "custom_components.legrand_eliot.PLATFORMS", [Platform.BINARY_SENSOR]
    )


def _state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state."""
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every binary sensor of the demo account."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_gateway_offline_and_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """The gateway sensor says disconnected; its modules' reachability becomes unknown."""
    assert _state(hass, GATEWAY) == STATE_ON
    await sim.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": False})
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert _state(hass, GATEWAY) == STATE_OFF
    assert _state(hass, REMOTE_REACHABLE) == STATE_UNAVAILABLE
    assert _state(hass, LIVING_LOAD) != STATE_UNAVAILABLE

    await sim.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": True})
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert _state(hass, GATEWAY) == STATE_ON
    assert _state(hass, REMOTE_REACHABLE) == STATE_ON


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_module_reachable(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A remote out of reach shows so, and stays available to say it."""
    await sim.post(
        f"/_sim/modules/{BEDSIDE_REMOTE}/physical", json={"reachable": False}
    )
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert _state(hass, REMOTE_REACHABLE) == STATE_OFF
    # A device of a kind the plant status leaves out: its reachability is unknown, not off.
    assert _state(hass, GATE_REACHABLE) == STATE_UNKNOWN


async def test_load_follows_the_thermostat(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """The load sensor is on while the relay drives the boiler or the cooler."""
    assert _state(hass, BEDROOM_LOAD) == STATE_ON
    await sim.post(f"/_sim/modules/{LIVING}/physical", json={"mode": "off"})
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert _state(hass, LIVING_LOAD) == STATE_OFF
    await sim.post(f"/_sim/modules/{LIVING}/physical", json={"mode": "boost"})
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert _state(hass, LIVING_LOAD) == STATE_ON


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_offline_thermostats(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """Thermostats whose gateway is offline have an unavailable load sensor."""
    await sim.post(f"/_sim/plants/{SM_PLANT}/online", json={"online": False})
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert _state(hass, LIVING_LOAD) == STATE_UNAVAILABLE
    assert _state(hass, GATEWAY) == STATE_ON


async def test_remote_battery_low(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    sim: TestClient,
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
        await sim.post(
            f"/_sim/modules/{BEDSIDE_REMOTE}/physical", json={"battery": word}
        )
        await next_refresh(hass, freezer, coordinator)
        assert _state(hass, BEDSIDE_BATTERY) == shown, word
    # The remote changes otherwise, still with the unknown word: it is not logged again.
    await sim.post(f"/_sim/modules/{BEDSIDE_REMOTE}/physical", json={"fw": 99})
    await next_refresh(hass, freezer, coordinator)
    assert _state(hass, BEDSIDE_BATTERY) == STATE_UNKNOWN
    logged = [
        record
        for record in caplog.records
        if record.levelno == logging.DEBUG and "critical" in record.getMessage()
    ]
    assert len(logged) == 1

"""Tests for devices, availability and modules that come and go, across every platform."""

from __future__ import annotations

from datetime import timedelta
import logging

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.devices import ACCOUNT_NAMESPACE
from custom_components.legrand_eliot.eliot import Measure
from custom_components.legrand_eliot.entity import celsius
from tests.entities import device_of
from tests.polling import next_refresh

HC_PLANT = "000000005d1e3bc13598330000000001"
SM_PLANT = "7c1f4e2a-9b3d-4a68-b5e0-2d8f6c1a9e47"
TV_PLUG = "000070ee503ed5d46275620000000001"
DIMMER = "000070ee503ed5d46275620000000002"
GATE = "000070ee503ed5d46275620000000009"
METER = "000070ee503ed5d4627562000000000b"
LIVING = "3e8a1c5f-7d2b-4f96-a0c4-6b9e2d7f1a35"
ACCOUNT = "1c6a3f9e-5b2d-4e8a-9f71-3d2c4b5a6e70"


async def _refresh(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    wait: timedelta | None = None,
) -> None:
    """Let the next scheduled poll happen, or the first one after `wait`."""
    if wait is not None:
        freezer.tick(wait)
    await next_refresh(hass, freezer, entry.runtime_data.coordinator)


def test_readings_in_celsius() -> None:
    """A thermostat showing Fahrenheit has its readings converted; none stays none."""
    assert celsius(Measure(value=68.0, unit="F")) == pytest.approx(20.0)
    assert celsius(Measure(value=20.5, unit="C")) == 20.5
    assert celsius(None) is None


async def test_module_devices(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
) -> None:
    """Modules are devices of Legrand or BTicino, connected via their plant's gateway."""
    hub = device_of(device_registry, init_integration, HC_PLANT)
    assert (hub.manufacturer, hub.model, hub.name) == (
        "Legrand",
        "Home + Control gateway",
        "Maison",
    )
    plug = device_of(device_registry, init_integration, TV_PLUG)
    assert plug.via_device_id == hub.id
    assert (plug.manufacturer, plug.name) == ("Legrand", "Prise TV")
    assert (plug.model, plug.model_id) == ("Connected socket outlet", "NLP")
    assert plug.sw_version == "42"
    area = area_registry.async_get_area(plug.area_id or "")
    assert area is not None
    assert area.name == "Salon"

    meter = device_of(device_registry, init_integration, METER)
    assert (meter.model, meter.model_id) == ("Connected ecometer", "NLE")
    assert meter.area_id is None

    casa = device_of(device_registry, init_integration, SM_PLANT)
    assert (casa.manufacturer, casa.name) == ("BTicino", "Casa")
    thermostat = device_of(device_registry, init_integration, LIVING)
    assert thermostat.via_device_id == casa.id
    assert (thermostat.manufacturer, thermostat.name) == ("BTicino", "Soggiorno")

    account = device_registry.async_get_device_by_identifier(
        (ACCOUNT_NAMESPACE, ACCOUNT), init_integration.entry_id
    )
    assert account is not None
    assert account.entry_type is dr.DeviceEntryType.SERVICE
    assert account.via_device_id is None


async def test_unknown_device_kind(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A module of an unknown kind is a device with a reachable sensor, logged once."""
    gate = device_of(device_registry, init_integration, GATE)
    assert (gate.name, gate.model, gate.model_id) == (
        "Portail",
        "Gate controller",
        "NLGT",
    )
    entities = er.async_entries_for_device(entity_registry, gate.id)
    assert [entity.unique_id for entity in entities] == [f"{GATE}_reachable"]
    await _refresh(hass, init_integration, freezer)

    def unsupported(when: str) -> list[logging.LogRecord]:
        """Return the records of one test phase that report an unsupported device."""
        return [
            record
            for record in caplog.get_records(when)
            if record.levelno == logging.DEBUG
            and "unsupported device type" in record.getMessage()
        ]

    logged = unsupported("setup")
    assert len(logged) == 1
    assert not unsupported("call")
    assert "gate" in logged[0].getMessage()


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_offline_gateway_makes_exactly_its_modules_unavailable(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The entities of the plant's modules and scenes go unavailable and come back."""
    hub = device_of(device_registry, init_integration, HC_PLANT)
    behind_gateway = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, init_integration.entry_id
        )
        if entry.domain == "scene"
        or (
            entry.device_id is not None
            and (device := device_registry.async_get(entry.device_id)) is not None
            and device.via_device_id == hub.id
        )
    }
    assert len(behind_gateway) > 20
    before = {entity_id: hass.states.get(entity_id) for entity_id in behind_gateway}

    await sim.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": False})
    await _refresh(hass, init_integration, freezer)
    unavailable = {
        state.entity_id
        for state in hass.states.async_all()
        if state.state == STATE_UNAVAILABLE
    }
    assert unavailable == behind_gateway
    assert hass.states.get("binary_sensor.maison_gateway").state == STATE_OFF

    await sim.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": True})
    await _refresh(hass, init_integration, freezer)
    assert hass.states.get("binary_sensor.maison_gateway").state == STATE_ON
    for entity_id, state in before.items():
        assert hass.states.get(entity_id).state == state.state, entity_id
    # Power readings vanish while the gateway is away: their sensors are not added twice.
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_rarely_needed_entities_start_disabled(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Reachability, battery words, timed-mode ends, push and call counters wait to be enabled."""
    entries = er.async_entries_for_config_entry(
        entity_registry, init_integration.entry_id
    )
    disabled = {
        entry.unique_id.rsplit("_", 1)[-1]
        for entry in entries
        if entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    assert disabled == {
        "reachable",
        "gateway",
        "battery",
        "end",
        "today",
        "left",
        "state",
        "event",
    }
    enabled = [entry for entry in entries if entry.disabled_by is None]
    assert all(hass.states.get(entry.entity_id) for entry in enabled)
    # The device of an unknown kind keeps its only entity.
    assert hass.states.get("binary_sensor.bureau_portail_reachable") is not None


async def test_devices_are_in_the_rooms_the_cloud_names(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
) -> None:
    """Home + Control modules go to their room; a thermostat to the room it is named after."""
    rooms = {
        device.name: area_registry.async_get_area(device.area_id).name
        for device in dr.async_entries_for_config_entry(
            device_registry, init_integration.entry_id
        )
        if device.area_id is not None
    }
    assert rooms == {
        "Prise TV": "Salon",
        "Lumière Salon": "Salon",
        "Volet Salon": "Salon",
        "Prise Bouilloire": "Cuisine",
        "Plafonnier Cuisine": "Cuisine",
        "Lampe Chambre": "Chambre",
        "Volet Chambre": "Chambre",
        "Interrupteur Chevet": "Chambre",
        "Portail": "Bureau",
        "Soggiorno": "Soggiorno",
        "Camera": "Camera",
    }

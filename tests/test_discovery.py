"""Tests for dynamic discovery: devices that appear and leave without a reload."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.absence import ABSENT_FOR
from custom_components.legrand_eliot.devices import ACCOUNT_NAMESPACE
from tests.cloud import ADDED_PLUG, HC_PLANT, CloudControl
from tests.entities import device_of, find_device
from tests.polling import Polled, next_refresh

SM_PLANT = "7c1f4e2a-9b3d-4a68-b5e0-2d8f6c1a9e47"
TV_PLUG = "000070ee503ed5d46275620000000001"
LIVING = "3e8a1c5f-7d2b-4f96-a0c4-6b9e2d7f1a35"
ACCOUNT = "1c6a3f9e-5b2d-4e8a-9f71-3d2c4b5a6e70"
NEW_PLUG = "000070ee503ed5d4627562000000000c"
NEW_THERMOSTAT = "5a0c2e4f-6b8d-4f13-a5c7-9e1b3d5f7a90"
# Topology is read again every 12 hours.
TOPOLOGY_INTERVAL = timedelta(hours=12, minutes=1)
# A plug plugged in at the office, and a thermostat set up in a new room.
OFFICE_PLUG = {
    "id": NEW_PLUG,
    "name": "Prise Bureau",
    "hw_type": "NLP",
    "device": "plug",
    "status": "on",
    "load_watts": 60,
    "ambient": "a1b2c3d4e5f60718293a4b5c6d7e8f04",
}
STUDIO = {
    "id": NEW_THERMOSTAT,
    "name": "Studio",
    "setpoint": 20.0,
    "temperature": 20.0,
    "humidity": 45.0,
    "receiver": "7d3b5f9a-1c2e-4a46-b8d0-2f4a6c8e0b13",
    "function": "heating",
    "mode": "manual",
}


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


async def test_modules_come_and_go_without_reload(
    polled: Polled,
    cloud_control: CloudControl,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A module added to a plant gets its entities; a module removed loses its device."""
    await cloud_control.add_module(HC_PLANT, **OFFICE_PLUG)
    # The next poll sees a module the topology lacks; the one after reads the topology.
    await polled.refresh()
    await polled.refresh()
    state = polled.hass.states.get("switch.bureau_prise_bureau")
    assert state is not None
    assert state.state == STATE_ON
    assert polled.hass.states.get("sensor.bureau_prise_bureau_power").state == "60.0"
    new_device = device_of(device_registry, polled.entry, NEW_PLUG)
    assert (
        new_device.via_device_id
        == device_of(device_registry, polled.entry, HC_PLANT).id
    )

    await cloud_control.remove_module(HC_PLANT, TV_PLUG)
    await polled.refresh(TOPOLOGY_INTERVAL)
    # Topology reads are spread, one plant per refresh: the next refresh reads this one.
    await polled.refresh()
    # Gone from one read, it stays until a second read an hour later agrees.
    assert find_device(device_registry, polled.entry, TV_PLUG) is not None
    await polled.refresh(ABSENT_FOR)
    assert find_device(device_registry, polled.entry, TV_PLUG) is None
    assert polled.hass.states.get("switch.salon_prise_tv") is None
    assert polled.hass.states.get("sensor.salon_prise_tv_power") is None
    assert polled.hass.states.get("switch.bureau_prise_bureau").state == STATE_ON

    # The same plug plugged in again comes back with its entities.
    await cloud_control.add_module(
        HC_PLANT, id=TV_PLUG, name="Prise TV", hw_type="NLP", device="plug"
    )
    await polled.refresh()
    await polled.refresh()
    assert polled.hass.states.get("switch.salon_prise_tv").state == STATE_OFF
    assert polled.entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_thermostats_come_and_go_without_reload(
    polled: Polled,
    cloud_control: CloudControl,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A thermostat added to a plant appears with the next topology, one removed goes."""
    await cloud_control.add_module(SM_PLANT, **STUDIO)
    await cloud_control.remove_module(SM_PLANT, LIVING)
    await polled.refresh(TOPOLOGY_INTERVAL)
    # Topology reads are spread, one plant per refresh: the next refresh reads this one.
    await polled.refresh()
    assert find_device(device_registry, polled.entry, LIVING) is not None
    await polled.refresh(ABSENT_FOR)
    state = polled.hass.states.get("climate.studio_studio")
    assert state is not None
    assert state.state == "heat"
    assert (
        polled.hass.states.get("sensor.studio_studio_temperature").state
        != STATE_UNAVAILABLE
    )
    assert device_of(device_registry, polled.entry, NEW_THERMOSTAT).name == "Studio"
    assert find_device(device_registry, polled.entry, LIVING) is None
    assert polled.hass.states.get("climate.soggiorno_soggiorno") is None
    assert polled.hass.states.get("climate.camera_camera") is not None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_account_sensors_stay_with_new_topology(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The account's own device and its call counters survive a new topology."""
    await _refresh(hass, init_integration, freezer, TOPOLOGY_INTERVAL)
    account = device_registry.async_get_device_by_identifier(
        (ACCOUNT_NAMESPACE, ACCOUNT), init_integration.entry_id
    )
    assert account is not None
    assert hass.states.get("sensor.legrand_eliot_api_calls_today") is not None


async def test_new_module_is_read_without_reload(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """A device added to the plant shows up: its unknown id makes the topology be read."""
    response = await polled.sim.post(
        f"/_sim/topology/{HC_PLANT}/modules", json=ADDED_PLUG
    )
    assert response.status == 201
    topology_reads = polled.cloud.counters["by_endpoint"][
        "GET /hc/api/v1.0/plants/{plantId}/topology"
    ]
    await polled.refresh()
    await polled.refresh()
    found = polled.coordinator.data.home_control_module(ADDED_PLUG["id"])
    assert found is not None
    assert found[1].name == "Prise Bureau"
    assert found[2].on is True
    assert (
        polled.cloud.counters["by_endpoint"][
            "GET /hc/api/v1.0/plants/{plantId}/topology"
        ]
        == topology_reads + 1
    )

"""Tests for the devices: the product names of the hw_type codes, and every device registered."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.legrand_eliot.devices import ACCOUNT_NAMESPACE, model_name
from simulator import SimulatedCloud
from simulator.generate import generate_scenario
from simulator.scenario import hc_module, load_raw, scenario_names
from tests.demo import ACCOUNT, HC_PLANT, LIVING, METER, SM_PLANT, TV_PLUG
from tests.entities import device_of


def test_model_names() -> None:
    """Documented hw_type codes get their product name; others are shown as they come."""
    assert model_name("NLP") == "Connected socket outlet"
    assert model_name("nbr") == "Roller shutter (Bubendorff iDiamant)"
    assert model_name("NLE") == "Connected ecometer"
    assert model_name("NLZZ") == "NLZZ"
    assert model_name(None) is None


def _hw_types(data: object) -> set[str]:
    """Return every hw_type a scenario (or any part of one) names."""
    if isinstance(data, dict):
        found = {data["hw_type"]} if isinstance(data.get("hw_type"), str) else set()
        return found.union(*(_hw_types(value) for value in data.values()))
    if isinstance(data, list):
        return set().union(*(_hw_types(value) for value in data))
    return set()


def test_every_code_the_simulator_can_produce_has_a_model_name() -> None:
    """No device the simulated cloud can show has its raw hw_type code as its model.

    The codes of every scenario, of every generated module and the one a scenario's module
    without a type gets.
    """
    codes = set().union(*(_hw_types(load_raw(name)) for name in scenario_names()))
    # Each generated plant cycles through the generator's modules: 20 go round it more than once.
    codes |= _hw_types(generate_scenario(3, 20))
    codes.add(hc_module({"name": "Untyped", "device": "plug"}, "test").hw_type)

    assert {"NLGT", "NLE", "NLX"} <= codes
    assert {code: model_name(code) for code in codes if model_name(code) == code} == {}


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


def _described(
    device: dr.DeviceEntry,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
) -> dict[str, Any]:
    """Return what a person reads of a device, its gateway and its room named."""
    via = device_registry.async_get(device.via_device_id or "")
    area = area_registry.async_get_area(device.area_id or "")
    return {
        "name": device.name,
        "manufacturer": device.manufacturer,
        "model": device.model,
        "model_id": device.model_id,
        "sw_version": device.sw_version,
        "entry_type": device.entry_type,
        "identifiers": sorted(device.identifiers),
        "via_device": None if via is None else via.name,
        "area": None if area is None else area.name,
    }


async def test_device_registry_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every device the integration creates, as the device registry keeps it.

    Name, maker, model, gateway, identifiers and room; no token, secret or key among them.
    """
    devices = sorted(
        (
            _described(device, device_registry, area_registry)
            for device in dr.async_entries_for_config_entry(
                device_registry, init_integration.entry_id
            )
        ),
        key=lambda device: device["identifiers"],
    )
    assert len(devices) == 16
    text = json.dumps(devices, default=str)
    token = init_integration.data["token"]
    for secret in (
        token["access_token"],
        token["refresh_token"],
        cloud.subscription_key,
        cloud.client_secret,
    ):
        assert secret not in text
    assert devices == snapshot

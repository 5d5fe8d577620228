"""Tests for the base entities: devices, availability and rooms, across every platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.eliot import Measure
from custom_components.legrand_eliot.entity import celsius
from tests.cloud import CloudControl
from tests.demo import (
    BEDROOM_CLIMATE,
    BEDROOM_COVER,
    BEDROOM_LOAD,
    BEDROOM_SHUTTER,
    CEILING,
    CEILING_LIGHT,
    DIMMER,
    DIMMER_LIGHT,
    GATE,
    HC_GATEWAY,
    HC_PLANT,
    KETTLE_SWITCH,
    LIVING,
    LIVING_CLIMATE,
    LIVING_COVER,
    LIVING_LOAD,
    SM_PLANT,
    TV_PLUG,
    TV_SWITCH,
)
from tests.entities import device_of
from tests.polling import next_refresh


async def _refresh(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Let the next scheduled poll happen."""
    await next_refresh(hass, freezer, entry.runtime_data.coordinator)


def test_readings_in_celsius() -> None:
    """A thermostat showing Fahrenheit has its readings converted; none stays none."""
    assert celsius(Measure(value=68.0, unit="F")) == pytest.approx(20.0)
    assert celsius(Measure(value=20.5, unit="C")) == 20.5
    assert celsius(None) is None


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
    cloud_control: CloudControl,
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

    await cloud_control.gateway_offline(HC_PLANT)
    await _refresh(hass, init_integration, freezer)
    unavailable = {
        state.entity_id
        for state in hass.states.async_all()
        if state.state == STATE_UNAVAILABLE
    }
    assert unavailable == behind_gateway
    assert hass.states.get(HC_GATEWAY).state == STATE_OFF

    await cloud_control.gateway_back(HC_PLANT)
    await _refresh(hass, init_integration, freezer)
    assert hass.states.get(HC_GATEWAY).state == STATE_ON
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


# What a test expects each entity to show: its state ("state") and attributes, by entity id.
type Shown = dict[str, dict[str, Any]]
type Cut = Callable[[CloudControl, bool], Awaitable[None]]


def _shown(hass: HomeAssistant, expected: Shown) -> Shown:
    """Return what the entities of an expectation show, in the expectation's shape."""
    shown: Shown = {}
    for entity_id, keys in expected.items():
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        shown[entity_id] = {
            key: state.state if key == "state" else state.attributes.get(key)
            for key in keys
        }
    return shown


def _states(states: dict[str, str]) -> Shown:
    """Return an expectation of the entities' states alone."""
    return {entity_id: {"state": state} for entity_id, state in states.items()}


@pytest.mark.usefixtures("house_in_rome", "entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("platforms", "cut", "while_cut", "back"),
    [
        pytest.param(
            [Platform.SWITCH],
            lambda cloud, online: cloud.gateway_online(HC_PLANT, online),
            _states({TV_SWITCH: "unavailable", KETTLE_SWITCH: "unavailable"}),
            _states({TV_SWITCH: "on", KETTLE_SWITCH: "off"}),
            id="plugs-of-an-offline-gateway",
        ),
        pytest.param(
            [Platform.CLIMATE],
            lambda cloud, online: cloud.gateway_online(SM_PLANT, online),
            _states({LIVING_CLIMATE: "unavailable", BEDROOM_CLIMATE: "unavailable"}),
            _states({LIVING_CLIMATE: "auto", BEDROOM_CLIMATE: "cool"}),
            id="thermostats-of-an-offline-gateway",
        ),
        pytest.param(
            [Platform.BINARY_SENSOR],
            lambda cloud, online: cloud.gateway_online(SM_PLANT, online),
            _states({LIVING_LOAD: "unavailable", HC_GATEWAY: "on"}),
            _states({LIVING_LOAD: "off", HC_GATEWAY: "on"}),
            id="thermostat-sensors-of-an-offline-gateway",
        ),
        pytest.param(
            [Platform.LIGHT],
            lambda cloud, reachable: cloud.out_of_reach(CEILING, reachable),
            _states({CEILING_LIGHT: "unavailable", DIMMER_LIGHT: "on"}),
            _states({CEILING_LIGHT: "off", DIMMER_LIGHT: "on"}),
            id="light-out-of-reach",
        ),
        pytest.param(
            [Platform.COVER],
            lambda cloud, reachable: cloud.out_of_reach(BEDROOM_SHUTTER, reachable),
            _states({BEDROOM_COVER: "unavailable", LIVING_COVER: "open"}),
            _states({BEDROOM_COVER: "closed", LIVING_COVER: "open"}),
            id="shutter-out-of-reach",
        ),
    ],
)
async def test_unavailable_while_the_cloud_cannot_reach_it(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud_control: CloudControl,
    cut: Cut,
    while_cut: Shown,
    back: Shown,
) -> None:
    """An entity whose gateway or module does not answer is unavailable, others are not.

    It shows its state again once the cloud reaches it.
    """
    await cut(cloud_control, False)
    await _refresh(hass, init_integration, freezer)
    assert _shown(hass, while_cut) == while_cut

    await cut(cloud_control, True)
    await _refresh(hass, init_integration, freezer)
    assert _shown(hass, back) == back


@pytest.mark.usefixtures("house_in_rome")
@pytest.mark.parametrize(
    ("platforms", "before", "presses"),
    [
        pytest.param(
            [Platform.LIGHT],
            {DIMMER_LIGHT: {"brightness": 153}},
            [(DIMMER, {"level": 30}, {DIMMER_LIGHT: {"brightness": 76}})],
            id="dimmer-turned-down-on-the-wall",
        ),
        pytest.param(
            [Platform.SWITCH],
            _states({TV_SWITCH: "on"}),
            [(TV_PLUG, {"status": "off"}, _states({TV_SWITCH: "off"}))],
            id="plug-switched-by-hand",
        ),
        pytest.param(
            [Platform.CLIMATE],
            _states({LIVING_CLIMATE: "auto"}),
            [
                (
                    LIVING,
                    {"mode": "manual", "setPoint": 20.5},
                    {
                        LIVING_CLIMATE: {
                            "state": "heat",
                            "temperature": 20.5,
                            "hvac_action": "heating",
                        }
                    },
                )
            ],
            id="thermostat-set-by-hand",
        ),
        pytest.param(
            [Platform.BINARY_SENSOR],
            _states({BEDROOM_LOAD: "on"}),
            [
                (LIVING, {"mode": "off"}, _states({LIVING_LOAD: "off"})),
                (LIVING, {"mode": "boost"}, _states({LIVING_LOAD: "on"})),
            ],
            id="thermostat-load-follows-its-mode",
        ),
    ],
)
async def test_a_change_on_the_device_shows_with_the_next_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud_control: CloudControl,
    before: Shown,
    presses: list[tuple[str, dict[str, Any], Shown]],
) -> None:
    """A change made on the device itself reaches Home Assistant with the next poll, not before."""
    assert _shown(hass, before) == before
    for module_id, fields, after in presses:
        await cloud_control.press(module_id, **fields)
        assert _shown(hass, before) == before
        await _refresh(hass, init_integration, freezer)
        assert _shown(hass, after) == after
        before = after

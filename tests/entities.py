"""The demo account's entities in tests: found by what they are, checked against snapshots."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.const import DOMAIN

# The check of every entity of a loaded entry against the test's snapshot (a fixture).
type PlatformSnapshot = Callable[[], Awaitable[None]]
# Time run to the loaded entry's next refresh, one that reads every plant (a fixture).
type NextPoll = Callable[[], Awaitable[None]]


def shown(hass: HomeAssistant, entity_id: str, *attributes: str) -> tuple[Any, ...]:
    """Return an entity's state and the attributes named, as the user sees them."""
    state = hass.states.get(entity_id)
    assert state is not None
    return (state.state, *(state.attributes[name] for name in attributes))


def plug_entity(hass: HomeAssistant) -> str:
    """Return the entity id of a plug's switch."""
    return next(
        state.entity_id
        for state in hass.states.async_all("switch")
        if state.attributes.get("device_class") == "outlet"
    )


def find_device(
    device_registry: dr.DeviceRegistry, entry: MockConfigEntry, identifier: str
) -> dr.DeviceEntry | None:
    """Return the device of a plant or module, if there is one."""
    return device_registry.async_get_device_by_identifier(
        (DOMAIN, identifier), entry.entry_id
    )


def device_of(
    device_registry: dr.DeviceRegistry, entry: MockConfigEntry, identifier: str
) -> dr.DeviceEntry:
    """Return the device of a plant or module, which must exist."""
    device = find_device(device_registry, entry, identifier)
    assert device is not None
    return device


def device_entities(
    hass: HomeAssistant, entry: MockConfigEntry, identifier: tuple[str, str]
) -> set[str]:
    """Return the entity ids of one of the entry's devices."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        identifier, entry.entry_id
    )
    assert device is not None
    return {
        item.entity_id
        for item in er.async_entries_for_device(er.async_get(hass), device.id)
    }


def module_entities(
    hass: HomeAssistant, entry: MockConfigEntry, module_id: str
) -> set[str]:
    """Return the entity ids of a module's device."""
    return device_entities(hass, entry, (DOMAIN, module_id))


def account_entities(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return the entity ids of the account's own device (its call counters, push health)."""
    return device_entities(hass, entry, (f"{DOMAIN}_account", str(entry.unique_id)))


def entry_entities(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return every entity of the entry that shows a state."""
    return {
        item.entity_id
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if hass.states.get(item.entity_id) is not None
    }


def energy_sensors(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return the energy sensors, whose totals grow while loads draw power."""
    return {
        entity_id
        for entity_id in entry_entities(hass, entry)
        if (state := hass.states.get(entity_id)) is not None
        and state.attributes.get("device_class") == "energy"
    }

"""The demo account's entities in tests: found by what they are, checked against snapshots."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.const import DOMAIN

# The check of every entity of a loaded entry against the test's snapshot (a fixture).
type PlatformSnapshot = Callable[[], Awaitable[None]]


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

"""What the registries hold of an entry of the default scenario: its devices and entities."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

# Two entities of the default scenario: a light of the Home + Control plant, a thermostat.
LIGHT = "light.salon_lumiere_salon"
CLIMATE = "climate.soggiorno_soggiorno"


def entry_devices(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return the ids of the registry's devices of an entry."""
    registry = dr.async_get(hass)
    return {d.id for d in dr.async_entries_for_config_entry(registry, entry.entry_id)}


def entry_entities(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return the entity ids of an entry in the entity registry."""
    registry = er.async_get(hass)
    return {
        e.entity_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)
    }

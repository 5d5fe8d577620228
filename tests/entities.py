"""Find the demo account's entities in tests, by what they are rather than by their names."""

from __future__ import annotations

from homeassistant.core import HomeAssistant


def plug_entity(hass: HomeAssistant) -> str:
    """Return the entity id of a plug's switch."""
    return next(
        state.entity_id
        for state in hass.states.async_all("switch")
        if state.attributes.get("device_class") == "outlet"
    )

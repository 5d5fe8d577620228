"""The demo account's entities in tests: found by what they are, checked against snapshots."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homeassistant.core import HomeAssistant

# The check of every entity of a loaded entry against the test's snapshot (a fixture).
type PlatformSnapshot = Callable[[], Awaitable[None]]


def plug_entity(hass: HomeAssistant) -> str:
    """Return the entity id of a plug's switch."""
    return next(
        state.entity_id
        for state in hass.states.async_all("switch")
        if state.attributes.get("device_class") == "outlet"
    )

"""Counting the state writes of the integration's entities in tests."""

from __future__ import annotations

from collections import Counter
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er

from custom_components.legrand_eliot.const import DOMAIN


class Writes:
    """The state writes of the entry's entities: changes, and writes that changed nothing."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Count every state write of the integration's entities from now on."""
        self.hass = hass
        self.changed: Counter[str] = Counter()
        self.unchanged: Counter[str] = Counter()
        self._removers = [
            hass.bus.async_listen(event_type, self.record, self.ours)
            for event_type in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
        ]

    def stop(self) -> None:
        """Stop counting."""
        for remove in self._removers:
            remove()

    @callback
    def ours(self, event_data: Any) -> bool:
        """Return whether a write is one of the integration's entities."""
        entry = er.async_get(self.hass).async_get(event_data["entity_id"])
        return entry is not None and entry.platform == DOMAIN

    @callback
    def record(self, event: Event[Any]) -> None:
        """Count one write of one of the integration's entities."""
        entity_id = event.data["entity_id"]
        if event.event_type == EVENT_STATE_CHANGED:
            self.changed[entity_id] += 1
        else:
            self.unchanged[entity_id] += 1

    def clear(self) -> None:
        """Forget what was counted so far."""
        self.changed.clear()
        self.unchanged.clear()

    @property
    def written(self) -> set[str]:
        """Return every entity written since the last clear."""
        return set(self.changed) | set(self.unchanged)

"""The battery words remotes report, which of them mean low, and what reads them."""

from __future__ import annotations

from typing import override

from homeassistant.core import callback

from .const import LOGGER
from .eliot.home_control_models import ModuleState
from .eliot.ids import hashed_id
from .entity import HomeControlEntity

# From full to nearly empty. The API gives no percentage: the level sensor is an enum, and the
# battery binary sensor (on = low) is what Home Assistant's battery views and automations use.
BATTERY_LEVELS = ("full", "high", "medium", "low", "very_low")
BATTERY_ALIASES = {"max": "full", "verylow": "very_low", "very low": "very_low"}
LOW_BATTERY_LEVELS = frozenset({"low", "very_low"})


def battery_level(state: ModuleState) -> str | None:
    """Return the battery word of a remote among the known ones; others read as unknown."""
    if state.battery is None:
        return None
    word = BATTERY_ALIASES.get(state.battery, state.battery)
    return word if word in BATTERY_LEVELS else None


def battery_low(state: ModuleState) -> bool | None:
    """Return whether a remote's battery is low; unknown when it reports no known word."""
    level = battery_level(state)
    return None if level is None else level in LOW_BATTERY_LEVELS


class BatteryEntity(HomeControlEntity):
    """An entity that reads a remote's battery word; a word outside the known ones is logged once."""

    _unknown_word: str | None = None

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Log once a battery word outside the known ones, which then reads as unknown."""
        word = self.module_state.battery
        if word is not None and battery_level(self.module_state) is None:
            if word != self._unknown_word:
                LOGGER.debug(
                    "%s reports an unknown battery level %s",
                    hashed_id(self.module_id),
                    word,
                )
            self._unknown_word = word
        super()._handle_coordinator_update()

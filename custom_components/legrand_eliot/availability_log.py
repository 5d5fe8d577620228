"""The log of what became unavailable and what came back, each told once, by its name.

Also kept for diagnostics: the last error of each plant, thermostat or plants list still
unavailable. The quota pause is told once per pause.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .const import LOGGER
from .data import EliotData
from .eliot.exceptions import EliotError, EliotQuotaExceededError
from .topology import SMARTHER_PLANTS_KEY


class AvailabilityLog:
    """Log once when something becomes unavailable, and once when it is available again."""

    def __init__(self, shown: Callable[[], EliotData | None]) -> None:
        """Find names in the account shown; nothing is logged yet."""
        self._shown = shown
        # What is logged as unavailable, by key, with the name the log used.
        self._unavailable_logged: dict[str, str] = {}
        self.last_errors: dict[str, str] = {}
        self._pause_logged: datetime | None = None

    def plant_failed(self, plant_id: str, name: str | None, err: EliotError) -> None:
        """Record and log (once) why a plant is unavailable."""
        self.last_errors[plant_id] = str(err)
        self.unavailable(name or "A Home + Control plant", str(err), key=plant_id)

    def smarther_failed(self, what: str, err: EliotError) -> None:
        """Record and log (once) why a Smarther plant, thermostat or list is unavailable."""
        self.last_errors[what] = str(err)
        self.unavailable(what, str(err))

    def unavailable(self, what: str, why: str, key: str | None = None) -> None:
        """Log that something became unavailable, once until it recovers, by its name."""
        name = what if key is not None else self._display_name(what)
        key = key or what
        if key not in self._unavailable_logged:
            self._unavailable_logged[key] = name
            LOGGER.info("%s is unavailable: %s", name, why)

    def recovered(self, key: str) -> None:
        """Log once that something is available again."""
        if (name := self._unavailable_logged.pop(key, None)) is not None:
            self.last_errors.pop(key, None)
            LOGGER.info("%s is available again", name)

    def quota_paused(self, err: EliotQuotaExceededError) -> None:
        """Log once per pause that no call is made until the quota lets calls resume."""
        if self._pause_logged != err.resume_at:
            self._pause_logged = err.resume_at
            LOGGER.warning(
                "Legrand API %s; no call until %s",
                "daily quota used up" if err.daily else "rate limit reached",
                err.resume_at.isoformat(),
            )

    def _display_name(self, what: str) -> str:
        """Return the name of a Smarther plant or thermostat to log, never its raw id."""
        if what == SMARTHER_PLANTS_KEY:
            return "The Smarther plants list"
        if (data := self._shown()) is not None:
            if (found := data.thermostat(what)) is not None:
                return found[1].name or "A thermostat"
            if (plant := data.smarther.get(what)) is not None:
                return plant.plant.name or "A Smarther plant"
        return "A Smarther plant or thermostat"

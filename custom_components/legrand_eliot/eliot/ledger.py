"""The call ledger: how today's calls were spent, by local hour and by kind of call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
import logging
from typing import Any, TypeIs

from .const import (
    HC_PLANTS,
    HC_PREFIX,
    HC_SCENES,
    HC_TOPOLOGY,
    SMARTHER_PLANTS,
    SMARTHER_PROGRAMS,
    SMARTHER_SUBSCRIBE,
    SMARTHER_SUBSCRIPTIONS,
    SMARTHER_TOPOLOGY,
    SMARTHER_UNSUBSCRIBE,
)

_LOGGER = logging.getLogger(__package__)

HOURS = 24
_PLANTS_ROUTES = frozenset({HC_PLANTS, SMARTHER_PLANTS})
_TOPOLOGY_ROUTES = frozenset(
    {HC_TOPOLOGY, HC_SCENES, SMARTHER_TOPOLOGY, SMARTHER_PROGRAMS}
)
_PUSH_ROUTES = frozenset(
    {SMARTHER_SUBSCRIPTIONS, SMARTHER_SUBSCRIBE, SMARTHER_UNSUBSCRIBE}
)


class CallFamily(StrEnum):
    """What a call to the gateway was for.

    Token refreshes go to the login server, not to the gateway: they are not counted against
    the quota and have no family.
    """

    PLANTS = "plants_list"
    TOPOLOGY = "topology"
    HOME_CONTROL_STATUS = "home_control_status"
    THERMOSTAT_STATUS = "thermostat_status"
    COMMAND = "command"
    PUSH = "push_subscriptions"


def family_of(method: str, route: str) -> CallFamily:
    """Return the family of a call from its method and route template."""
    if route in _PUSH_ROUTES:
        return CallFamily.PUSH
    if method != "GET":
        return CallFamily.COMMAND
    if route in _PLANTS_ROUTES:
        return CallFamily.PLANTS
    if route in _TOPOLOGY_ROUTES:
        return CallFamily.TOPOLOGY
    if route.startswith(HC_PREFIX):
        return CallFamily.HOME_CONTROL_STATUS
    return CallFamily.THERMOSTAT_STATUS


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refusal of the gateway for the quota: when, until when, and whether for the day."""

    at: datetime
    resume_at: datetime
    daily: bool


@dataclass(slots=True)
class CallLedger:
    """
    Today's calls by local hour and by family, the calls held back, and the last refusal.

    What a support thread needs to tell how the day's quota went: the budget records every
    call it charges here, and starts a new day with it. Only counts and moments: no id, no
    address, no token.
    """

    by_hour: list[int] = field(default_factory=lambda: [0] * HOURS)
    by_family: dict[CallFamily, int] = field(default_factory=dict)
    # Calls the budget refused before sending (the day's budget, a pause, the polling floor).
    held_back: int = 0
    # The gateway's last quota refusal, kept across days.
    last_refusal: Refusal | None = None

    @property
    def recorded(self) -> int:
        """Return how many of today's calls were recorded."""
        return sum(self.by_hour)

    def record(self, hour: int, family: CallFamily | None, calls: int = 1) -> None:
        """Count calls sent in a local hour (0-23), under their family when it is known."""
        self.by_hour[hour % HOURS] += calls
        if family is not None:
            self.by_family[family] = self.by_family.get(family, 0) + calls

    def refused(self, at: datetime, resume_at: datetime, *, daily: bool) -> None:
        """Remember the gateway's refusal."""
        self.last_refusal = Refusal(at=at, resume_at=resume_at, daily=daily)

    def new_day(self) -> None:
        """Forget the day's counts; the last refusal stays."""
        self.by_hour = [0] * HOURS
        self.by_family = {}
        self.held_back = 0

    def snapshot(self) -> dict[str, Any]:
        """Return the ledger as JSON-friendly values."""
        refusal = self.last_refusal
        return {
            "by_hour": list(self.by_hour),
            "by_family": {
                family.value: count for family, count in self.by_family.items()
            },
            "held_back": self.held_back,
            "last_refusal": None
            if refusal is None
            else {
                "at": refusal.at.isoformat(),
                "resume_at": refusal.resume_at.isoformat(),
                "daily": refusal.daily,
            },
        }

    @classmethod
    def restore(cls, data: Any) -> CallLedger:
        """
        Read a stored ledger back, each field on its own.

        A field that cannot be read starts empty; the others are kept. Never raises: a ledger
        is an account of the past, and a damaged one must not cost the budget it rides with.
        """
        ledger = cls()
        if not isinstance(data, Mapping):
            return ledger
        hours = data.get("by_hour")
        if (
            isinstance(hours, list)
            and len(hours) == HOURS
            and all(_count(value) for value in hours)
        ):
            ledger.by_hour = list(hours)
        families = data.get("by_family")
        if isinstance(families, Mapping):
            for name, count in families.items():
                if name in CallFamily._value2member_map_ and _count(count):
                    ledger.by_family[CallFamily(name)] = count
        if _count(held := data.get("held_back")):
            ledger.held_back = held
        ledger.last_refusal = _refusal(data.get("last_refusal"))
        return ledger


def _count(value: Any) -> TypeIs[int]:
    """Return whether a stored value is a count of calls."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _refusal(data: Any) -> Refusal | None:
    """Read a stored refusal; None when it cannot be read whole."""
    if not isinstance(data, Mapping) or not isinstance(
        daily := data.get("daily"), bool
    ):
        return None
    try:
        at = datetime.fromisoformat(data["at"])
        resume_at = datetime.fromisoformat(data["resume_at"])
    except (KeyError, TypeError, ValueError) as err:
        _LOGGER.debug("The stored quota refusal cannot be read: %s", err)
        return None
    if at.tzinfo is None or resume_at.tzinfo is None:
        return None
    return Refusal(at=at, resume_at=resume_at, daily=daily)

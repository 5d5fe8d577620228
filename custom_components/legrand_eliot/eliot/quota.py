"""The daily call budget: what was spent, when it resets, and how often one may poll."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
import logging
import math
from typing import Any

from .const import DEFAULT_DAILY_LIMIT, DEFAULT_RESERVE_FRACTION, MIN_REFRESH_INTERVAL
from .exceptions import EliotInvalidValueError

_LOGGER = logging.getLogger(__package__)

_DAY = timedelta(days=1)
_SNAPSHOT_VERSION = 1


def _utc_now() -> datetime:
    """Return the current time; the default clock."""
    return datetime.now(UTC)


@dataclass(kw_only=True)
class QuotaBudget:
    """
    The calls one account may still make today.

    The gateway counts every physical request, retries included, and resets the count once a day
    (at midnight in `time_zone` until the gateway itself tells a different moment). When the
    gateway says the quota is gone, `paused_until` holds the moment calls may resume and the
    client sends nothing before it.
    """

    daily_limit: int = DEFAULT_DAILY_LIMIT
    time_zone: tzinfo = UTC
    clock: Callable[[], datetime] = field(default=_utc_now, repr=False)
    used: int = field(default=0, init=False)
    reset_at: datetime = field(init=False)
    paused_until: datetime | None = field(default=None, init=False)
    paused_daily: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        """Check the limit and place the first reset at the coming local midnight."""
        if isinstance(self.daily_limit, bool) or not isinstance(self.daily_limit, int):
            raise EliotInvalidValueError("The daily limit must be a whole number")
        if self.daily_limit < 1:
            raise EliotInvalidValueError("The daily limit must be at least 1")
        now = self.now()
        local = now.astimezone(self.time_zone)
        self.reset_at = datetime.combine(
            local.date() + _DAY, time(), tzinfo=self.time_zone
        )

    def now(self) -> datetime:
        """Return the clock's time, as an aware datetime."""
        moment = self.clock()
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    @property
    def calls_used(self) -> int:
        """Return the calls spent since the last reset."""
        self._roll(self.now())
        return self.used

    @property
    def calls_left(self) -> int:
        """Return the calls left until the next reset."""
        self._roll(self.now())
        return max(0, self.daily_limit - self.used)

    @property
    def is_paused(self) -> bool:
        """Return whether the gateway said no call may be made yet."""
        self._roll(self.now())
        return self.paused_until is not None

    def charge(self, calls: int = 1) -> None:
        """Count calls that are about to be sent."""
        self._roll(self.now())
        self.used += calls

    def pause(self, until: datetime, *, daily: bool) -> None:
        """
        Stop all calls until `until`.

        When the daily quota is gone (`daily`), the count is full and, when the moment lies
        within a day, it also becomes the reset moment: the gateway knows its own schedule better
        than our guess of local midnight.
        """
        now = self.now()
        self._roll(now)
        if until <= now:
            return
        if self.paused_until is None or until > self.paused_until:
            self.paused_until = until
        self.paused_daily = self.paused_daily or daily
        if daily:
            self.used = max(self.used, self.daily_limit)
            if until - now <= _DAY:
                # Whole seconds, rounded up: never a reset a moment before the gateway's own.
                whole = until.replace(microsecond=0)
                if whole < until:
                    whole += timedelta(seconds=1)
                self.reset_at = whole.astimezone(self.time_zone)
        _LOGGER.debug("Calls paused until %s", self.paused_until)

    def refresh_interval(
        self,
        calls_per_refresh: int,
        reserve_fraction: float = DEFAULT_RESERVE_FRACTION,
        now: datetime | None = None,
    ) -> timedelta:
        """
        Return how long to wait between refreshes so today's calls last until the reset.

        A reserve for commands is kept: `reserve_fraction` of the daily limit, scaled to the part
        of the day that is left (commands come at any hour, so an evening needs less reserve than
        a whole day). What is left beyond it is spread evenly over the time to the reset. Never
        below 60 s; while paused, the time to the resume moment; with nothing left to spend, the
        time to the reset.
        """
        if calls_per_refresh < 0 or not 0 <= reserve_fraction < 1:
            raise EliotInvalidValueError(
                "Calls per refresh or reserve fraction out of range"
            )
        now = self.now() if now is None else now
        self._roll(now)
        if self.paused_until is not None:
            return max(MIN_REFRESH_INTERVAL, self.paused_until - now)
        if calls_per_refresh == 0:
            return MIN_REFRESH_INTERVAL
        remaining = (self.reset_at - now).total_seconds()
        reserve = (
            reserve_fraction
            * self.daily_limit
            * min(1.0, remaining / _DAY.total_seconds())
        )
        spendable = max(0, self.daily_limit - self.used) - reserve
        if spendable < calls_per_refresh:
            return max(MIN_REFRESH_INTERVAL, self.reset_at - now)
        interval = timedelta(
            seconds=math.ceil(remaining * calls_per_refresh / spendable)
        )
        return max(MIN_REFRESH_INTERVAL, interval)

    def snapshot(self) -> dict[str, Any]:
        """Return the state as JSON-friendly values, for storage across restarts."""
        self._roll(self.now())
        return {
            "version": _SNAPSHOT_VERSION,
            "daily_limit": self.daily_limit,
            "used": self.used,
            "reset_at": self.reset_at.isoformat(),
            "paused_until": None
            if self.paused_until is None
            else self.paused_until.isoformat(),
            "paused_daily": self.paused_daily,
        }

    def restore(self, data: Mapping[str, Any]) -> bool:
        """
        Take back a stored snapshot; return whether it was usable.

        The limit stays the configured one. A snapshot from a past day keeps only the learned
        reset time of day. A damaged snapshot is ignored, never fatal.
        """
        try:
            used = data["used"]
            reset_at = datetime.fromisoformat(data["reset_at"])
            raw_pause = data.get("paused_until")
            paused_until = (
                None if raw_pause is None else datetime.fromisoformat(raw_pause)
            )
        except KeyError, TypeError, ValueError, AttributeError:
            _LOGGER.debug("Ignoring an unreadable quota snapshot")
            return False
        if (
            isinstance(used, bool)
            or not isinstance(used, int)
            or used < 0
            or reset_at.tzinfo is None
            or (paused_until is not None and paused_until.tzinfo is None)
        ):
            _LOGGER.debug("Ignoring an invalid quota snapshot")
            return False
        self.used = used
        self.reset_at = reset_at.astimezone(self.time_zone)
        self.paused_until = paused_until
        self.paused_daily = (
            paused_until is not None and data.get("paused_daily") is True
        )
        self._roll(self.now())
        return True

    def _roll(self, now: datetime) -> None:
        """Start a new day once the reset moment has passed, and end a pause that is over."""
        if now >= self.reset_at:
            self.used = 0
            self.reset_at = self._next_reset_after(now)
            _LOGGER.debug("Daily call count reset; next reset at %s", self.reset_at)
        if self.paused_until is not None and now >= self.paused_until:
            self.paused_until = None
            self.paused_daily = False

    def _next_reset_after(self, now: datetime) -> datetime:
        """Return the first moment after `now` at the reset's local time of day."""
        wall = self.reset_at.astimezone(self.time_zone).time()
        local = now.astimezone(self.time_zone)
        candidate = datetime.combine(local.date(), wall, tzinfo=self.time_zone)
        if candidate <= now:
            candidate = datetime.combine(
                local.date() + _DAY, wall, tzinfo=self.time_zone
            )
        return candidate

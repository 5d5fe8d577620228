"""Call accounting of the gateway: counters, the daily quota per user and the burst limit."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
import math
from typing import Any
from zoneinfo import ZoneInfo

from .clock import Clock
from .options import Options


@dataclass
class _Usage:
    """Calls a user made on one quota day."""

    day: date
    used: int = 0


@dataclass
class Verdict:
    """Why a call is refused, and after how many seconds it may be tried again."""

    retry_after: int
    message: str


@dataclass(kw_only=True)
class Metering:
    """Counts every gateway request and enforces the daily quota and the burst limit."""

    clock: Clock
    options: Callable[[], Options]
    total: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)
    by_user: Counter[str] = field(default_factory=Counter)
    unhandled: int = 0
    # CPU seconds spent answering requests (middlewares and handlers), so that a benchmark
    # running the cloud in its own process can tell the cloud's share from its client's.
    cpu_seconds: float = 0.0
    _usage: dict[str, _Usage] = field(default_factory=dict)
    _recent: dict[str, deque[datetime]] = field(default_factory=dict)

    def count(self, endpoint: str) -> None:
        """Count a request that reached the gateway, whoever sent it."""
        self.total += 1
        self.by_endpoint[endpoint] += 1

    def charge(self, user: str) -> Verdict | None:
        """Count a user's call against the daily quota; refuse it once the quota is spent."""
        self.by_user[user] += 1
        usage = self._current(user)
        usage.used += 1
        limit = self.options().quota_limit
        if usage.used <= limit:
            return None
        wait = max(1, math.ceil((self.resets_at() - self.clock.now()).total_seconds()))
        return Verdict(
            retry_after=wait,
            message=f"Out of call volume quota. Quota will be replenished in {_duration(wait)}.",
        )

    def throttle(self, user: str) -> Verdict | None:
        """Apply the burst limit: too many calls within the window are refused with 429."""
        options = self.options()
        if options.burst_limit is None:
            return None
        now = self.clock.now()
        window = timedelta(seconds=options.burst_window)
        recent = self._recent.setdefault(user, deque())
        while recent and (recent[0] <= now - window or recent[0] > now):
            recent.popleft()
        if len(recent) >= options.burst_limit:
            wait = max(1, math.ceil((recent[0] + window - now).total_seconds()))
            return Verdict(
                retry_after=wait,
                message=f"Rate limit is exceeded. Try again in {wait} seconds.",
            )
        recent.append(now)
        return None

    def resets_at(self) -> datetime:
        """Return when the quota day ends: the next midnight in the quota time zone."""
        zone = ZoneInfo(self.options().quota_timezone)
        local = self.clock.now().astimezone(zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(), zone)
        return midnight.astimezone(self.clock.now().tzinfo)

    def _current(self, user: str) -> _Usage:
        """Return the user's usage of today, starting afresh on a new quota day."""
        today = (
            self.clock.now().astimezone(ZoneInfo(self.options().quota_timezone)).date()
        )
        usage = self._usage.get(user)
        if usage is None or usage.day != today:
            usage = self._usage[user] = _Usage(today)
        return usage

    def snapshot(self, users: Iterable[str]) -> dict[str, Any]:
        """Return the counters as the control API shows them."""
        limit = self.options().quota_limit
        resets_at = self.resets_at().isoformat()
        return {
            "total": self.total,
            "by_endpoint": dict(self.by_endpoint),
            "by_user": dict(self.by_user),
            "quota": {
                user: {
                    "used": self._current(user).used,
                    "limit": limit,
                    "resets_at": resets_at,
                }
                for user in users
            },
            "unhandled": self.unhandled,
        }

    def reset(self) -> None:
        """Forget every count, the quota usage and the burst windows."""
        self.total = 0
        self.unhandled = 0
        self.by_endpoint.clear()
        self.by_user.clear()
        self._usage.clear()
        self._recent.clear()


def _duration(seconds: int) -> str:
    """Format a wait as HH:MM:SS, or D.HH:MM:SS beyond a day (the gateway's style)."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock_text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}.{clock_text}" if days else clock_text

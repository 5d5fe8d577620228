"""Sooner reads after a passing failure, so that entities follow the cloud back within a minute.

A read that fails for a passing reason (no connection, no answer in time, a 5xx) is tried again
before its planned read: a minute after the first failure, then after a quarter of the time it
has been failing (a 4-minute outage is tried every minute, an hour-long one every 15 minutes).
A retry that would come after the planned read changes nothing: the plan is the cap. Once one
of them is answered, the cloud is back and the others are tried at once. Other failures (a
gateway offline, a refused account, the quota) keep their own pace.

No Home Assistant import: times are aware datetimes given by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .eliot.exceptions import EliotConnectionError, EliotServerError

# The first retry: a refresh never comes sooner than a minute after the previous one anyway.
RETRY_MIN = timedelta(seconds=60)
# Later retries wait this share of the time the failures have lasted.
RETRY_SHARE = 0.25


def is_transient(err: BaseException) -> bool:
    """Return whether a failure is a passing one: a network error, a timeout, a 5xx."""
    return isinstance(err, (EliotConnectionError, EliotServerError))


@dataclass(frozen=True, slots=True)
class Failing:
    """A run of passing failures: when it began, and when to try again."""

    since: datetime
    retry_at: datetime


@dataclass(slots=True)
class RetryBackoff:
    """When each source (or the whole refresh) that failed for a passing reason is tried again."""

    failing: dict[str, Failing] = field(default_factory=dict)

    def failed(self, key: str, at: datetime) -> datetime:
        """Note a passing failure at `at`; return when to try again.

        A source that starts failing while others fail joins their outage: read for the first
        time an hour into it, it is not tried again every minute.
        """
        run = self.failing.get(key)
        if run is None:
            since = min((other.since for other in self.failing.values()), default=at)
        else:
            since = run.since
        since = min(since, at)
        retry_at = at + max(RETRY_MIN, (at - since) * RETRY_SHARE)
        self.failing[key] = Failing(since, retry_at)
        return retry_at

    def postpone(self, key: str, at: datetime) -> None:
        """Count a retry left out (the cloud just failed another read) as a failure too."""
        if key in self.failing:
            self.failed(key, at)

    def answered(self, key: str, at: datetime) -> None:
        """End a source's run of failures: the cloud answered it.

        If it was failing, the cloud is back: every other failing source is tried at once.
        """
        if self.failing.pop(key, None) is None:
            return
        for other, run in self.failing.items():
            if run.retry_at > at:
                self.failing[other] = Failing(run.since, at)

    def retry_at(self, key: str) -> datetime | None:
        """Return when a failing source is tried again; None when it is not failing."""
        run = self.failing.get(key)
        return None if run is None else run.retry_at

    def forget(self, keep: Iterable[str]) -> None:
        """Forget sources that are no longer known."""
        kept = set(keep)
        for key in set(self.failing) - kept:
            del self.failing[key]

    def __len__(self) -> int:
        """Return how many sources are failing."""
        return len(self.failing)

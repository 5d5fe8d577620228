"""Figures from a day's measurements: staleness statistics, blind time, calls over time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
import math


@dataclass(slots=True)
class Observed:
    """When each change became visible on one side (None: never that day)."""

    family: str
    at: float
    seen_at: float | None = None

    def staleness(self, day_end: float) -> float:
        """Return how long the change stayed unseen; one never seen counts until the day's end."""
        return (self.seen_at if self.seen_at is not None else day_end) - self.at


def mean(values: Sequence[float]) -> float | None:
    """Return the mean, or None without values."""
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile (0 < fraction <= 1), or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(slots=True)
class Staleness:
    """Staleness of one family of devices: mean, 95th percentile, changes never seen."""

    count: int
    mean: float | None
    p95: float | None
    unseen: int


def staleness_by_family(
    observed: Iterable[Observed], day_end: float
) -> dict[str, Staleness]:
    """Return the staleness figures of each family, and of all changes under "all"."""
    groups: dict[str, list[Observed]] = {}
    for item in observed:
        groups.setdefault(item.family, []).append(item)
        groups.setdefault("all", []).append(item)
    result: dict[str, Staleness] = {}
    for family, items in sorted(groups.items()):
        values = [item.staleness(day_end) for item in items]
        result[family] = Staleness(
            count=len(items),
            mean=mean(values),
            p95=percentile(values, 0.95),
            unseen=sum(1 for item in items if item.seen_at is None),
        )
    return result


@dataclass(slots=True)
class CallSeries:
    """The calls one side has spent, sampled over the day (seconds, cumulative calls)."""

    times: list[float] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)

    def add(self, at: float, calls: int) -> None:
        """Record the cumulative count at a moment (one sample per moment)."""
        if self.times and self.times[-1] == at:
            self.calls[-1] = calls
            return
        self.times.append(at)
        self.calls.append(calls)


def blind_minutes(
    series: CallSeries, limit: int, day_end: float
) -> tuple[float, float | None]:
    """Return the minutes from when the quota was used up to the day's end, and that moment."""
    for at, calls in zip(series.times, series.calls, strict=True):
        if calls >= limit:
            return (day_end - at) / 60.0, at
    return 0.0, None


def hourly_staleness(
    observed: Iterable[Observed], day_end: float, hours: int = 24
) -> list[float | None]:
    """Return the mean staleness of the changes made in each hour of the day."""
    buckets: list[list[float]] = [[] for _ in range(hours)]
    for item in observed:
        hour = min(hours - 1, int(item.at // 3600))
        buckets[hour].append(item.staleness(day_end))
    return [mean(bucket) for bucket in buckets]


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """Return ours / theirs, or None when either is missing or theirs is zero."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


def counts_total(counts: Mapping[str, int]) -> int:
    """Return the sum of a mapping's counts."""
    return sum(counts.values())

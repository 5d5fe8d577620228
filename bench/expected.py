"""Expected staleness: what a side's reads are worth under a household's true rates.

A day's realized staleness rests on the changes the seed drew: on a small account about twenty,
so one change more or less in a long gap moves the day's mean by a third. The freshness limit
is an expectation (what the best schedule reaches on average); the schedule is judged by the same
measure: for each source, a change made at moment t (at the source's true rate of that hour)
waits until the source's first read after t. Over a gap between reads [a, b] and an hour piece
[x, y] of it where the rate is r, the changes weigh r x (y - x) and wait evenly between b - y and
b - x. The mean and the p95 of all those waits are the expected figures of the reads, whatever
the seed drew.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Waits:
    """Changes of some weight that wait evenly between two durations (seconds)."""

    weight: float
    shortest: float
    longest: float

    def above(self, wait: float) -> float:
        """Return the weight of these changes that wait longer than `wait`."""
        if wait >= self.longest:
            return 0.0
        if wait < self.shortest or self.longest <= self.shortest:
            return self.weight
        return self.weight * (self.longest - wait) / (self.longest - self.shortest)


def source_waits(
    reads: Sequence[float],
    hours: Sequence[float],
    *,
    low: float,
    end: float,
) -> list[Waits]:
    """Return the waits of one source's changes over one day from `low`.

    `hours` are the source's true rates (changes a second) of the day's 24 hours; `reads` the
    moments it was read (sorted). A change after the last read waits until `end`.
    """
    ordered = sorted(reads)
    found: list[Waits] = []
    for hour, rate in enumerate(hours):
        if rate <= 0:
            continue
        start, stop = low + hour * HOUR, low + (hour + 1) * HOUR
        moment = start
        while moment < stop:
            index = bisect_right(ordered, moment)
            following = ordered[index] if index < len(ordered) else end
            piece_end = min(stop, following)
            if piece_end <= moment:
                # Past the run's end: nothing more is seen.
                break
            found.append(
                Waits(
                    rate * (piece_end - moment),
                    following - piece_end,
                    following - moment,
                )
            )
            moment = piece_end
    return found


def day_waits(
    reads: Mapping[str, Sequence[float]],
    rates: Mapping[str, Sequence[float]],
    *,
    low: float,
    end: float,
) -> list[Waits]:
    """Return the waits of every source's changes over one day (sources in `rates`)."""
    return [
        item
        for key, hours in rates.items()
        for item in source_waits(reads.get(key, ()), hours, low=low, end=end)
    ]


def pushed_waits(rates: Mapping[str, Sequence[float]], delay: float) -> list[Waits]:
    """Return the waits of changes push shows after a fixed delay."""
    return [
        Waits(sum(hours) * HOUR, delay, delay) for hours in rates.values() if sum(hours)
    ]


def expected_mean(waits: Iterable[Waits]) -> float | None:
    """Return the mean wait; None when nothing changes."""
    items = list(waits)
    weight = sum(item.weight for item in items)
    if weight <= 0:
        return None
    total = sum(item.weight * (item.shortest + item.longest) / 2 for item in items)
    return total / weight


def expected_quantile(waits: Iterable[Waits], share: float) -> float | None:
    """Return the wait that `share` of the changes do not exceed; None when nothing changes."""
    items = list(waits)
    weight = sum(item.weight for item in items)
    if weight <= 0:
        return None
    beyond = (1.0 - share) * weight
    low, high = 0.0, max(item.longest for item in items)
    for _ in range(60):
        middle = (low + high) / 2
        if sum(item.above(middle) for item in items) > beyond:
            low = middle
        else:
            high = middle
    return high

"""The freshness limit: the best mean staleness a day's reads could reach, knowing the household.

A source read every I seconds shows a change made at a random moment I / 2 later on average. With
N reads over pieces of time where each source changes at a known rate r (changes a second), the
mean staleness over all changes, sum(r x T x I / 2) / sum(r x T), is smallest when every interval
goes as 1 / sqrt(r) (the square-root rule), and that least mean is

    (sum over sources and pieces of T x sqrt(r))^2 / (2 x N x sum of r x T).

No schedule that reads each source on its own can do better on average with the same reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
import math

HOUR = 3600.0


def limit_staleness(
    rates: Mapping[str, Sequence[float]], reads: float, piece: float = HOUR
) -> float | None:
    """Return the least mean staleness (seconds) of `reads` reads over sources' hourly rates.

    None when nothing changes or there is no read.
    """
    changes = sum(rate * piece for hours in rates.values() for rate in hours)
    if changes <= 0 or reads <= 0:
        return None
    roots = sum(piece * math.sqrt(rate) for hours in rates.values() for rate in hours)
    return roots * roots / (2.0 * reads * changes)


def only(
    rates: Mapping[str, Sequence[float]], keys: Iterable[str]
) -> dict[str, Sequence[float]]:
    """Return the rates of some sources only (those a run polls)."""
    wanted = set(keys)
    return {key: hours for key, hours in rates.items() if key in wanted}

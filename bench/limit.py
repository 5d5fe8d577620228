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


def foreseen_staleness(
    usual: Mapping[str, Sequence[float]],
    rates: Mapping[str, Sequence[float]],
    reads: float,
    piece: float = HOUR,
) -> float | None:
    """Return the mean staleness of reads shared by the square-root rule over `usual` rates.

    What the best schedule that knew the household's usual day exactly (and nothing of this
    day) would reach on a day of true `rates`: intervals as 1 / sqrt(usual rate), judged
    under the true ones. Equal to the limit when the day is usual. None when nothing changes,
    there is no read, or the usual day leaves a changing hour unread.
    """
    changes = sum(rate * piece for hours in rates.values() for rate in hours)
    if changes <= 0 or reads <= 0:
        return None
    pairs = [
        (u, r)
        for key, hours in rates.items()
        for u, r in zip(usual.get(key, [0.0] * len(hours)), hours, strict=True)
    ]
    if any(u <= 0 < r for u, r in pairs):
        return None
    # Intervals c / sqrt(u): the reads fix c.
    scale = sum(piece * math.sqrt(u) for u, _ in pairs) / reads
    waited = sum(r * piece * scale / math.sqrt(u) / 2 for u, r in pairs if r > 0)
    return waited / changes


def only(
    rates: Mapping[str, Sequence[float]], keys: Iterable[str]
) -> dict[str, Sequence[float]]:
    """Return the rates of some sources only (those a run polls)."""
    wanted = set(keys)
    return {key: hours for key, hours in rates.items() if key in wanted}

"""How the calls polling may spend until the reset are shared between the sources it reads.

For the calls the budget allows until its reset, the mean time a change stays unseen, the sum
over sources of rate x interval / 2, is smallest when each interval is proportional to
sqrt(cost / rate) (the square-root rule). Guarantees come first: every source is read at least
once an hour while the day's calls allow it (the polling floor), and thermostats kept fresh by
push are only read to reconcile, a fixed cost taken off the budget before the rest is shared.

No Home Assistant import: the budget comes as a `PollingAllowance`, the hours of the day as
(seconds, weight) pieces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
import math

from .eliot import PollingAllowance
from .eliot.const import MIN_REFRESH_INTERVAL, POLLING_FLOOR_INTERVAL
from .poll_learning import MIN_WEIGHT, sane_rate

# Thermostats push keeps fresh are read this often, to correct events lost on the way.
RECONCILE_INTERVAL = timedelta(minutes=30)
# The share of one read of every source kept as a margin; it fades over the last hours before
# the reset, so that the day's calls are spent rather than saved.
MARGIN_ROUNDS = 0.5
MARGIN_FADE = timedelta(hours=2)
# No source is read less often than this many times the interval of every call left spread
# evenly: the square-root rule still favours the busy ones, without leaving a quiet one (or
# one whose rate was learned too low) unread for long.
STRETCH = 2.5
# When what is left cannot read every source once an hour, sources are traded against each
# other anyway: the busy ones may take more from the quiet ones.
UNPAID_STRETCH = 5.0


@dataclass(frozen=True, slots=True)
class Source:
    """One thing the poller reads: what a read costs, how often it changes, whether push covers it."""

    key: str
    cost: int
    rate: float
    covered: bool = False


@dataclass(frozen=True, slots=True)
class Allocation:
    """The interval of each source now, and the calls these intervals spend until the reset."""

    intervals: Mapping[str, timedelta]
    calls_until_reset: float


def _floor_pace(total_cost: int, allowance: PollingAllowance) -> float:
    """Return the pace the floor pays: one read an hour, or all that is left spread evenly."""
    return max(
        POLLING_FLOOR_INTERVAL.total_seconds(), allowance.even_interval(total_cost)
    )


def _ceiling(total_cost: int, allowance: PollingAllowance) -> float:
    """Return the longest interval any source may have.

    A few times the interval of all that is left spread evenly (`STRETCH`): the square-root
    rule favours the busy sources without leaving a quiet one, whose rate may be learned too
    low, far behind a fixed pace. Never beyond the floor (one read an hour) while what is left
    pays it; when it does not, sources are traded against each other anyway and the quiet
    ones may wait longer (`UNPAID_STRETCH`).
    """
    floor = POLLING_FLOOR_INTERVAL.total_seconds()
    even = allowance.even_interval(total_cost)
    if allowance.left <= 0:
        return max(floor, even)
    return min(floor, even * STRETCH) if even <= floor else even * UNPAID_STRETCH


def allocate(
    sources: Iterable[Source],
    allowance: PollingAllowance,
    pieces: Sequence[tuple[float, float]],
) -> Allocation:
    """
    Share the calls until the reset between sources; return each source's interval now.

    Every source gets at least the ceiling's pace (one read an hour, or a few times the even
    share of what is left when that is less); covered sources then get their reconciliation pace if it fits;
    what is left goes to the others by the square-root rule, the hours weighted by `pieces`
    (the first piece is now). The reserve for commands never slows a source below the floor.
    """
    items = [s for s in sources if s.cost > 0]
    if not items:
        return Allocation({}, 0.0)
    horizon = max(MIN_REFRESH_INTERVAL.total_seconds(), allowance.seconds)
    pieces = [(s, w) for s, w in pieces if s > 0] or [(horizon, 1.0)]
    total_cost = sum(s.cost for s in items)
    # Half a read of every source is kept as a margin: reads fall due a little early or at once.
    # It fades before the reset: what it kept is spent in the last hours.
    whole = allowance
    fade = min(1.0, allowance.seconds / MARGIN_FADE.total_seconds())
    margin = min(allowance.left, math.ceil(total_cost * MARGIN_ROUNDS * fade))
    allowance = allowance.holding_back(margin)
    # The margin never pushes a source past the hourly floor that every call left affords:
    # near the reset, the last hourly reads may need all of them. Below the floor, what is
    # left is spread evenly, the margin kept.
    pace = _floor_pace(total_cost, whole)
    ceiling = _ceiling(total_cost, whole)
    if pace > POLLING_FLOOR_INTERVAL.total_seconds():
        pace = _floor_pace(total_cost, allowance)
        ceiling = _ceiling(total_cost, allowance)
    minimum = MIN_REFRESH_INTERVAL.total_seconds()
    # What the floor guarantees is spent whatever the reserve: the rule only shares it.
    floor_calls = total_cost * horizon / pace
    budget = max(float(allowance.spendable), floor_calls)
    covered = [s for s in items if s.covered]
    free = [s for s in items if not s.covered]
    free_floor = sum(s.cost for s in free) * horizon / pace
    covered_cost = sum(s.cost for s in covered)
    intervals: dict[str, timedelta] = {}
    covered_interval = pace
    if covered:
        reconcile = RECONCILE_INTERVAL.total_seconds()
        room = budget - free_floor
        # Push keeps these fresh: the stretch that guards a quiet source does not apply.
        longest = max(pace, reconcile)
        covered_interval = (
            min(longest, max(reconcile, covered_cost * horizon / room))
            if room > 0
            else longest
        )
        for source in covered:
            intervals[source.key] = timedelta(seconds=covered_interval)
    spent = covered_cost * horizon / covered_interval
    left = budget - spent
    now_weight = pieces[0][1]
    if not free:
        return Allocation(intervals, spent)
    scale = _square_root_scale(free, left, pieces, minimum, ceiling)
    for source in free:
        seconds = _interval(source, scale, now_weight, minimum, ceiling)
        intervals[source.key] = timedelta(seconds=seconds)
    spent += _calls(free, scale, pieces, minimum, ceiling)
    return Allocation(intervals, spent)


def _interval(
    source: Source, scale: float, weight: float, minimum: float, ceiling: float
) -> float:
    """Return a source's interval at an hour of some weight: scale x sqrt(cost / rate), clamped."""
    rate = sane_rate(source.rate) * max(MIN_WEIGHT, weight)
    return min(ceiling, max(minimum, scale * math.sqrt(source.cost / rate)))


def _calls(
    sources: Sequence[Source],
    scale: float,
    pieces: Sequence[tuple[float, float]],
    minimum: float,
    ceiling: float,
) -> float:
    """Return the calls the sources spend over the pieces at some scale."""
    return sum(
        source.cost * seconds / _interval(source, scale, weight, minimum, ceiling)
        for source in sources
        for seconds, weight in pieces
    )


def _square_root_scale(
    sources: Sequence[Source],
    budget: float,
    pieces: Sequence[tuple[float, float]],
    minimum: float,
    ceiling: float,
) -> float:
    """Return the scale whose intervals spend the budget (or the least spent, at the ceiling).

    Unclamped, the calls are A / scale: the scale is found at once. Intervals held at the
    minimum or the ceiling spend a fixed amount; the scale is solved again for the others until
    the set held stops changing (a few rounds), instead of searching it step by step.
    """
    # Each (source, piece): its seconds x cost and sqrt(cost / rate) at the piece's weight.
    pairs = [
        (
            source.cost * seconds,
            math.sqrt(source.cost / (sane_rate(source.rate) * max(MIN_WEIGHT, weight))),
        )
        for source in sources
        for seconds, weight in pieces
    ]
    floor_calls = sum(work / ceiling for work, _ in pairs)
    if floor_calls >= budget:
        # Every interval at the ceiling already spends it all.
        return 2 * ceiling / min(root for _, root in pairs)
    top_calls = sum(work / minimum for work, _ in pairs)
    if top_calls <= budget:
        # Every interval at the minimum still spends less.
        return minimum / max(root for _, root in pairs) / 2
    scale = sum(work / root for work, root in pairs) / budget
    for _ in range(len(pairs) + 1):
        fixed = free = 0.0
        for work, root in pairs:
            interval = scale * root
            if interval <= minimum:
                fixed += work / minimum
            elif interval >= ceiling:
                fixed += work / ceiling
            else:
                free += work / root
        if free <= 0 or budget <= fixed:
            break
        found = free / (budget - fixed)
        if math.isclose(found, scale, rel_tol=1e-9):
            return found
        scale = found
    return scale

"""The polling schedule: how often to read each plant and thermostat so the budget buys freshness.

Each source (a Home + Control plant's status, a thermostat's status) is read on its own interval.
How often a source changes is learned from what each of its reads reveals; people change things
when they are awake, so a day profile in the home's time zone weights the hours. For the calls the
budget allows until its reset, the mean time a change stays unseen, the sum over sources of
rate x interval / 2, is smallest when each interval is proportional to sqrt(cost / rate) (the
square-root rule). Guarantees come first: every source is read at least once an hour while the
day's calls allow it (the polling floor), and thermostats kept fresh by push are only read to
reconcile, a fixed cost taken off the budget before the rest is shared.

No Home Assistant import: times are aware datetimes, the budget comes as a `PollingAllowance`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
import math
from typing import Any

from .eliot import PollingAllowance
from .eliot.const import MIN_REFRESH_INTERVAL, POLLING_FLOOR_INTERVAL

_HOUR = 3600.0
# How the hours of a day weigh when nothing was learned yet: a little quieter at night, a little
# busier in the morning and the evening. Mild on purpose: households differ (some are awake at
# night), and a schedule that trusts a wrong guess is worse than one that reads evenly.
# Scaled so that a day averages 1.
_PRIOR_HOURS: tuple[float, ...] = (
    (0.6,) * 6 + (0.8, 1.2, 1.1) + (0.95,) * 8 + (1.1, 1.2, 1.2, 1.1, 1.0, 0.9, 0.7)
)
DEFAULT_PROFILE: tuple[float, ...] = tuple(
    weight * len(_PRIOR_HOURS) / sum(_PRIOR_HOURS) for weight in _PRIOR_HOURS
)
# No hour weighs less than this: a quiet hour's reads are at most sqrt(1 / 0.2), about 2.2
# times further apart than at a mean hour, so that a change there is still seen soon.
MIN_WEIGHT = 0.2
# Changes a day of one Home + Control module and of one thermostat, before anything is seen.
PRIOR_MODULE_CHANGES_A_DAY = 2.0
PRIOR_THERMOSTAT_CHANGES_A_DAY = 1.0
# The prior counts as this many hours of observation (at a day's mean weight): it yields
# to what is seen within a few hours.
PRIOR_HOURS = 6.0
# Observations lose half their weight in this time, so the estimate follows the household.
HALF_LIFE = timedelta(days=2)
# No source changes less often than this (changes an hour): every rate stays positive.
MIN_RATE = 1e-3
# Nor more often than this: a rate beyond it is garbage.
MAX_RATE = 3600.0
# A source due within this of a refresh (at most a quarter of its interval) is read by it.
BATCH_WINDOW = timedelta(seconds=60)
# Thermostats push keeps fresh are read this often, to correct events lost on the way.
RECONCILE_INTERVAL = timedelta(minutes=30)
# The slack a timer may fire early by: a refresh reads what falls due within it.
TIMER_SLACK = timedelta(seconds=2)
# The share of one read of every source kept as a margin; it fades over the last hours before
# the reset, so that the day's calls are spent rather than saved.
MARGIN_ROUNDS = 0.5
MARGIN_FADE = timedelta(hours=2)
# No source is read less often than this many times the interval of every call left spread
# evenly: the square-root rule still favours the busy ones, without leaving a quiet one (or
# one whose rate was learned too low) unread for long.
STRETCH = 2.5
# Sources read this seldom (four or more of them) are each read at its own phase of its
# interval, so that reads do not come in bursts with an hour or more of silence in between.
SPREAD_FROM = timedelta(minutes=30)
SPREAD_GROUP = 4
# The first refresh after the reset comes within this time of it, reading the stalest source.
RESET_READ = timedelta(seconds=60)
# The prior day profile counts as this many days of the household's own changes (its sources'
# rates): after two or three days, the hours are mostly the household's own.
PROFILE_PRIOR_DAYS = 1.0
# Nor less than this many changes, so that a few changes of a quiet home move it little.
PROFILE_PRIOR_CHANGES = 48.0
# Changes seen at some hour lose half their weight in the profile in this time.
PROFILE_HALF_LIFE = timedelta(days=3)
# The shape of what is kept across restarts, and the largest count it may hold.
LEARNED_VERSION = 1
LEARNED_MAX = 1e7
# At most this many hourly pieces are looked at until the reset (a day and its DST hour).
_MAX_PIECES = 50


def _finite(value: float, default: float) -> float:
    """Return value if it is a finite number, else the default."""
    try:
        number = float(value)
    except TypeError, ValueError:
        return default
    return number if math.isfinite(number) else default


def _learned_number(value: Any) -> float | None:
    """Return a kept count if it is a plausible one (finite, not negative, not huge)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and 0 <= number <= LEARNED_MAX else None


def _learned_pair(value: Any) -> tuple[float, float] | None:
    """Return a kept rate's changes and hours if both are plausible."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    changes, hours = (_learned_number(item) for item in value)
    if changes is None or hours is None:
        return None
    return changes, hours


def _learned_time(value: Any) -> datetime | None:
    """Return a kept moment if it is an aware ISO time."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def sane_profile(profile: Sequence[float] | None) -> tuple[float, ...]:
    """Return 24 positive weights averaging 1; anything unusable gives the default profile."""
    if profile is None or len(profile) != len(DEFAULT_PROFILE):
        return DEFAULT_PROFILE
    weights = [max(0.0, _finite(weight, 0.0)) for weight in profile]
    total = sum(weights)
    if total <= 0:
        return DEFAULT_PROFILE
    scaled = [max(MIN_WEIGHT, weight * len(weights) / total) for weight in weights]
    mean = sum(scaled) / len(scaled)
    return tuple(weight / mean for weight in scaled)


def _local_hour(moment: datetime, zone: tzinfo) -> tuple[int, float]:
    """Return the local hour of a moment and the seconds to the next local hour."""
    try:
        local = moment.astimezone(zone)
    except ValueError, TypeError, OverflowError, OSError:
        local = moment.astimezone(UTC)
    into = local.minute * 60 + local.second + local.microsecond / 1e6
    return local.hour, max(1.0, _HOUR - into)


def hour_pieces(
    start: datetime, end: datetime, zone: tzinfo
) -> list[tuple[float, int | None]]:
    """Return (seconds, local hour) pieces from start to end; None for what lies beyond them."""
    pieces: list[tuple[float, int | None]] = []
    moment = start
    while moment < end and len(pieces) < _MAX_PIECES:
        hour, to_next = _local_hour(moment, zone)
        seconds = min(to_next, (end - moment).total_seconds())
        pieces.append((seconds, hour))
        moment += timedelta(seconds=seconds)
    if moment < end:
        pieces.append(((end - moment).total_seconds(), None))
    return pieces


def day_pieces(
    start: datetime, end: datetime, zone: tzinfo, profile: Sequence[float]
) -> list[tuple[float, float]]:
    """Return (seconds, weight) pieces from start to end, one per local hour they cross.

    Beyond the pieces looked at (more than two days), the day's mean weight.
    """
    return [
        (seconds, 1.0 if hour is None else profile[hour])
        for seconds, hour in hour_pieces(start, end, zone)
    ]


@dataclass(slots=True)
class DayProfile:
    """How the hours of a day weigh: the prior profile, moved by the changes seen at each hour.

    The changes a read reveals are spread over the local hours since the previous read, in
    proportion to how those hours weigh now. The prior counts as a day of the household's own
    changes (`prior_changes`, set when planning), and what was seen halves in three days: the
    profile is mostly the household's own after two or three days, and one odd day moves it
    a third of the way.
    """

    counts: list[float] = field(default_factory=lambda: [0.0] * 24)
    weights: tuple[float, ...] = DEFAULT_PROFILE
    decayed_at: datetime | None = None
    prior_changes: float = PROFILE_PRIOR_CHANGES

    def observe(
        self, changes: int, pieces: Sequence[tuple[float, int | None]], at: datetime
    ) -> None:
        """Count changes seen over some local hours, and weigh the hours again."""
        shares = [
            (hour, seconds * self.weights[hour])
            for seconds, hour in pieces
            if hour is not None and seconds > 0
        ]
        total = sum(share for _, share in shares)
        if changes <= 0 or total <= 0:
            return
        if self.decayed_at is not None and at > self.decayed_at:
            decay = 0.5 ** ((at - self.decayed_at) / PROFILE_HALF_LIFE)
            self.counts = [count * decay for count in self.counts]
        self.decayed_at = at
        for hour, share in shares:
            self.counts[hour] += changes * share / total
        self.reweigh()

    def reweigh(self) -> None:
        """Weigh the hours from the prior and the changes counted at each hour."""
        self.weights = sane_profile(
            [
                count + self.prior_changes * prior / len(DEFAULT_PROFILE)
                for count, prior in zip(self.counts, DEFAULT_PROFILE, strict=True)
            ]
        )


@dataclass(slots=True)
class ChangeRate:
    """How often one source changes, in changes per hour of mean weight, learned with decay."""

    prior: float
    changes: float = 0.0
    hours: float = 0.0

    @property
    def rate(self) -> float:
        """Return the estimate: what was seen, with the prior for what was not."""
        prior = _sane_rate(self.prior)
        return _sane_rate(
            (self.changes + prior * PRIOR_HOURS) / (self.hours + PRIOR_HOURS)
        )

    def observe(self, changes: int, hours: float, elapsed: timedelta) -> None:
        """Count the changes a read revealed over `hours` (weighted) since the previous read."""
        changes = max(0, changes)
        hours = max(0.0, _finite(hours, 0.0))
        decay = 0.5 ** max(0.0, elapsed / HALF_LIFE)
        self.changes = self.changes * decay + changes
        self.hours = self.hours * decay + hours


@dataclass(frozen=True, slots=True)
class Source:
    """One thing the poller reads: what a read costs, how often it changes, whether push covers it."""

    key: str
    cost: int
    rate: float
    covered: bool = False


@dataclass(frozen=True, slots=True)
class Allocation:
    """The interval of each source now, and the calls that plan spends until the reset."""

    intervals: Mapping[str, timedelta]
    planned_calls: float


def _floor_pace(total_cost: int, allowance: PollingAllowance) -> float:
    """Return the pace the floor pays: one read an hour, or all that is left spread evenly."""
    floor = POLLING_FLOOR_INTERVAL.total_seconds()
    if allowance.left <= 0:
        return max(floor, allowance.seconds + 1.0)
    return max(floor, allowance.seconds * total_cost / allowance.left)


def _ceiling(total_cost: int, allowance: PollingAllowance) -> float:
    """Return the longest interval any source may have.

    A few times the interval of all that is left spread evenly (`STRETCH`): the square-root
    rule favours the busy sources without leaving a quiet one, whose rate may be learned too
    low, far behind a fixed pace. Never beyond the floor (one read an hour) while what is left
    pays it.
    """
    floor = POLLING_FLOOR_INTERVAL.total_seconds()
    if allowance.left <= 0:
        return max(floor, allowance.seconds + 1.0)
    even = allowance.seconds * total_cost / allowance.left
    return min(floor, even * STRETCH) if even <= floor else even * STRETCH


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
    allowance = PollingAllowance(
        seconds=allowance.seconds,
        left=allowance.left - margin,
        spendable=max(0.0, min(allowance.spendable, allowance.left - margin)),
    )
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
    rate = _sane_rate(source.rate) * max(MIN_WEIGHT, weight)
    return min(ceiling, max(minimum, scale * math.sqrt(source.cost / rate)))


def _sane_rate(rate: float) -> float:
    """Return a rate within bounds; a rate that is no number counts as the lowest."""
    return min(MAX_RATE, max(MIN_RATE, _finite(rate, MIN_RATE)))


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
            math.sqrt(
                source.cost / (_sane_rate(source.rate) * max(MIN_WEIGHT, weight))
            ),
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


@dataclass(slots=True)
class PollSchedule:
    """Which sources are due, and when the next refresh should be, from what was learned."""

    zone: tzinfo = UTC
    day: DayProfile = field(default_factory=DayProfile)
    rates: dict[str, ChangeRate] = field(default_factory=dict)
    last_read: dict[str, datetime] = field(default_factory=dict)
    intervals: dict[str, timedelta] = field(default_factory=dict)
    # Reads the plan moves: spread, spent before the reset, read at the reset, or held past it.
    moved: dict[str, datetime] = field(default_factory=dict)

    def rate_of(self, key: str, prior: float) -> ChangeRate:
        """Return a source's learned rate, starting from its prior."""
        found = self.rates.get(key)
        if found is None:
            found = self.rates[key] = ChangeRate(prior)
        found.prior = prior
        return found

    def read(self, key: str, at: datetime, changes: int | None, prior: float) -> None:
        """Note a read of a source at `at` and the changes it revealed (None: nothing to compare)."""
        previous = self.last_read.get(key)
        self.last_read[key] = at
        if previous is None or changes is None or at <= previous:
            return
        pieces = hour_pieces(previous, at, self.zone)
        weights = self.day.weights
        hours = sum(
            seconds * (1.0 if hour is None else weights[hour])
            for seconds, hour in pieces
        )
        self.rate_of(key, prior).observe(changes, hours / _HOUR, at - previous)
        self.day.observe(changes, pieces, at)

    def learned(self) -> dict[str, Any]:
        """Return what was learned, as JSON, so that a restart does not start from the prior."""
        decayed_at = self.day.decayed_at
        return {
            "version": LEARNED_VERSION,
            "rates": {
                key: [rate.changes, rate.hours] for key, rate in self.rates.items()
            },
            "hours": list(self.day.counts),
            "hours_at": None if decayed_at is None else decayed_at.isoformat(),
        }

    def restore_learned(self, data: Any) -> int:
        """
        Take back what an earlier run learned; return how many values were unusable.

        Each rate and the hours are checked on their own: an unusable one is left to the prior,
        the others are kept. Sources read since keep what they learned.
        """
        if not isinstance(data, Mapping) or data.get("version") != LEARNED_VERSION:
            return 1
        rates = data.get("rates")
        if not isinstance(rates, Mapping):
            # Rates of the wrong type: every source starts from its prior.
            bad, rates = int(rates is not None), {}
        else:
            bad = 0
        for key, value in rates.items():
            pair = _learned_pair(value)
            if not isinstance(key, str) or pair is None:
                bad += 1
                continue
            self.rates.setdefault(key, ChangeRate(1.0, *pair))
        hours = data.get("hours")
        counts = (
            [_learned_number(count) for count in hours]
            if isinstance(hours, list) and len(hours) == len(DEFAULT_PROFILE)
            else None
        )
        if counts is None or any(count is None for count in counts):
            return bad + 1
        self.day.counts = [count or 0.0 for count in counts]
        self.day.decayed_at = _learned_time(data.get("hours_at"))
        self.day.reweigh()
        return bad

    def forget(self, keep: Iterable[str]) -> None:
        """Forget sources that are no longer known."""
        kept = set(keep)
        for table in (self.rates, self.last_read, self.intervals, self.moved):
            for key in set(table) - kept:
                del table[key]

    def plan(
        self,
        sources: Sequence[Source],
        allowance: PollingAllowance,
        now: datetime,
        reset_at: datetime,
    ) -> Allocation:
        """Share the budget until the reset and keep each source's interval.

        Then bring some reads forward: sources read together on the same pace are spread over
        their interval; in the last round before the reset, the calls that would be left go to
        the sources read longest ago, spread until the reset; and the source read longest ago is
        read within `RESET_READ` of the reset when nothing reads it sooner.
        """
        daily = 24 * sum(_sane_rate(source.rate) for source in sources)
        prior = max(PROFILE_PRIOR_CHANGES, PROFILE_PRIOR_DAYS * daily)
        if prior != self.day.prior_changes:
            self.day.prior_changes = prior
            self.day.reweigh()
        pieces = day_pieces(now, reset_at, self.zone, self.day.weights)
        allocation = allocate(sources, allowance, pieces)
        self.intervals = dict(allocation.intervals)
        self.moved = {}
        free = [
            source
            for source in sources
            if not source.covered and source.key in self.intervals
        ]
        self._spread(free, reset_at)
        self._spend_rest(sources, free, allowance, now, reset_at)
        self._read_at_reset(free, reset_at)
        return allocation

    def _spread(self, free: Sequence[Source], reset_at: datetime) -> None:
        """Give sources on a long pace each its own phase, so that their reads interleave.

        With four or more sources read less often than every `SPREAD_FROM`, each is read on a
        grid of its interval, anchored at the reset and shifted by its own share of the
        interval (by the order of the keys): at the last point of its grid within an interval
        of its last read, never later, and not before half of it. Sources read together once
        (at setup, or asked for) part again within a few rounds, and no hour goes without
        reads.
        """
        spread = sorted(
            (s for s in free if self.intervals[s.key] >= SPREAD_FROM),
            key=lambda source: source.key,
        )
        if len(spread) < SPREAD_GROUP:
            return
        for rank, source in enumerate(spread):
            if (last := self.last_read.get(source.key)) is None:
                continue
            interval = self.intervals[source.key]
            phase = (rank + 1) / len(spread)
            latest = (last + interval - reset_at) / interval
            point = reset_at + interval * (math.floor(latest - phase) + phase)
            if point >= last + interval / 2:
                self.moved[source.key] = point

    def _spend_rest(
        self,
        sources: Sequence[Source],
        free: Sequence[Source],
        allowance: PollingAllowance,
        now: datetime,
        reset_at: datetime,
    ) -> None:
        """In the last round before the reset, fit the reads to the calls left, read by read.

        The reads due before the reset are counted one by one. Calls beyond them go to the
        sources read longest ago that would wait past the reset, spread until it; reads beyond
        the calls left wait for the reset, those of the sources read last first.
        """
        horizon = reset_at - now
        if not free or horizon <= timedelta(0):
            return
        if horizon > max(self.intervals[source.key] for source in free):
            return
        planned = 0
        waiting: list[Source] = []
        coming: list[tuple[Source, int]] = []
        for source in sources:
            if source.key not in self.intervals:
                continue
            interval = self.intervals[source.key]
            due = self.due_at(source.key) or now
            if due < reset_at:
                reads = 1 + int((reset_at - due) / interval)
                planned += reads
                coming.append((source, reads))
            elif not source.covered:
                waiting.append(source)
        if planned > allowance.left:
            coming.sort(
                key=lambda item: (self.last_read.get(item[0].key, now), item[0].key),
                reverse=True,
            )
            for source, reads in coming:
                if planned <= allowance.left:
                    break
                self.moved[source.key] = reset_at + RESET_READ
                planned -= reads
            return
        spare = min(len(waiting), math.floor(allowance.spendable) - planned)
        if spare <= 0:
            return
        waiting.sort(
            key=lambda source: (self.last_read.get(source.key, now), source.key)
        )
        # Spread until a moment before the reset: the last call is spent as late as it may.
        room = max(timedelta(0), horizon - RESET_READ)
        for index, source in enumerate(waiting[:spare]):
            self.moved[source.key] = now + room * ((index + 1) / spare)

    def _read_at_reset(self, free: Sequence[Source], reset_at: datetime) -> None:
        """Have the source read longest ago read just after the reset, if nothing reads it sooner."""
        read = [source for source in free if source.key in self.last_read]
        if not read:
            return
        stalest = min(read, key=lambda source: (self.last_read[source.key], source.key))
        due = self.due_at(stalest.key)
        if due is not None and due >= reset_at + RESET_READ:
            self.moved[stalest.key] = reset_at + RESET_READ

    def due_at(self, key: str, confirmed: datetime | None = None) -> datetime | None:
        """Return when a source is next due: its last read (or confirmation) plus its interval.

        None when it was never read: it is due at once.
        """
        last = self.last_read.get(key)
        if confirmed is not None and (last is None or confirmed > last):
            last = confirmed
        interval = self.intervals.get(key)
        if last is None or interval is None:
            return None
        return self.moved.get(key, last + interval)

    def window(self, key: str) -> timedelta:
        """Return how early a refresh may read a source: a short batching window."""
        interval = self.intervals.get(key, BATCH_WINDOW * 4)
        return max(TIMER_SLACK, min(BATCH_WINDOW, interval / 4))

    def is_due(self, key: str, at: datetime, confirmed: datetime | None = None) -> bool:
        """Return whether a refresh at `at` reads a source."""
        due = self.due_at(key, confirmed)
        return due is None or due <= at + self.window(key)

"""The polling schedule: which sources are due, and when the next refresh should be.

Each source (a Home + Control plant's status, a thermostat's status) is read on its own
interval. What each read reveals is learned (`poll_learning`), the calls until the reset are
shared by the square-root rule (`poll_allocation`); the schedule keeps the intervals, then
brings some reads forward: sources on a long pace are spread over it, the last calls before the
reset are spent, the source read longest ago is read just after the reset, and while calls are
left no hour goes without a read.

No Home Assistant import: times are aware datetimes, the budget comes as a `PollingAllowance`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
import math
from typing import Any

from .eliot import PollingAllowance
from .poll_allocation import RECONCILE_INTERVAL, Allocation, Source, allocate
from .poll_learning import (
    PRIOR_MODULE_CHANGES_A_DAY,
    PRIOR_THERMOSTAT_CHANGES_A_DAY,
    PROFILE_PRIOR_CHANGES,
    PROFILE_PRIOR_DAYS,
    ChangeRate,
    DayProfile,
    day_pieces,
    learned_json,
    observe_read,
    restore_learned,
    sane_rate,
)

# What the coordinator, its helpers and the benchmark take from here: the schedule, what it
# plans with, and the priors of the sources it reads.
__all__ = [
    "PRIOR_MODULE_CHANGES_A_DAY",
    "PRIOR_THERMOSTAT_CHANGES_A_DAY",
    "RECONCILE_INTERVAL",
    "TIMER_SLACK",
    "Allocation",
    "ChangeRate",
    "PollSchedule",
    "Source",
]

# A source due within this of a refresh (at most a quarter of its interval) is read by it.
BATCH_WINDOW = timedelta(seconds=60)
# The slack a timer may fire early by: a refresh reads what falls due within it.
TIMER_SLACK = timedelta(seconds=2)
# Sources read this seldom (four or more of them) are each read at its own phase of its
# interval, so that reads do not come in bursts with an hour or more of silence in between.
SPREAD_FROM = timedelta(minutes=30)
SPREAD_GROUP = 4
# The first refresh after the reset comes within this time of it, reading the stalest source.
RESET_READ = timedelta(seconds=60)
# While calls are left, a read comes within this time of the newest one: after sources read
# together (a setup, a restart, the first refresh after an outage) on a long pace.
READ_GAP = timedelta(hours=1)


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
        observe_read(
            self.day,
            self.rate_of(key, prior),
            changes,
            previous=previous,
            at=at,
            zone=self.zone,
        )

    def learned(self) -> dict[str, Any]:
        """Return what was learned, as JSON, so that a restart does not start from the prior."""
        return learned_json(self.day, self.rates)

    def restore_learned(self, data: Any) -> int:
        """Take back what an earlier run learned; return how many values were unusable."""
        return restore_learned(self.day, self.rates, data)

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
        confirmed: Mapping[str, datetime] | None = None,
    ) -> Allocation:
        """Share the budget until the reset and keep each source's interval.

        Then bring some reads forward: sources read together on the same pace are spread over
        their interval; in the last round before the reset, the calls that would be left go to
        the sources read longest ago, spread until the reset; and the source read longest ago is
        read within `RESET_READ` of the reset when nothing reads it sooner; the first read
        comes within `READ_GAP` of the newest while calls are left. `confirmed` are the
        sources whose state was confirmed since their last read (a pushed thermostat): they
        fall due from then, as the refresh reads them.
        """
        daily = 24 * sum(sane_rate(source.rate) for source in sources)
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
        confirmed = confirmed or {}
        self._spend_rest(sources, free, allowance, now, reset_at, confirmed=confirmed)
        self._read_at_reset(free, reset_at, confirmed)
        self._keep_reading(free, allowance, reset_at, confirmed)
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
        *,
        confirmed: Mapping[str, datetime],
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
            due = self.due_at(source.key, confirmed.get(source.key)) or now
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

    def _read_at_reset(
        self,
        free: Sequence[Source],
        reset_at: datetime,
        confirmed: Mapping[str, datetime],
    ) -> None:
        """Have the source read longest ago read just after the reset, if nothing reads it sooner."""
        read = [source for source in free if source.key in self.last_read]
        if not read:
            return
        stalest = min(read, key=lambda source: (self.last_read[source.key], source.key))
        due = self.due_at(stalest.key, confirmed.get(stalest.key))
        if due is not None and due >= reset_at + RESET_READ:
            self.moved[stalest.key] = reset_at + RESET_READ

    def _keep_reading(
        self,
        free: Sequence[Source],
        allowance: PollingAllowance,
        reset_at: datetime,
        confirmed: Mapping[str, datetime],
    ) -> None:
        """Bring the first read forward to `READ_GAP` after the newest, if it would wait longer.

        Sources read together on a long pace would otherwise leave an hour or more without a
        read; the floor lets every call left go to it.
        """
        read = [source for source in free if source.key in self.last_read]
        if not read or allowance.left <= 0:
            return
        latest = max(self.last_read[source.key] for source in read) + READ_GAP
        if latest >= reset_at:
            return
        dues = [
            (due, source.key)
            for source in free
            if (due := self.due_at(source.key, confirmed.get(source.key))) is not None
        ]
        if len(dues) < len(free):
            return
        first_due, first = min(dues)
        if first_due > latest:
            self.moved[first] = latest

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

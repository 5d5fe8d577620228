"""What polling learned: how often each source changes, and how the hours of a day weigh.

How often a source changes is learned from what each of its reads reveals; people change things
when they are awake, so a day profile in the home's time zone weights the hours. Both decay, so
that they follow the household, and are kept across restarts (`learned_json`,
`restore_learned`): a damaged value is left to the prior, the others are kept.

No Home Assistant import: times are aware datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
import math
from typing import Any

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


def sane_rate(rate: float) -> float:
    """Return a rate within bounds; a rate that is no number counts as the lowest."""
    return min(MAX_RATE, max(MIN_RATE, _finite(rate, MIN_RATE)))


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
        prior = sane_rate(self.prior)
        return sane_rate(
            (self.changes + prior * PRIOR_HOURS) / (self.hours + PRIOR_HOURS)
        )

    def observe(self, changes: int, hours: float, elapsed: timedelta) -> None:
        """Count the changes a read revealed over `hours` (weighted) since the previous read."""
        changes = max(0, changes)
        hours = max(0.0, _finite(hours, 0.0))
        decay = 0.5 ** max(0.0, elapsed / HALF_LIFE)
        self.changes = self.changes * decay + changes
        self.hours = self.hours * decay + hours


def observe_read(
    day: DayProfile,
    rate: ChangeRate,
    changes: int,
    *,
    previous: datetime,
    at: datetime,
    zone: tzinfo,
) -> None:
    """Learn from a read at `at` the changes it revealed since the previous read."""
    pieces = hour_pieces(previous, at, zone)
    weights = day.weights
    hours = sum(
        seconds * (1.0 if hour is None else weights[hour]) for seconds, hour in pieces
    )
    rate.observe(changes, hours / _HOUR, at - previous)
    day.observe(changes, pieces, at)


def learned_json(day: DayProfile, rates: Mapping[str, ChangeRate]) -> dict[str, Any]:
    """Return what was learned, as JSON, so that a restart does not start from the prior."""
    decayed_at = day.decayed_at
    return {
        "version": LEARNED_VERSION,
        "rates": {key: [rate.changes, rate.hours] for key, rate in rates.items()},
        "hours": list(day.counts),
        "hours_at": None if decayed_at is None else decayed_at.isoformat(),
    }


def restore_learned(
    day: DayProfile, rates: MutableMapping[str, ChangeRate], data: Any
) -> int:
    """
    Take back what an earlier run learned; return how many values were unusable.

    Each rate and the hours are checked on their own: an unusable one is left to the prior,
    the others are kept. Sources read since keep what they learned.
    """
    if not isinstance(data, Mapping) or data.get("version") != LEARNED_VERSION:
        return 1
    kept = data.get("rates")
    if not isinstance(kept, Mapping):
        # Rates of the wrong type: every source starts from its prior.
        bad, kept = int(kept is not None), {}
    else:
        bad = 0
    for key, value in kept.items():
        pair = _learned_pair(value)
        if not isinstance(key, str) or pair is None:
            bad += 1
            continue
        rates.setdefault(key, ChangeRate(1.0, *pair))
    hours = data.get("hours")
    counts = (
        [_learned_number(count) for count in hours]
        if isinstance(hours, list) and len(hours) == len(DEFAULT_PROFILE)
        else None
    )
    if counts is None or any(count is None for count in counts):
        return bad + 1
    day.counts = [count or 0.0 for count in counts]
    day.decayed_at = _learned_time(data.get("hours_at"))
    day.reweigh()
    return bad

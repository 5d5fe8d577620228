"""Figures of a multi-day run, day by day: staleness, calls, blind time, the limit, the floor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import math

from .expected import Waits, day_waits, expected_mean, expected_quantile, pushed_waits
from .households import DAY, Device, Household, source_rates, usual_rates
from .limit import foreseen_staleness, limit_staleness, only
from .stats import mean, percentile
from .week import LIMIT, PUSH_DELAY, Layout, SideLog, WeekRun

# A read within this long after the quota resets counts as the reset's read.
RESET_READ = 5 * 60.0
HOUR = 3600.0


@dataclass(slots=True, kw_only=True)
class Family:
    """Staleness of one group of changes over one day: how many, mean and p95 seconds."""

    count: int
    mean: float | None
    p95: float | None


@dataclass(slots=True, kw_only=True)
class Expected:
    """The expected staleness of a side's reads under the day's true rates: mean and p95 s."""

    mean: float | None
    p95: float | None

    @classmethod
    def of(cls, waits: list[Waits]) -> Expected:
        """Return the figures of some waits."""
        return cls(mean=expected_mean(waits), p95=expected_quantile(waits, 0.95))


@dataclass(slots=True, kw_only=True)
class SideDay:
    """One side's day."""

    hc: Family
    thermostat: Family
    all: Family
    calls: int
    unused: int
    blind_minutes: float
    # Hours of the day (from the setup on) without any read of a plant or thermostat.
    hours_without_read: int
    # The first read after the day's start (its midnight), in seconds; None: none.
    reset_read: float | None


@dataclass(slots=True, kw_only=True)
class Day:
    """Both sides' day and the limit of its polled changes."""

    day: int
    ours: SideDay
    baseline: SideDay
    # Mean staleness of the changes ours polls for (push ones left out), and the limit.
    polled_mean: float | None
    polled_changes: int
    limit: float | None
    # What the best schedule that knew the household's usual day (not this one) would reach:
    # above the limit on a day unlike the usual (the day back from days away).
    foreseen: float | None
    # The same under the day's true rates, whatever the seed drew (`expected`): ours on the
    # sources it polls (judged against the limit), and both sides on all changes.
    expected_polled: float | None
    expected_ours: Expected
    expected_baseline: Expected
    refreshes: int
    zero_call_refreshes: int
    over_plan: int


def _family(values: Sequence[float]) -> Family:
    return Family(count=len(values), mean=mean(values), p95=percentile(values, 0.95))


def _side_day(
    log: SideLog, day: int, start: float, end: float, run_end: float
) -> SideDay:
    """Return one side's figures of a day."""
    low, high = day * DAY, (day + 1) * DAY
    values: dict[str, list[float]] = {"hc": [], "thermostat": [], "all": []}
    for item in log.seen:
        if not low <= item.change.at < high:
            continue
        wait = (item.seen_at if item.seen_at is not None else run_end) - item.change.at
        group = "thermostat" if item.change.family == "thermostat" else "hc"
        values[group].append(wait)
        values["all"].append(wait)
    calls = [at for at, _ in log.calls if low <= at < high]
    blind = 0.0
    if len(calls) >= LIMIT:
        blind = (min(high, end) - calls[LIMIT - 1]) / 60.0
    reads = [at for at, what in log.calls if what != "topology" and low <= at < high]
    first = max(low, start)
    # The hours judged are the whole ones that began while calls were left.
    last = int((min(high, end) - low) // HOUR)
    if len(calls) >= LIMIT:
        last = min(last, math.ceil((calls[LIMIT - 1] - low) / HOUR))
    hours = range(int((first - low) // HOUR), last)
    covered = {int((at - low) // HOUR) for at in reads}
    return SideDay(
        hc=_family(values["hc"]),
        thermostat=_family(values["thermostat"]),
        all=_family(values["all"]),
        calls=min(LIMIT, len(calls)),
        unused=max(0, LIMIT - len(calls)),
        blind_minutes=blind,
        hours_without_read=sum(1 for hour in hours if hour not in covered),
        reset_read=None if not reads or day == 0 else reads[0] - low,
    )


def day_figures(
    run: WeekRun,
    household: Household,
    found: Sequence[Device],
    layout: Layout,
    *,
    push: bool,
    start: float,
    days: int,
) -> list[Day]:
    """Return the figures of each day of a run."""
    polled = [*layout.plants, *([] if push else layout.thermostats)]
    result: list[Day] = []
    for day in range(days):
        low, high = day * DAY, (day + 1) * DAY
        ours = _side_day(run.ours, day, start, run.end, run.end)
        reads = sum(
            1 for at, what in run.ours.calls if what == "poll" and low <= at < high
        )
        every = source_rates(household, found, day)
        usual = only(usual_rates(household, found), polled)
        if day == 0:
            # The first day starts at the setup: only its hours count.
            skip = int(start // HOUR)
            every = {k: [0.0] * skip + list(v[skip:]) for k, v in every.items()}
            usual = {k: [0.0] * skip + list(v[skip:]) for k, v in usual.items()}
        rates = only(every, polled)
        pushed = {k: v for k, v in every.items() if k not in rates}
        ours_waits = day_waits(run.ours.reads, rates, low=low, end=run.end)
        waits = [
            (item.seen_at if item.seen_at is not None else run.end) - item.change.at
            for item in run.ours.seen
            if low <= item.change.at < high
            and (not push or item.change.family != "thermostat")
        ]
        refreshes = [r for r in run.ours.refreshes if low <= r.at < high]
        result.append(
            Day(
                day=day,
                ours=ours,
                baseline=_side_day(run.baseline, day, start, run.end, run.end),
                polled_mean=mean(waits),
                polled_changes=len(waits),
                limit=limit_staleness(rates, reads + ours.unused),
                foreseen=foreseen_staleness(usual, rates, reads + ours.unused),
                expected_polled=expected_mean(ours_waits),
                expected_ours=Expected.of(
                    ours_waits + pushed_waits(pushed, PUSH_DELAY)
                ),
                expected_baseline=Expected.of(
                    day_waits(run.baseline.reads, every, low=low, end=run.end)
                ),
                refreshes=len(refreshes),
                zero_call_refreshes=sum(
                    1 for r in refreshes if r.planned is not None and r.calls == 0
                ),
                over_plan=sum(
                    1
                    for r in refreshes
                    if r.planned is not None and r.calls > r.planned
                ),
            )
        )
    return result

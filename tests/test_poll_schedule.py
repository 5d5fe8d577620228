"""Tests for the polling schedule: reads over days in a zone, the floor kept, the calls spent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
import itertools
import math
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings, strategies as st

from custom_components.legrand_eliot.eliot import PollingAllowance, QuotaBudget
from custom_components.legrand_eliot.poll_schedule import PollSchedule, Source

from .polling import busy_and_quiet

ROME = ZoneInfo("Europe/Rome")
HOUR = timedelta(hours=1)


def test_night_reads_are_fewer_than_day_reads() -> None:
    """Over a day in the home's time zone, a plant is read less at night than in the evening."""
    budget_day = datetime(2026, 11, 25, tzinfo=ROME)
    schedule = PollSchedule(zone=ROME)
    reads = _simulate(
        schedule,
        [Source("plant", 1, rate=1.0), Source("thermostat", 1, rate=0.05)],
        QuotaBudget(daily_limit=500, time_zone=ROME, clock=lambda: budget_day),
        budget_day.astimezone(UTC) + timedelta(minutes=15),
    )
    local_hours = [
        moment.astimezone(ROME).hour for key, moment in reads if key == "plant"
    ]
    night = sum(1 for hour in local_hours if 1 <= hour < 5)
    evening = sum(1 for hour in local_hours if 18 <= hour < 22)
    # Before anything is learned the guess is mild: fewer reads at night, never starved.
    assert 1.2 * night < evening < 2 * night
    assert night >= 4


def test_learned_changes_make_a_plant_read_more_often() -> None:
    """A plant whose reads reveal many changes is read more often than one that reveals none."""
    start = datetime(2026, 11, 25, 8, tzinfo=UTC)
    schedule = busy_and_quiet(start, reads=19)
    busy = schedule.rates["busy"].rate
    quiet = schedule.rates["quiet"].rate
    assert busy > 5 * quiet
    now = start + timedelta(hours=4)
    schedule.plan(
        [Source("busy", 1, busy), Source("quiet", 1, quiet)],
        PollingAllowance(seconds=16 * 3600, left=300, spendable=200),
        now,
        now + timedelta(hours=16),
    )
    assert schedule.intervals["busy"] < schedule.intervals["quiet"]


def _simulate(
    schedule: PollSchedule,
    sources: list[Source],
    budget: QuotaBudget,
    start: datetime,
) -> list[tuple[str, datetime]]:
    """Run the schedule from start to the budget's reset as the coordinator does; return reads.

    Every source was read at start (the first refresh, not counted); the plan follows.
    """
    moment = start
    budget.clock = lambda: moment
    end = budget.reset_at
    reads: list[tuple[str, datetime]] = []
    for source in sources:
        schedule.read(source.key, moment, None, prior=source.rate)
    schedule.plan(sources, budget.polling_allowance(), moment, end)
    while moment < end:
        for source in sources:
            if schedule.is_due(source.key, moment):
                budget.check(command=False)
                budget.charge()
                schedule.read(source.key, moment, 0, prior=source.rate)
                reads.append((source.key, moment))
        if moment >= end:
            break
        schedule.plan(sources, budget.polling_allowance(), moment, end)
        first = min(schedule.due_at(source.key) or moment for source in sources)
        moment = max(moment + timedelta(seconds=10), first)
    return reads


ZONES: list[tzinfo] = [
    UTC,
    ROME,
    ZoneInfo("America/Los_Angeles"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Asia/Kathmandu"),
    timezone(timedelta(hours=-11, minutes=-30)),
]
RATES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=50),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    day=st.sampled_from(
        [
            datetime(2026, 3, 29),
            datetime(2026, 10, 25),
            datetime(2026, 11, 25),
            datetime(2026, 4, 5),
        ]
    ),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
    limit=st.integers(min_value=1, max_value=150),
    used=st.integers(min_value=0, max_value=150),
    rates=st.lists(RATES, min_size=1, max_size=4),
    covered=st.lists(st.booleans(), min_size=5, max_size=5),
)
# Just enough calls for the hourly floor: the margin once held back the last round's reads.
@example(
    zone=UTC,
    day=datetime(2026, 3, 29),
    minute=495,
    limit=71,
    used=0,
    rates=[0.0, 0.0, 0.0, 0.0],
    covered=[False] * 5,
)
def test_the_schedule_never_spends_more_than_is_left_and_keeps_the_floor(
    zone: tzinfo,
    day: datetime,
    minute: int,
    limit: int,
    used: int,
    rates: list[float],
    covered: list[bool],
) -> None:
    """Whatever the rates, the zone or the day, reads until the reset fit what was left.

    While what is left allows one read of each source an hour, no source waits longer (give
    or take the few minutes a read's early batching shifts the plan).
    """
    start = day.replace(tzinfo=zone).astimezone(UTC) + timedelta(minutes=minute)
    budget = QuotaBudget(daily_limit=limit, time_zone=zone, clock=lambda: start)
    budget.charge(min(used, limit))
    left = budget.calls_left
    sources = [
        Source(f"s{i}", 1, rate, covered=covered[i]) for i, rate in enumerate(rates)
    ]
    hours = (budget.reset_at - start) / HOUR
    reads = _simulate(PollSchedule(zone=zone), sources, budget, start)
    assert len(reads) <= left
    if left >= len(sources) * (math.ceil(hours) + 1):
        for source in sources:
            moments = [start] + [m for key, m in reads if key == source.key]
            moments.append(budget.reset_at)
            gaps = [b - a for a, b in itertools.pairwise(moments)]
            assert max(gaps) <= HOUR + timedelta(minutes=5)


def _run_days(
    sources: list[Source],
    limit: int,
    start: datetime,
    end: datetime,
    restart: datetime | None = None,
) -> tuple[QuotaBudget, list[tuple[str, datetime]]]:
    """Run the schedule over days as the coordinator does (a refresh at the first one due).

    At `restart`, Home Assistant restarts: what was learned comes back, when each source was
    read does not, so the next refresh, at once, reads every source.
    """
    moment = start
    budget = QuotaBudget(daily_limit=limit, time_zone=UTC, clock=lambda: moment)
    schedule = PollSchedule(zone=UTC)
    reads: list[tuple[str, datetime]] = []
    while moment < end:
        if restart is not None and moment >= restart:
            learned = schedule.learned()
            schedule = PollSchedule(zone=UTC)
            schedule.restore_learned(learned)
            moment, restart = restart, None
        for source in sources:
            if budget.calls_left and schedule.is_due(source.key, moment):
                budget.charge()
                schedule.read(source.key, moment, 0, prior=source.rate)
                reads.append((source.key, moment))
        if not budget.calls_left:
            moment = budget.reset_at
            continue
        schedule.plan(sources, budget.polling_allowance(), moment, budget.reset_at)
        first = min(schedule.due_at(source.key) or moment for source in sources)
        moment = max(moment + timedelta(seconds=60), first)
    return budget, reads


# A large account: ten busy plants and ten quiet thermostats; 400 calls do not pay one read an
# hour of each.
LARGE = [Source(f"plant{i}", 1, rate=8.0) for i in range(10)] + [
    Source(f"thermostat{i}", 1, rate=0.04) for i in range(10)
]
DAY_ONE = datetime(2026, 11, 25, 0, 15, tzinfo=UTC)
DAY_TWO = datetime(2026, 11, 26, tzinfo=UTC)


def test_every_hour_keeps_reads_when_the_day_cannot_pay_the_floor() -> None:
    """Sources read together at setup are spread: no hour goes without reads, none is a burst."""
    _, reads = _run_days(LARGE, 400, DAY_ONE, DAY_TWO)
    per_hour = [0] * 24
    for _, moment in reads:
        per_hour[moment.hour] += 1
    # About 400 reads over 24 hours, fewer at night: at least 5 in every hour, no burst.
    assert min(per_hour) >= 5, per_hour
    assert max(per_hour) <= 80, per_hour
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(reads)]
    assert max(gaps) <= timedelta(minutes=45)


def test_the_day_calls_are_spent_before_the_reset() -> None:
    """At most 2 % of the day's calls are left at the reset, spent in its last hours."""
    _, reads = _run_days(LARGE, 400, DAY_ONE, DAY_TWO - timedelta(seconds=1))
    assert len(reads) <= 400
    assert len(reads) >= 400 * 0.98
    last_hour = [m for _, m in reads if m >= DAY_TWO - HOUR]
    assert last_hour
    assert max(last_hour) >= DAY_TWO - timedelta(minutes=20)


def test_a_source_is_read_just_after_the_reset() -> None:
    """Whatever was spent the day before, a read comes within minutes of the reset."""
    for limit in (60, 400, 1000):
        _, reads = _run_days(LARGE, limit, DAY_ONE, DAY_TWO + 2 * HOUR)
        after = [m for _, m in reads if m >= DAY_TWO]
        assert after, limit
        assert min(after) <= DAY_TWO + timedelta(minutes=2), limit


def test_no_hour_goes_without_a_read_after_a_late_restart() -> None:
    """Restarted at 21:35 with few calls left, every source is read at once.

    Then the reads that are left keep coming at least hourly (they used to wait for the
    reset), and the day's calls are still spent.
    """
    restart = DAY_ONE.replace(hour=21, minute=35)
    _, reads = _run_days(LARGE, 400, DAY_ONE, DAY_TWO - timedelta(seconds=1), restart)
    after = [m for _, m in reads if m >= restart]
    assert after.count(restart) == len(LARGE)
    gaps = [b - a for a, b in itertools.pairwise([*after, DAY_TWO])]
    assert max(gaps) <= HOUR + timedelta(minutes=1), gaps
    assert len(reads) >= 400 * 0.98


def test_the_last_calls_go_to_plants_when_push_confirmed_the_thermostats() -> None:
    """Twenty minutes before the reset, 10 calls left: a pushed thermostat is not due again.

    Eight thermostats were read 25 minutes ago, so their half-hourly reconciliation would fall
    before the reset, but push confirmed each a minute ago: they fall due after it. The calls
    left go to the six plants instead of being left unused at the reset.
    """
    reset = DAY_TWO
    now = reset - timedelta(minutes=20)
    schedule = PollSchedule(zone=UTC)
    plants = [Source(f"plant{n}", 1, 0.1) for n in range(6)]
    thermostats = [Source(f"th{n}", 1, 0.05, covered=True) for n in range(8)]
    for source in plants:
        schedule.read(source.key, now - timedelta(minutes=10), None, prior=0.1)
    for source in thermostats:
        schedule.read(source.key, now - timedelta(minutes=25), None, prior=0.05)
    confirmed = {source.key: now - timedelta(minutes=1) for source in thermostats}
    allowance = PollingAllowance(seconds=1200, left=10, spendable=10)
    schedule.plan([*plants, *thermostats], allowance, now, reset, confirmed)

    def before_reset(sources: list[Source]) -> int:
        return sum(
            1
            for source in sources
            if (due := schedule.due_at(source.key, confirmed.get(source.key)))
            is not None
            and due < reset
        )

    assert before_reset(thermostats) == 0
    assert before_reset(plants) == 6

"""Tests for the polling schedule: the square-root rule, the day profile, the floor, the budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
import itertools
import math
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings, strategies as st

from custom_components.legrand_eliot.eliot import PollingAllowance, QuotaBudget
from custom_components.legrand_eliot.poll_schedule import (
    DEFAULT_PROFILE,
    RECONCILE_INTERVAL,
    STRETCH,
    ChangeRate,
    DayProfile,
    PollSchedule,
    Source,
    allocate,
    day_pieces,
    hour_pieces,
    sane_profile,
)

ROME = ZoneInfo("Europe/Rome")
HOUR = timedelta(hours=1)


def _allowance(spendable: float, left: int, hours: float = 24.0) -> PollingAllowance:
    """Return an allowance of some calls until a reset some hours away."""
    return PollingAllowance(seconds=hours * 3600, left=left, spendable=spendable)


def _flat(hours: float = 24.0) -> list[tuple[float, float]]:
    """Return a horizon where every hour weighs the same."""
    return [(hours * 3600, 1.0)]


def test_a_busy_plant_is_read_more_often_than_a_quiet_thermostat() -> None:
    """The square-root rule: intervals go as sqrt(cost / rate), a rate 4x higher reads 2x more."""
    plant = Source("plant", 1, rate=4 / 24)
    thermostat = Source("thermostat", 1, rate=1 / 24)
    allocation = allocate([plant, thermostat], _allowance(300, 400), _flat())
    fast = allocation.intervals["plant"]
    slow = allocation.intervals["thermostat"]
    assert fast < slow
    assert math.isclose(slow / fast, 2.0, rel_tol=1e-3)
    # The whole allowance is spent: 300 calls over the day.
    assert math.isclose(allocation.planned_calls, 300, rel_tol=1e-3)


def test_every_source_is_read_at_least_hourly() -> None:
    """A source that never changes is still read once an hour while the calls allow it."""
    sources = [Source("busy", 1, rate=100.0), Source("still", 1, rate=0.0)]
    allocation = allocate(sources, _allowance(80, 100), _flat())
    assert allocation.intervals["still"] == HOUR
    assert allocation.intervals["busy"] < HOUR


def test_a_quiet_source_stays_within_a_few_even_shares() -> None:
    """With calls to spare, a quiet source waits at most 2.5x the even share.

    Its rate may have been learned too low: it is still read within a few even intervals.
    """
    sources = [Source("busy", 1, rate=100.0), Source("still", 1, rate=0.0)]
    allocation = allocate(sources, _allowance(300, 400), _flat())
    even = 24 * 3600 * 2 / 400
    assert allocation.intervals["still"] == timedelta(seconds=STRETCH * even)
    assert allocation.intervals["busy"] < timedelta(seconds=even)


def test_without_calls_for_the_floor_the_busy_sources_still_come_first() -> None:
    """When one read an hour of each source is more than what is left, all is spent.

    The square-root rule still reads the busy sources more often, and none waits beyond 2.5x
    the even share. Half a read of each source is kept as a margin.
    """
    sources = [Source(str(i), 1, rate=i + 1.0) for i in range(20)]
    allocation = allocate(sources, _allowance(300, 400), _flat())
    intervals = [allocation.intervals[str(i)] for i in range(20)]
    assert intervals == sorted(intervals, reverse=True)
    assert intervals[0] > 2 * intervals[-1]
    even = 24 * 3600 * 20 / (400 - 10)
    assert max(intervals) <= timedelta(seconds=STRETCH * even)
    assert math.isclose(allocation.planned_calls, 390, rel_tol=1e-3)


def test_push_covered_thermostats_are_reconciled_first() -> None:
    """Covered thermostats cost their reconciliation reads; the rest goes to the plant."""
    sources = [
        Source("plant", 1, rate=1.0),
        Source("living", 1, rate=5.0, covered=True),
        Source("bedroom", 1, rate=5.0, covered=True),
    ]
    allocation = allocate(sources, _allowance(300, 400), _flat())
    assert allocation.intervals["living"] == RECONCILE_INTERVAL
    assert allocation.intervals["bedroom"] == RECONCILE_INTERVAL
    # 2 x 48 reconciliation reads, the plant has the other 204.
    assert math.isclose(
        allocation.intervals["plant"].total_seconds(), 86400 / 204, rel_tol=1e-3
    )


def test_reconciliation_yields_when_the_day_cannot_afford_it() -> None:
    """Many covered thermostats on a small budget: no source is left below the floor's pace."""
    sources = [Source(f"t{i}", 1, rate=1.0, covered=True) for i in range(10)]
    sources += [Source(f"p{i}", 1, rate=10.0) for i in range(5)]
    allocation = allocate(sources, _allowance(300, 400), _flat())
    assert allocation.planned_calls <= 400 + 1e-6
    assert all(
        interval >= RECONCILE_INTERVAL for interval in allocation.intervals.values()
    )


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
    schedule = PollSchedule(zone=UTC)
    start = datetime(2026, 11, 25, 8, tzinfo=UTC)
    for step in range(1, 20):
        moment = start + step * timedelta(minutes=10)
        schedule.read("busy", moment, 3, prior=0.5)
        schedule.read("quiet", moment, 0, prior=0.5)
    busy = schedule.rates["busy"].rate
    quiet = schedule.rates["quiet"].rate
    assert busy > 5 * quiet
    now = start + timedelta(hours=4)
    schedule.plan(
        [Source("busy", 1, busy), Source("quiet", 1, quiet)],
        _allowance(200, 300, hours=16),
        now,
        now + timedelta(hours=16),
    )
    assert schedule.intervals["busy"] < schedule.intervals["quiet"]


def test_old_observations_fade() -> None:
    """Changes seen long ago weigh less than what is seen now: the estimate follows the home."""
    rate = ChangeRate(prior=0.1)
    rate.observe(30, 10.0, timedelta(hours=10))
    busy = rate.rate
    rate.observe(0, 10.0, timedelta(days=8))
    assert rate.rate < busy / 10


def test_the_day_profile_learns_the_household_hours_within_days() -> None:
    """A household busy at 14:00 is learned within days, and a new habit too.

    The prior counts as one day of the household's changes (24 here): one day already moves the
    hour, more days make it the household's own, three days of another habit win.
    """
    profile = DayProfile(prior_changes=24.0)
    day = datetime(2026, 11, 2, tzinfo=UTC)

    def live(hour: int, days: range) -> None:
        for index in days:
            moment = day + timedelta(days=index, hours=hour)
            pieces = hour_pieces(moment, moment + timedelta(minutes=10), UTC)
            profile.observe(24, pieces, moment + timedelta(minutes=10))

    live(14, range(1))
    one_day = profile.weights[14]
    assert one_day > 2 * DEFAULT_PROFILE[14]
    # The other hours keep a weight: a night change is still seen soon.
    assert min(profile.weights) >= 0.1
    live(14, range(1, 3))
    assert profile.weights[14] > one_day
    assert profile.weights[14] > profile.weights[8]
    assert min(profile.weights) > 0
    assert math.isclose(sum(profile.weights) / 24, 1.0)
    # The household moves its habit to 02:00: three days later that hour leads.
    live(2, range(3, 6))
    assert profile.weights[2] > profile.weights[14]
    # Nothing to learn from: no change, or no time.
    before = profile.weights
    moment = day + timedelta(days=6)
    profile.observe(0, hour_pieces(moment, moment + HOUR, UTC), moment)
    profile.observe(5, [], moment)
    assert profile.weights == before


def test_garbage_profiles_give_the_default() -> None:
    """A profile of the wrong length or of no weight at all is not used."""
    assert sane_profile(None) == DEFAULT_PROFILE
    assert sane_profile([1.0] * 5) == DEFAULT_PROFILE
    assert sane_profile([0.0] * 24) == DEFAULT_PROFILE
    flat = sane_profile([float("nan")] * 23 + [1.0])
    assert math.isclose(sum(flat) / 24, 1.0)
    assert min(flat) > 0


def test_a_dst_day_is_cut_in_local_hours() -> None:
    """The day the clocks go back has 25 local hours: the pieces cover it, and end on time."""
    start = datetime(2026, 10, 25, tzinfo=ROME).astimezone(UTC)
    end = datetime(2026, 10, 26, tzinfo=ROME).astimezone(UTC)
    pieces = day_pieces(start, end, ROME, DEFAULT_PROFILE)
    assert len(pieces) == 25
    assert math.isclose(sum(seconds for seconds, _ in pieces), 25 * 3600)


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


def _learned_schedule() -> PollSchedule:
    """Return a schedule that learned a busy plant, a quiet one and an afternoon household."""
    schedule = PollSchedule(zone=UTC)
    start = datetime(2026, 11, 25, 14, tzinfo=UTC)
    for step in range(1, 30):
        moment = start + step * timedelta(minutes=10)
        schedule.read("busy", moment, 3, prior=0.5)
        schedule.read("quiet", moment, 0, prior=0.5)
    return schedule


def test_what_was_learned_comes_back_after_a_restart() -> None:
    """A new schedule given what an earlier one learned rates and weighs exactly like it."""
    learned = _learned_schedule()
    restarted = PollSchedule(zone=UTC)

    assert restarted.restore_learned(learned.learned()) == 0

    for key in ("busy", "quiet"):
        assert restarted.rate_of(key, 0.5).rate == learned.rates[key].rate
    assert restarted.day.weights == learned.day.weights
    assert restarted.day.weights != DEFAULT_PROFILE
    assert restarted.day.decayed_at == learned.day.decayed_at


def test_an_unusable_kept_value_leaves_the_others_learned() -> None:
    """A damaged rate falls back to its prior alone; damaged hours leave the default profile."""
    kept = _learned_schedule().learned()
    kept["rates"]["quiet"] = ["many", 1.0]
    kept["rates"][""] = [1.0, -1.0]
    restarted = PollSchedule(zone=UTC)

    assert restarted.restore_learned(kept) == 2
    assert restarted.rate_of("busy", 0.5).rate > 0.5
    assert restarted.rate_of("quiet", 0.5).rate == ChangeRate(0.5).rate
    assert restarted.day.weights != DEFAULT_PROFILE

    kept["hours"] = [1.0] * 23
    assert PollSchedule(zone=UTC).restore_learned(kept) == 3
    # Rates that are not a table at all are one unusable value: every source starts afresh.
    kept["rates"] = 5
    assert PollSchedule(zone=UTC).restore_learned(kept) == 2
    assert PollSchedule(zone=UTC).restore_learned({"version": 2}) == 1


@settings(max_examples=200, deadline=None)
@given(
    kept=st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=25)
            | st.dictionaries(
                st.sampled_from(["version", "rates", "hours", "hours_at", "busy", "x"]),
                inner,
                max_size=5,
            )
        ),
        max_leaves=60,
    )
)
def test_any_damage_to_what_was_kept_is_caught(kept: object) -> None:
    """Whatever the store holds, restoring never raises and leaves every weight sane."""
    schedule = PollSchedule(zone=UTC)
    schedule.restore_learned(kept)
    schedule.restore_learned({"version": 1, "rates": kept, "hours": kept})
    assert len(schedule.day.weights) == 24
    assert all(math.isfinite(w) and w > 0 for w in schedule.day.weights)
    assert all(
        math.isfinite(rate.rate) and rate.rate > 0 for rate in schedule.rates.values()
    )


def _run_days(
    sources: list[Source], limit: int, start: datetime, end: datetime
) -> tuple[QuotaBudget, list[tuple[str, datetime]]]:
    """Run the schedule over days as the coordinator does (a refresh at the first one due)."""
    moment = start
    budget = QuotaBudget(daily_limit=limit, time_zone=UTC, clock=lambda: moment)
    schedule = PollSchedule(zone=UTC)
    reads: list[tuple[str, datetime]] = []
    while moment < end:
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

"""The daily budget: counting, resets, pauses, persistence and the refresh interval."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
import json
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.legrand_eliot.eliot import (
    EliotInvalidValueError,
    PollingAllowance,
    QuotaBudget,
)
from custom_components.legrand_eliot.eliot.const import DEFAULT_RESERVE_FRACTION
from custom_components.legrand_eliot.eliot.parsing import ParseError

from .conftest import NOON, FakeClock

PARIS = ZoneInfo("Europe/Paris")


def spent(budget: QuotaBudget, calls: int) -> QuotaBudget:
    """Charge a number of calls and return the budget."""
    budget.charge(calls)
    return budget


@pytest.mark.parametrize("limit", [0, -5, 2.5, True, "500"])
def test_limit_must_be_a_positive_whole_number(clock: FakeClock, limit: Any) -> None:
    """A nonsense limit is refused when the budget is built."""
    with pytest.raises(EliotInvalidValueError):
        QuotaBudget(daily_limit=limit, clock=clock)


def test_count_resets_at_local_midnight(clock: FakeClock) -> None:
    """In Paris the day ends at 23:00 UTC in winter; the count starts again after it."""
    budget = spent(QuotaBudget(time_zone=PARIS, clock=clock), 120)

    assert budget.reset_at == datetime(2026, 11, 26, 0, 0, tzinfo=PARIS)
    clock.moment = datetime(2026, 11, 25, 22, 59, tzinfo=UTC)
    assert (budget.calls_used, budget.calls_left) == (120, 380)
    clock.moment = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    assert (budget.calls_used, budget.calls_left) == (0, 500)
    assert budget.reset_at == datetime(2026, 11, 27, 0, 0, tzinfo=PARIS)


def test_reset_on_a_daylight_saving_day(clock: FakeClock) -> None:
    """The day the clocks go back has 25 hours; the reset stays at local midnight."""
    clock.moment = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
    budget = QuotaBudget(time_zone=PARIS, clock=clock)

    assert budget.reset_at == datetime(2026, 10, 26, 0, 0, tzinfo=PARIS)
    assert budget.reset_at.astimezone(UTC) == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_daily_pause_corrects_the_reset_moment(clock: FakeClock) -> None:
    """The gateway's countdown becomes the reset moment, kept day after day."""
    budget = spent(QuotaBudget(clock=clock), 10)

    budget.pause(NOON + timedelta(hours=13), daily=True)

    assert budget.is_paused
    assert budget.paused_daily
    assert budget.calls_left == 0
    assert budget.reset_at == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    clock.moment = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert budget.calls_left == 500
    assert budget.paused_until is None
    assert budget.reset_at == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def test_long_pause_does_not_move_the_reset(clock: FakeClock) -> None:
    """A block longer than a day is a pause, not a new reset time."""
    budget = QuotaBudget(clock=clock)

    budget.pause(NOON + timedelta(days=2), daily=True)

    assert budget.reset_at == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    assert budget.paused_until == NOON + timedelta(days=2)


def test_rate_limit_pause_keeps_the_count(clock: FakeClock) -> None:
    """A short rate limit pauses calls but leaves the day's count alone."""
    budget = spent(QuotaBudget(clock=clock), 7)

    budget.pause(NOON + timedelta(seconds=30), daily=False)
    budget.pause(NOON + timedelta(seconds=10), daily=False)

    assert budget.paused_until == NOON + timedelta(seconds=30)
    assert budget.calls_used == 7
    assert not budget.paused_daily
    clock.advance(seconds=30)
    assert not budget.is_paused


def test_a_pause_in_the_past_is_ignored(clock: FakeClock) -> None:
    """A resume moment already gone changes nothing."""
    budget = QuotaBudget(clock=clock)

    budget.pause(NOON - timedelta(seconds=1), daily=True)

    assert not budget.is_paused
    assert budget.calls_left == 500


def test_snapshot_survives_json_and_a_restart(clock: FakeClock) -> None:
    """A restored snapshot remembers the count, the learned reset and a pause."""
    budget = spent(QuotaBudget(time_zone=PARIS, clock=clock), 42)
    budget.pause(NOON + timedelta(hours=1), daily=False)

    stored = json.loads(json.dumps(budget.snapshot()))
    restored = QuotaBudget(time_zone=PARIS, clock=clock)

    restored.restore(stored)
    assert restored.calls_used == 42
    assert restored.reset_at == budget.reset_at
    assert restored.paused_until == NOON + timedelta(hours=1)


def test_snapshot_of_a_past_day_keeps_only_the_reset_time(clock: FakeClock) -> None:
    """After a restart on a later day the count starts from zero."""
    budget = spent(QuotaBudget(clock=clock), 300)
    budget.pause(NOON + timedelta(hours=13), daily=True)
    stored = budget.snapshot()

    clock.moment = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    restored = QuotaBudget(clock=clock)
    restored.restore(stored)

    assert restored.calls_used == 0
    assert not restored.is_paused
    # The learned 01:00 reset is kept.
    assert restored.reset_at == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "stored",
    [
        {},
        {"used": "many", "reset_at": "2026-11-26T00:00:00+00:00"},
        {"used": -1, "reset_at": "2026-11-26T00:00:00+00:00"},
        {"used": 3, "reset_at": "tomorrow"},
        {"used": 3, "reset_at": "2026-11-26T00:00:00"},
        {"used": 3, "reset_at": 12},
        {"used": 3, "reset_at": "2026-11-26T00:00:00+00:00", "paused_until": "later"},
        {"used": True, "reset_at": "2026-11-26T00:00:00+00:00"},
    ],
)
def test_damaged_snapshots_are_refused_whole(
    clock: FakeClock, stored: dict[str, Any]
) -> None:
    """A damaged snapshot raises the parse error and changes nothing."""
    budget = spent(QuotaBudget(clock=clock), 5)

    with pytest.raises(ParseError):
        budget.restore(stored)
    assert budget.calls_used == 5


def test_restore_does_not_accept_a_non_mapping(clock: FakeClock) -> None:
    """Storage that holds a list instead of an object is refused."""
    with pytest.raises(ParseError):
        QuotaBudget(clock=clock).restore([1, 2, 3])  # type: ignore[arg-type]


def test_naive_clock_is_read_as_utc() -> None:
    """A clock without a zone is taken as UTC rather than crashing comparisons."""
    budget = QuotaBudget(clock=lambda: datetime(2026, 11, 25, 12, 0))

    assert budget.now() == NOON
    assert budget.reset_at == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)


PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    "stored",
    [
        # A reset a year ahead would space refreshes days apart.
        {"used": 3, "reset_at": "2027-11-26T00:00:00+00:00"},
        # Year 9999: out of range once moved to the home's zone.
        {"used": 3, "reset_at": "9999-12-31T23:30:00+00:00"},
        {"used": 3, "reset_at": "0001-01-01T00:00:00+05:00"},
        # A pause that never ends would retry setup forever.
        {
            "used": 3,
            "reset_at": "2026-11-26T00:00:00+00:00",
            "paused_until": "9999-12-31T23:59:59+00:00",
        },
        {"used": 3, "reset_at": "2026-11-26T00:00:00+00:00", "paused_daily": "yes"},
        {"used": 3, "reset_at": "2026-11-26T00:00:00+00:00", "reset_learned": 1},
        {"used": 3.5, "reset_at": "2026-11-26T00:00:00+00:00"},
        # A snapshot of another version, whatever its fields say.
        {"version": 2, "used": 3, "reset_at": "2026-11-26T00:00:00+00:00"},
    ],
)
def test_implausible_snapshots_are_refused_whole(
    clock: FakeClock, stored: dict[str, Any]
) -> None:
    """A snapshot that cannot be true is refused: the budget starts afresh."""
    budget = QuotaBudget(time_zone=PARIS, clock=clock)

    with pytest.raises(ParseError):
        budget.restore(stored)

    assert not budget.is_paused
    assert budget.calls_used == 0
    assert budget.reset_at == datetime(2026, 11, 26, 0, 0, tzinfo=PARIS)


_MOMENTS = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, PARIS, PACIFIC]),
    ).map(datetime.isoformat),
    st.text(max_size=30),
    st.integers(),
)
_SNAPSHOTS = st.fixed_dictionaries(
    {},
    optional={
        "version": st.integers(),
        "used": st.one_of(st.integers(), st.floats(), st.booleans(), st.text()),
        "reset_at": _MOMENTS,
        "paused_until": _MOMENTS,
        "paused_daily": st.one_of(st.booleans(), st.none(), st.integers()),
        "reset_learned": st.one_of(st.booleans(), st.none(), st.integers()),
    },
)


@settings(max_examples=300, deadline=None)
@given(stored=_SNAPSHOTS, zone=st.sampled_from([UTC, PARIS, PACIFIC]))
def test_restore_raises_only_parse_errors_and_keeps_the_budget_plausible(
    stored: dict[str, Any], zone: ZoneInfo
) -> None:
    """Whatever storage holds, restoring raises nothing else and plans no further than a day."""
    budget = QuotaBudget(time_zone=zone, clock=lambda: NOON)

    with contextlib.suppress(ParseError):
        budget.restore(stored)

    limit = timedelta(days=1, hours=1)
    assert budget.reset_at - NOON <= limit
    assert budget.paused_until is None or budget.paused_until - NOON <= limit
    assert 0 <= budget.calls_left <= budget.daily_limit


def test_learned_reset_holds_across_daylight_saving(clock: FakeClock) -> None:
    """A reset learned from the gateway (UTC midnight) stays there when Pacific time shifts."""
    clock.moment = datetime(2026, 10, 30, 20, 0, tzinfo=UTC)
    budget = QuotaBudget(time_zone=PACIFIC, clock=clock)
    # Home Assistant's guess: Pacific midnight, 07:00 UTC in summer time.
    assert budget.reset_at == datetime(2026, 10, 31, 7, 0, tzinfo=UTC)

    budget.pause(datetime(2026, 10, 31, 0, 0, tzinfo=UTC), daily=True)
    assert budget.reset_at == datetime(2026, 10, 31, 0, 0, tzinfo=UTC)

    # Summer time ends on 1 November in the US: the learned reset stays at 00:00 UTC.
    for day in (1, 2, 3, 4):
        clock.moment = datetime(2026, 11, day, 0, 0, 1, tzinfo=UTC)
        budget.charge()
        assert budget.calls_used == 1
        assert budget.reset_at == datetime(2026, 11, day + 1, 0, 0, tzinfo=UTC)

    stored = json.loads(json.dumps(budget.snapshot()))
    restored = QuotaBudget(time_zone=PACIFIC, clock=clock)
    restored.restore(stored)
    assert restored.reset_at == datetime(2026, 11, 5, 0, 0, tzinfo=UTC)


def test_polling_allowance_holds_calls_back_and_spreads_what_is_left() -> None:
    """Held-back calls leave fewer to spend; what is left spread evenly gives the pace."""
    allowance = PollingAllowance(seconds=3600.0, left=10, spendable=8.0)
    assert allowance.even_interval(2) == 720.0
    assert allowance.holding_back(1) == PollingAllowance(3600.0, 9, 8.0)
    assert allowance.holding_back(4) == PollingAllowance(3600.0, 6, 6.0)
    assert allowance.holding_back(12) == PollingAllowance(3600.0, -2, 0.0)
    # Nothing left: the next read lies beyond the reset.
    assert PollingAllowance(3600.0, 0, 0.0).even_interval(2) == 3601.0


def test_a_call_outside_the_schedule_is_spared_only_from_beyond_the_reserve(
    clock: FakeClock,
) -> None:
    """A confirmation read goes while the commands' reserve stays whole, never in a pause."""
    budget = QuotaBudget(daily_limit=500, clock=clock)
    reserve = int(500 * DEFAULT_RESERVE_FRACTION)
    spent(budget, 500 - reserve - 1)
    assert budget.can_spare_call()
    spent(budget, 1)
    assert not budget.can_spare_call()
    fresh = QuotaBudget(daily_limit=500, clock=clock)
    fresh.pause(NOON + timedelta(minutes=5), daily=False)
    assert not fresh.can_spare_call()


def test_calls_beyond_the_floor_are_what_commands_may_still_spend(
    clock: FakeClock,
) -> None:
    """What may go outside the schedule is what is left once the polling floor is kept."""
    budget = QuotaBudget(daily_limit=500, clock=clock)
    budget.floor_calls_per_hour = 4
    floor = budget.polling_floor()
    assert budget.calls_beyond_floor() == 500 - floor
    spent(budget, 500 - floor)
    assert budget.calls_beyond_floor() == 0
    assert not budget.commands_allowed()

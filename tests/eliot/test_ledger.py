"""The call ledger: today's calls by hour and family, the calls held back, the last refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.legrand_eliot.eliot import (
    EliotCommandBudgetError,
    EliotQuotaExceededError,
    QuotaBudget,
)
from custom_components.legrand_eliot.eliot.const import (
    HC_MODULE,
    HC_PLANT_STATUS,
    HC_PLANTS,
    HC_SCENE,
    HC_SCENES,
    HC_TOPOLOGY,
    SMARTHER_MEASURES,
    SMARTHER_PLANTS,
    SMARTHER_PROGRAMS,
    SMARTHER_SUBSCRIBE,
    SMARTHER_SUBSCRIPTIONS,
    SMARTHER_THERMOSTAT,
    SMARTHER_TOPOLOGY,
    SMARTHER_UNSUBSCRIBE,
)
from custom_components.legrand_eliot.eliot.ledger import (
    CallFamily,
    CallLedger,
    Refusal,
    family_of,
)

from .conftest import NOON, FakeClock

ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("method", "route", "family"),
    [
        ("GET", HC_PLANTS, CallFamily.PLANTS),
        ("GET", SMARTHER_PLANTS, CallFamily.PLANTS),
        ("GET", HC_TOPOLOGY, CallFamily.TOPOLOGY),
        ("GET", HC_SCENES, CallFamily.TOPOLOGY),
        ("GET", SMARTHER_TOPOLOGY, CallFamily.TOPOLOGY),
        ("GET", SMARTHER_PROGRAMS, CallFamily.TOPOLOGY),
        ("GET", HC_PLANT_STATUS, CallFamily.HOME_CONTROL_STATUS),
        ("GET", HC_MODULE, CallFamily.HOME_CONTROL_STATUS),
        ("GET", SMARTHER_THERMOSTAT, CallFamily.THERMOSTAT_STATUS),
        ("GET", SMARTHER_MEASURES, CallFamily.THERMOSTAT_STATUS),
        ("POST", HC_MODULE, CallFamily.COMMAND),
        ("POST", HC_SCENE, CallFamily.COMMAND),
        ("POST", SMARTHER_THERMOSTAT, CallFamily.COMMAND),
        ("GET", SMARTHER_SUBSCRIPTIONS, CallFamily.PUSH),
        ("POST", SMARTHER_SUBSCRIBE, CallFamily.PUSH),
        ("DELETE", SMARTHER_UNSUBSCRIBE, CallFamily.PUSH),
    ],
)
def test_each_route_has_its_family(method: str, route: str, family: CallFamily) -> None:
    """Subscriptions are push calls even though they write; other writes are commands."""
    assert family_of(method, route) is family


def test_calls_are_counted_by_local_hour_and_family(clock: FakeClock) -> None:
    """12:00 UTC is 13:00 in Rome in winter: the call lands in the 13th hour of the day."""
    budget = QuotaBudget(time_zone=ROME, clock=clock)
    budget.charge(family=CallFamily.PLANTS)
    budget.charge(2, family=CallFamily.THERMOSTAT_STATUS)
    clock.advance(hours=2)
    budget.charge(family=CallFamily.COMMAND)

    ledger = budget.ledger
    assert ledger.by_hour[13] == 3
    assert ledger.by_hour[15] == 1
    assert ledger.recorded == budget.calls_used == 4
    assert ledger.by_family == {
        CallFamily.PLANTS: 1,
        CallFamily.THERMOSTAT_STATUS: 2,
        CallFamily.COMMAND: 1,
    }


def test_a_new_day_clears_the_counts_and_keeps_the_refusal(clock: FakeClock) -> None:
    """At the reset the day's counts start again; the last refusal is still worth seeing."""
    budget = QuotaBudget(time_zone=UTC, clock=clock)
    budget.charge(5, family=CallFamily.HOME_CONTROL_STATUS)
    resume = NOON + timedelta(hours=12)
    budget.pause(resume, daily=True)
    with pytest.raises(EliotQuotaExceededError):
        budget.check(command=False)
    assert budget.ledger.held_back == 1

    clock.moment = resume + timedelta(minutes=1)
    assert budget.calls_used == 0
    ledger = budget.ledger
    assert ledger.recorded == 0
    assert ledger.by_family == {}
    assert ledger.held_back == 0
    assert ledger.last_refusal == Refusal(at=NOON, resume_at=resume, daily=True)


def test_calls_held_back_count_commands_refused_for_the_floor(clock: FakeClock) -> None:
    """A command the polling floor refuses is never sent: held back, not recorded."""
    budget = QuotaBudget(daily_limit=10, clock=clock)
    budget.floor_calls_per_hour = 1
    budget.charge(10 - budget.polling_floor(), family=CallFamily.COMMAND)
    with pytest.raises(EliotCommandBudgetError):
        budget.check(command=True)
    assert budget.ledger.held_back == 1
    assert budget.ledger.last_refusal is None


def test_the_ledger_survives_json_and_a_restart(clock: FakeClock) -> None:
    """The ledger rides in the budget's snapshot and comes back whole the same day."""
    budget = QuotaBudget(time_zone=ROME, clock=clock)
    budget.charge(3, family=CallFamily.TOPOLOGY)
    budget.pause(NOON + timedelta(seconds=30), daily=False)

    stored = json.loads(json.dumps(budget.snapshot()))
    restored = QuotaBudget(time_zone=ROME, clock=clock)
    restored.restore(stored)

    assert restored.ledger == budget.ledger
    assert restored.ledger.last_refusal is not None
    assert restored.ledger.last_refusal.daily is False


def test_a_stored_ledger_of_a_past_day_keeps_only_the_refusal(clock: FakeClock) -> None:
    """A restart on a later day starts the day's counts afresh."""
    budget = QuotaBudget(clock=clock)
    budget.charge(7, family=CallFamily.TOPOLOGY)
    budget.pause(NOON + timedelta(hours=1), daily=False)
    stored = json.loads(json.dumps(budget.snapshot()))

    clock.advance(days=2)
    restored = QuotaBudget(clock=clock)
    restored.restore(stored)
    assert restored.ledger.recorded == 0
    assert restored.ledger.last_refusal is not None


@pytest.mark.parametrize(
    "ledger",
    [
        None,
        "garbage",
        {"by_hour": [1] * 23},
        {"by_hour": [-1] * 24},
        {"by_family": {"teleport": 4, "command": "four"}},
        {"held_back": True},
        {"last_refusal": {"at": "noon", "resume_at": "later", "daily": True}},
        {"last_refusal": {"at": "2026-11-25T12:00:00", "resume_at": "x", "daily": 1}},
        {
            "last_refusal": {
                "at": "2026-11-25T12:00:00",
                "resume_at": "2026-11-25T13:00:00",
                "daily": True,
            }
        },
    ],
)
def test_a_damaged_ledger_never_costs_the_budget(
    clock: FakeClock, ledger: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever the stored ledger holds, the count of calls is restored, without a warning."""
    stored = {
        "used": 42,
        "reset_at": "2026-11-26T00:00:00+00:00",
        "ledger": ledger,
    }
    budget = QuotaBudget(clock=clock)

    budget.restore(stored)

    assert budget.calls_used == 42
    assert budget.ledger.recorded == 0
    assert budget.ledger.by_family == {}
    assert budget.ledger.last_refusal is None
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_a_partly_damaged_ledger_keeps_what_can_be_read() -> None:
    """Each field is read on its own: a bad family name drops that family alone."""
    ledger = CallLedger.restore(
        {
            "by_hour": [0] * 12 + [4] + [0] * 11,
            "by_family": {"command": 3, "teleport": 1, "plants_list": -2},
            "held_back": "many",
            "last_refusal": {
                "at": "2026-11-25T12:00:00+00:00",
                "resume_at": "2026-11-26T00:00:00+00:00",
                "daily": True,
            },
        }
    )
    assert ledger.by_hour[12] == 4
    assert ledger.by_family == {CallFamily.COMMAND: 3}
    assert ledger.held_back == 0
    assert ledger.last_refusal == Refusal(
        at=NOON, resume_at=datetime(2026, 11, 26, tzinfo=UTC), daily=True
    )


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=30)
        | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=60,
)


@settings(max_examples=200, deadline=None)
@given(stored=_JSON)
def test_restoring_a_ledger_never_raises(stored: Any) -> None:
    """Whatever storage holds, a ledger comes back with 24 hours and counts of zero or more."""
    ledger = CallLedger.restore(stored)
    assert len(ledger.by_hour) == 24
    assert all(count >= 0 for count in ledger.by_hour)
    assert all(count >= 0 for count in ledger.by_family.values())
    json.dumps(ledger.snapshot())

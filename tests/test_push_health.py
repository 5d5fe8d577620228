"""Tests for push health: missed changes, where push stands, its counts, and what vouches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from custom_components.legrand_eliot.eliot import (
    ActivationTime,
    LoadState,
    Measure,
    ThermostatFunction,
    ThermostatMode,
    ThermostatStatus,
)
from custom_components.legrand_eliot.push_health import (
    MISSED_FOR_SILENT,
    PUSH_VOUCHES_FOR,
    QUIET_FOR_SILENT,
    RESUBSCRIBE_INTERVAL,
    PushEvidence,
    PushHealth,
    PushState,
    missed_by_push,
)

from .moments import START
from .push import LIVING, PLANT

T0 = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)


def _status(**changes: object) -> ThermostatStatus:
    """Return a thermostat state of the demo plant, with some fields changed."""
    status = ThermostatStatus(
        plant_id=PLANT,
        module_id=LIVING,
        function=ThermostatFunction.HEATING,
        mode=ThermostatMode.AUTOMATIC,
        set_point=20.0,
        load_state=LoadState.INACTIVE,
    )
    return replace(status, **changes)  # type: ignore[arg-type]


def _receiving() -> PushHealth:
    """Return the health of a plant subscribed at T0 whose events arrive."""
    health = PushHealth(subscriptions={PLANT: "sub"}, receiving={PLANT})
    health.watching(PLANT, T0)
    return health


def test_a_change_push_never_brought_is_a_missed_change() -> None:
    """A person's change counts; what the thermostat does on its own does not."""
    shown = _status()
    manual = _status(mode=ThermostatMode.MANUAL, set_point=22.0)
    assert missed_by_push(shown, manual, T0)
    assert missed_by_push(manual, _status(mode=ThermostatMode.MANUAL), T0)
    assert missed_by_push(shown, _status(programs=(2,)), T0)
    # The program moving the set point, the load switching, a new reading: its own doing.
    assert not missed_by_push(shown, _status(set_point=22.0), T0)
    assert not missed_by_push(shown, _status(load_state=LoadState.ACTIVE), T0)
    assert not missed_by_push(
        shown, _status(temperature=Measure(value=19.2, unit="C")), T0
    )
    # Nothing shown yet, or the poll kept the state shown (a push overtook it): nothing missed.
    assert not missed_by_push(None, shown, T0)
    assert not missed_by_push(shown, shown, T0)


def test_a_timed_mode_that_ran_out_is_not_a_missed_change() -> None:
    """A boost that ends goes back to the program by itself: pushed or not, it is no sign."""
    end = T0 + timedelta(minutes=30)
    boost = _status(
        mode=ThermostatMode.BOOST, activation_time=ActivationTime(start=T0, end=end)
    )
    assert not missed_by_push(boost, _status(), end + timedelta(minutes=1))
    # Cut short by a person, before its end: that is a change push should have brought.
    assert missed_by_push(boost, _status(), end - timedelta(minutes=10))


def test_push_falls_silent_after_missed_changes_in_a_row() -> None:
    """Three changes found by polls, and no delivery between them: the plant is polled."""
    health = _receiving()
    for count in range(1, MISSED_FOR_SILENT):
        assert not health.missed_change(PLANT, T0 + timedelta(minutes=30 * count))
    assert health.covers(PLANT)
    assert health.missed_change(PLANT, T0 + timedelta(hours=2))
    assert not health.covers(PLANT)
    assert health.silent == {PLANT: T0 + timedelta(hours=2)}
    # Counted once: a silent plant is not covered, so polls no longer count for it.
    assert not health.missed_change(PLANT, T0 + timedelta(hours=3))


def test_a_delivery_between_missed_changes_starts_the_count_again() -> None:
    """Lost or late events (a short ban, a slow queue) are not silence."""
    health = _receiving()
    moment = T0
    for _ in range(3):
        for _ in range(MISSED_FOR_SILENT - 1):
            moment += timedelta(minutes=30)
            assert not health.missed_change(PLANT, moment)
        assert not health.heard(PLANT, moment)
    assert health.covers(PLANT)
    assert not health.silent


def test_one_missed_change_after_a_long_quiet_is_enough() -> None:
    """A home that changes rarely need not wait for three changes to be polled again."""
    health = _receiving()
    assert not health.missed_change(PLANT, T0 + QUIET_FOR_SILENT - timedelta(minutes=1))
    health.heard(PLANT, T0 + QUIET_FOR_SILENT)
    assert health.missed_change(PLANT, T0 + 2 * QUIET_FOR_SILENT)


def test_a_silent_plant_is_renewed_at_a_bounded_pace() -> None:
    """One renewal at once, then at most one per interval; a delivery ends it all."""
    health = _receiving()
    assert not health.resubscribe_due(PLANT, T0)
    health.missed_change(PLANT, T0 + QUIET_FOR_SILENT)
    moment = T0 + QUIET_FOR_SILENT
    assert health.resubscribe_due(PLANT, moment)
    health.resubscribed_at[PLANT] = moment
    assert not health.resubscribe_due(PLANT, moment + RESUBSCRIBE_INTERVAL / 2)
    assert health.resubscribe_due(PLANT, moment + RESUBSCRIBE_INTERVAL)
    assert health.heard(PLANT, moment + RESUBSCRIBE_INTERVAL)
    assert not health.resubscribe_due(PLANT, moment + 2 * RESUBSCRIBE_INTERVAL)
    assert health.resubscribed_at == {}


def test_each_pushed_state_and_saved_poll_is_counted_by_what_happened() -> None:
    """Unusable and stale states, writes and saved polls each have their own count."""
    health = PushHealth()
    health.note_ignored()
    health.note_stale()
    health.note_written()
    health.note_poll_saved()
    health.note_poll_saved()
    assert (health.ignored, health.stale, health.writes, health.polls_saved) == (
        2,
        1,
        1,
        2,
    )


def test_where_push_stands_follows_the_subscriptions_and_silence() -> None:
    """Subscriptions say active, partial or failed; a silence overrides them until it ends."""
    other = "another-plant"
    health = PushHealth()
    assert health.settle({PLANT, other}) == {PLANT, other}
    assert health.state is PushState.FAILED
    health.note_subscribed(PLANT, "first", T0)
    assert health.settle({PLANT, other}) == {other}
    assert health.state is PushState.PARTIAL
    health.note_subscribed(other, "second", T0)
    assert health.settle({PLANT, other}) == set()
    assert health.state is PushState.ACTIVE
    assert not health.note_silence_over()
    assert health.missed_change(PLANT, T0 + QUIET_FOR_SILENT)
    assert health.note_silent()
    assert not health.note_silent()
    assert health.state is PushState.SILENT
    # A state from the silent plant ends its silence; one from elsewhere ends nothing.
    assert not health.note_state("unsubscribed-plant", T0 + QUIET_FOR_SILENT, None)
    assert health.note_state(PLANT, T0 + QUIET_FOR_SILENT, T0)
    assert health.last_event_lag == QUIET_FOR_SILENT
    assert health.events == 2
    assert health.note_silence_over()
    assert health.state is PushState.ACTIVE
    assert health.note_unsubscribed(other) == "second"
    health.note_address("external")
    health.note_no_address(has_plants=True)
    assert (health.state, health.url_kind) == (PushState.NO_URL, None)
    health.note_no_address(has_plants=False)
    assert health.state is PushState.OFF


EVIDENCE_MODULE = "thermostat"


def test_a_failed_read_hides_what_no_push_vouches_for() -> None:
    """Reads that work show the state; a failed one hides it unless a newer push vouches."""
    evidence = PushEvidence()
    evidence.read(EVIDENCE_MODULE, START)
    assert evidence.shown(EVIDENCE_MODULE, START)
    evidence.failed(EVIDENCE_MODULE)
    assert not evidence.shown(EVIDENCE_MODULE, START)
    # A push older than the last read that worked vouches for nothing.
    evidence.pushed(EVIDENCE_MODULE, START - timedelta(minutes=1))
    assert evidence.vouched_until(EVIDENCE_MODULE) is None
    assert evidence.expiries(START) == []
    assert not evidence.shown(EVIDENCE_MODULE, START)


def test_a_newer_push_vouches_for_the_window_and_no_longer() -> None:
    """A push newer than the last read keeps the state shown for the window after its time."""
    evidence = PushEvidence()
    evidence.read(EVIDENCE_MODULE, START)
    pushed = START + timedelta(minutes=5)
    evidence.pushed(EVIDENCE_MODULE, pushed)
    # An older push delivered later moves nothing.
    evidence.pushed(EVIDENCE_MODULE, START + timedelta(minutes=2))
    # Its reads work: nothing runs out.
    assert evidence.expiry(EVIDENCE_MODULE) is None
    evidence.failed(EVIDENCE_MODULE)
    until = pushed + PUSH_VOUCHES_FOR
    assert evidence.vouched_until(EVIDENCE_MODULE) == until
    assert evidence.expiry(EVIDENCE_MODULE) == until
    assert evidence.expiries(pushed) == [until]
    assert evidence.shown(EVIDENCE_MODULE, until - timedelta(seconds=1))
    assert not evidence.shown(EVIDENCE_MODULE, until)
    assert evidence.expiries(until) == []
    # A read that works again shows it, whatever the push's age.
    evidence.read(EVIDENCE_MODULE, until + timedelta(hours=1))
    assert evidence.shown(EVIDENCE_MODULE, until + timedelta(hours=1))


def test_thermostats_no_longer_held_are_forgotten() -> None:
    """What is known of a thermostat that left goes with it; the others' stays."""
    evidence = PushEvidence()
    for module in (EVIDENCE_MODULE, "other"):
        evidence.read(module, START)
        evidence.pushed(module, START + timedelta(minutes=1))
        evidence.failed(module)
    evidence.forget({"other"})
    assert evidence.vouched_until(EVIDENCE_MODULE) is None
    assert evidence.shown(EVIDENCE_MODULE, START)
    assert evidence.vouched_until("other") == START + timedelta(minutes=1) + (
        PUSH_VOUCHES_FOR
    )
    assert not evidence.shown("other", START + timedelta(hours=1))


def test_a_kept_silence_is_read_back_and_bad_values_are_counted() -> None:
    """What a restart keeps is read back; a value it cannot use is left out and counted."""
    health = PushHealth(silent={PLANT: T0})
    kept = health.kept()
    restored = PushHealth()
    assert restored.restore_kept(kept, T0 + timedelta(hours=1)) == 0
    assert restored.silent == {PLANT: T0}
    assert restored.restore_kept(None, T0) == 0
    assert PushHealth().restore_kept(["not", "a", "mapping"], T0) == 1
    damaged = PushHealth()
    bad = {
        "future": (T0 + timedelta(days=1)).isoformat(),
        "no zone": "2026-01-14T09:00:00",
        "not a time": "soon",
        "a number": 5,
        PLANT: T0.isoformat(),
    }
    assert damaged.restore_kept(bad, T0) == 4
    assert damaged.silent == {PLANT: T0}

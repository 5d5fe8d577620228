"""Tests for what vouches for a thermostat while its reads fail: its newest pushed state."""

from __future__ import annotations

from datetime import timedelta

from custom_components.legrand_eliot.push_health import PUSH_VOUCHES_FOR, PushEvidence

from .moments import START

MODULE = "thermostat"


def test_a_failed_read_hides_what_no_push_vouches_for() -> None:
    """Reads that work show the state; a failed one hides it unless a newer push vouches."""
    evidence = PushEvidence()
    evidence.read(MODULE, START)
    assert evidence.shown(MODULE, START)
    evidence.failed(MODULE)
    assert not evidence.shown(MODULE, START)
    # A push older than the last read that worked vouches for nothing.
    evidence.pushed(MODULE, START - timedelta(minutes=1))
    assert evidence.vouched_until(MODULE) is None
    assert evidence.expiries(START) == []
    assert not evidence.shown(MODULE, START)


def test_a_newer_push_vouches_for_the_window_and_no_longer() -> None:
    """A push newer than the last read keeps the state shown for the window after its time."""
    evidence = PushEvidence()
    evidence.read(MODULE, START)
    pushed = START + timedelta(minutes=5)
    evidence.pushed(MODULE, pushed)
    # An older push delivered later moves nothing.
    evidence.pushed(MODULE, START + timedelta(minutes=2))
    # Its reads work: nothing runs out.
    assert evidence.expiry(MODULE) is None
    evidence.failed(MODULE)
    until = pushed + PUSH_VOUCHES_FOR
    assert evidence.vouched_until(MODULE) == until
    assert evidence.expiry(MODULE) == until
    assert evidence.expiries(pushed) == [until]
    assert evidence.shown(MODULE, until - timedelta(seconds=1))
    assert not evidence.shown(MODULE, until)
    assert evidence.expiries(until) == []
    # A read that works again shows it, whatever the push's age.
    evidence.read(MODULE, until + timedelta(hours=1))
    assert evidence.shown(MODULE, until + timedelta(hours=1))


def test_thermostats_no_longer_held_are_forgotten() -> None:
    """What is known of a thermostat that left goes with it; the others' stays."""
    evidence = PushEvidence()
    for module in (MODULE, "other"):
        evidence.read(module, START)
        evidence.pushed(module, START + timedelta(minutes=1))
        evidence.failed(module)
    evidence.forget({"other"})
    assert evidence.vouched_until(MODULE) is None
    assert evidence.shown(MODULE, START)
    assert evidence.vouched_until("other") == START + timedelta(minutes=1) + (
        PUSH_VOUCHES_FOR
    )
    assert not evidence.shown("other", START + timedelta(hours=1))

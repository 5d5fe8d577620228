"""Tests for the expected staleness: what reads are worth under known rates."""

from __future__ import annotations

import math

import pytest

from bench.expected import (
    HOUR,
    day_waits,
    expected_mean,
    expected_quantile,
    pushed_waits,
    source_waits,
)
from bench.limit import limit_staleness


def _steady(rate: float) -> list[float]:
    return [rate] * 24


def test_reads_on_a_fixed_pace_wait_half_of_it_on_average() -> None:
    """Reads every 300 s: a change waits 150 s on average, 285 s at p95."""
    reads = [300.0 * n for n in range(1, 289)]
    waits = source_waits(reads, _steady(1 / HOUR), low=0.0, end=86400.0)
    assert expected_mean(waits) == pytest.approx(150.0)
    assert expected_quantile(waits, 0.95) == pytest.approx(285.0, abs=0.01)


def test_a_quiet_hour_weighs_nothing_and_a_change_after_the_last_read_waits_to_the_end() -> (
    None
):
    """Only hours with changes count; past the last read, a change waits until the end."""
    hours = [0.0] * 24
    hours[1] = 1 / HOUR
    # One read in the middle of the only busy hour, none after it.
    waits = source_waits([5400.0], hours, low=0.0, end=7200.0)
    # Half the hour waits 900 s on average, the other half 900 s until the end.
    assert expected_mean(waits) == pytest.approx(900.0)
    assert expected_quantile(waits, 1.0) == pytest.approx(1800.0, abs=0.01)


def test_reads_spread_by_the_square_root_rule_reach_the_limit() -> None:
    """The limit is what the best reads are expected to reach: the two measures agree."""
    hours = [4.0 / HOUR] * 12 + [1.0 / HOUR] * 12
    # The square-root rule: intervals as 1 / sqrt(rate), twice as long when 4x quieter.
    reads = [120.0 * n for n in range(1, 361)] + [
        43200.0 + 240.0 * n for n in range(1, 181)
    ]
    waits = source_waits(reads, hours, low=0.0, end=86400.0)
    limit = limit_staleness({"plant": hours}, len(reads))
    assert limit is not None
    assert expected_mean(waits) == pytest.approx(limit, rel=1e-6)
    # Reads on an even pace with the same count are further from it.
    even = [86400.0 / len(reads) * n for n in range(1, len(reads) + 1)]
    assert expected_mean(source_waits(even, hours, low=0.0, end=86400.0)) > limit


def test_pushed_changes_wait_the_push_delay() -> None:
    """A source push covers adds its changes at the delay: it pulls the mean down."""
    polled = day_waits(
        {"plant": [600.0 * n for n in range(1, 145)]},
        {"plant": _steady(1 / HOUR)},
        low=0.0,
        end=86400.0,
    )
    pushed = pushed_waits({"thermostat": _steady(1 / HOUR), "idle": [0.0] * 24}, 1.0)
    assert len(pushed) == 1
    mean = expected_mean(polled + pushed)
    assert mean == pytest.approx((300.0 + 1.0) / 2)
    assert expected_mean([]) is None
    assert expected_quantile([], 0.95) is None
    assert math.isclose(expected_quantile(pushed, 0.5) or 0.0, 1.0, abs_tol=1e-6)

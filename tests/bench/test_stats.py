"""Tests for the figures: staleness statistics, blind time, ratios."""

from __future__ import annotations

import pytest

from bench.stats import (
    CallSeries,
    Observed,
    blind_minutes,
    hourly_staleness,
    mean,
    percentile,
    ratio,
    staleness_by_family,
)


def test_mean_and_nearest_rank_percentile() -> None:
    """The p95 of twenty values is the nineteenth; nothing to measure gives None."""
    values = [float(v) for v in range(1, 21)]
    assert mean(values) == 10.5
    assert percentile(values, 0.95) == 19.0
    assert percentile([], 0.95) is None
    assert mean([]) is None


def test_staleness_counts_unseen_changes_until_the_end_of_the_day() -> None:
    """A change never seen is as stale as the rest of the day, and counted as unseen."""
    observed = [
        Observed("light", 100.0, 160.0),
        Observed("light", 200.0, None),
        Observed("thermostat", 3700.0, 3701.0),
    ]
    figures = staleness_by_family(observed, day_end=1200.0)
    assert figures["light"].mean == pytest.approx((60.0 + 1000.0) / 2)
    assert figures["light"].unseen == 1
    assert figures["thermostat"].p95 == pytest.approx(1.0)
    assert figures["all"].count == 3
    hourly = hourly_staleness(observed, day_end=1200.0)
    assert hourly[0] == pytest.approx(530.0)
    assert hourly[1] == pytest.approx(1.0)
    assert hourly[2] is None


def test_blind_from_the_moment_the_quota_is_spent() -> None:
    """Blind minutes run from the first sample at the limit to the end of the day."""
    series = CallSeries()
    for at, calls in ((0.0, 10), (600.0, 499), (600.0, 500), (1200.0, 520)):
        series.add(at, calls)
    assert series.times == [0.0, 600.0, 1200.0]
    assert blind_minutes(series, 500, 3600.0) == (50.0, 600.0)
    assert blind_minutes(series, 1000, 3600.0) == (0.0, None)


def test_ratio_without_a_reference() -> None:
    """A ratio needs both figures and a non-zero reference."""
    assert ratio(1.0, 4.0) == 0.25
    assert ratio(None, 4.0) is None
    assert ratio(1.0, 0.0) is None

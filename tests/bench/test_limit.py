"""Tests for the freshness limit: the square-root rule's least mean staleness."""

from __future__ import annotations

import math

import pytest

from bench.limit import foreseen_staleness, limit_staleness


def test_one_source_read_evenly_waits_half_an_interval() -> None:
    """400 reads of one source over a day: a change waits 108 s on average."""
    rates = {"plant": [1 / 3600] * 24}
    limit = limit_staleness(rates, 400)
    assert limit is not None
    assert math.isclose(limit, 86400 / 400 / 2)


def test_a_busier_hour_or_source_lowers_the_limit_below_even_reads() -> None:
    """Knowing where changes come lets the same reads do better than even spacing."""
    even = limit_staleness({"a": [1.0] * 24, "b": [1.0] * 24}, 400)
    skewed = limit_staleness({"a": [1.9] * 24, "b": [0.1] * 24}, 400)
    assert even is not None and skewed is not None
    assert skewed < even
    assert limit_staleness({"a": [0.0] * 24}, 400) is None
    assert limit_staleness({"a": [1.0] * 24}, 0) is None


def test_knowing_the_usual_day_reaches_the_limit_on_a_usual_day_only() -> None:
    """On a day like the usual one, knowing it is the limit; on a day unlike it, it is not."""
    usual = {"a": [2.0, 1.0, 0.5], "b": [0.5, 0.5, 3.0]}
    same = {key: [rate * 1.5 for rate in hours] for key, hours in usual.items()}
    limit = limit_staleness(same, 10, piece=1.0)
    foreseen = foreseen_staleness(usual, same, 10, piece=1.0)
    assert limit is not None and foreseen is not None
    assert foreseen == pytest.approx(limit)
    # A day back from holidays: quiet until the last piece, then a burst.
    burst = {"a": [0.1, 0.1, 6.0], "b": [0.1, 0.1, 6.0]}
    limit = limit_staleness(burst, 10, piece=1.0)
    foreseen = foreseen_staleness(usual, burst, 10, piece=1.0)
    assert limit is not None and foreseen is not None
    assert foreseen > 1.2 * limit
    # A usual day that never reads an hour where changes come has no figure.
    assert (
        foreseen_staleness({"a": [1.0, 0.0, 1.0]}, {"a": [1.0, 1.0, 1.0]}, 10) is None
    )
    assert foreseen_staleness(usual, {"a": [0.0, 0.0, 0.0]}, 10) is None

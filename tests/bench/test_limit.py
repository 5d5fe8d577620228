"""Tests for the freshness limit: the square-root rule's least mean staleness."""

from __future__ import annotations

import math

from bench.limit import limit_staleness


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

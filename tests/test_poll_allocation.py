"""Tests for the sharing of calls: the square-root rule, the floor, the reserve, reconciliation."""

from __future__ import annotations

from datetime import timedelta
import math

from custom_components.legrand_eliot.eliot import PollingAllowance
from custom_components.legrand_eliot.poll_allocation import (
    RECONCILE_INTERVAL,
    STRETCH,
    UNPAID_STRETCH,
    Source,
    allocate,
)

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
    assert math.isclose(allocation.calls_until_reset, 300, rel_tol=1e-3)


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

    The square-root rule still reads the busy sources more often, and none waits beyond 5x
    the even share. Half a read of each source is kept as a margin.
    """
    sources = [Source(str(i), 1, rate=i + 1.0) for i in range(20)]
    allocation = allocate(sources, _allowance(300, 400), _flat())
    intervals = [allocation.intervals[str(i)] for i in range(20)]
    assert intervals == sorted(intervals, reverse=True)
    assert intervals[0] > 2 * intervals[-1]
    even = 24 * 3600 * 20 / (400 - 10)
    assert max(intervals) <= timedelta(seconds=UNPAID_STRETCH * even)
    assert math.isclose(allocation.calls_until_reset, 390, rel_tol=1e-3)


def test_without_calls_for_the_floor_quiet_sources_yield_to_busy_ones() -> None:
    """Ten busy plants and ten quiet thermostats, too many to read each hourly.

    The square-root rule would read a thermostat ten times less often than a plant: it may
    wait up to 5x the even share (not 2.5x), so the plants get most of the calls.
    """
    plants = [Source(f"plant{i}", 1, rate=12.5) for i in range(10)]
    thermostats = [Source(f"thermostat{i}", 1, rate=0.125) for i in range(10)]
    allocation = allocate([*plants, *thermostats], _allowance(330, 430), _flat())
    even = 24 * 3600 * 20 / (430 - 10)
    slow = allocation.intervals["thermostat0"].total_seconds()
    assert slow > STRETCH * even
    assert math.isclose(slow, UNPAID_STRETCH * even, rel_tol=1e-3)
    plant_calls = 10 * 24 * 3600 / allocation.intervals["plant0"].total_seconds()
    # Of the 420 calls, the plants have 378 (at 2.5x they had 336).
    assert plant_calls >= 370
    assert math.isclose(allocation.calls_until_reset, 420, rel_tol=1e-3)


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
    assert allocation.calls_until_reset <= 400 + 1e-6
    assert all(
        interval >= RECONCILE_INTERVAL for interval in allocation.intervals.values()
    )

"""Tests for the baseline's schedule."""

from __future__ import annotations

from bench.schedule import BaselineSchedule


def test_everything_is_read_at_start_then_on_its_own_interval() -> None:
    """At start all reads are due in order; then status every 300 s, thermostats every 900 s."""
    schedule = BaselineSchedule(100.0)
    assert schedule.pop_due(100.0) == ["plants", "topology", "status", "thermostats"]
    assert schedule.next_due() == 400.0
    assert schedule.pop_due(400.0) == ["status"]
    assert schedule.pop_due(1000.0) == ["status", "thermostats"]
    assert schedule.next_due() == 1300.0


def test_a_day_of_baseline_reads() -> None:
    """Over a day: 288 status reads, 96 thermostat reads, 24 topologies, 12 plants lists."""
    schedule = BaselineSchedule(0.0)
    counts: dict[str, int] = {}
    while (at := schedule.next_due()) < 86400.0:
        for task in schedule.pop_due(at):
            counts[task] = counts.get(task, 0) + 1
    assert counts == {"plants": 12, "topology": 24, "status": 288, "thermostats": 96}

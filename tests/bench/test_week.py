"""Tests for the week's simulation: both sides see the same changes; the figures add up."""

from __future__ import annotations

from bench.households import HOUSEHOLDS, devices, generate
from bench.week import LIMIT, Layout, run_week
from bench.week_figures import day_figures
from bench.week_report import render, run_matrix
from simulator.generate import generate_scenario


def test_a_small_account_over_two_days() -> None:
    """Ours stays within the quota, reads right after the reset and leaves little unused.

    And each refresh makes the calls its plan counted: only the first, which no plan foresaw,
    is left out.
    """
    scenario = generate_scenario(1, 10, thermostat_plants=1, thermostats=1)
    found = devices(scenario)
    layout = Layout.of(scenario)
    household = HOUSEHOLDS["even"]
    changes = generate(household, found, seed=13, days=2, start=900.0)
    run = run_week(layout, found, changes, push=False, start=900.0, end=2 * 86400 - 60)
    days = day_figures(run, household, found, layout, push=False, start=900.0, days=2)
    for day in days:
        assert day.ours.calls <= LIMIT
        assert day.ours.unused <= 0.02 * LIMIT
        assert day.ours.hours_without_read == 0
        assert day.limit is not None and day.polled_mean is not None
        assert day.over_plan == 0
    assert run.ours.refreshes[0].planned is None
    assert all(r.planned is not None for r in run.ours.refreshes[1:])
    assert days[1].ours.reset_read is not None
    assert days[1].ours.reset_read <= 120
    # Every change is seen by both sides.
    assert all(item.seen_at is not None for item in run.ours.seen[:-5])
    assert len(run.ours.seen) == len(run.baseline.seen) == len(changes)


def test_the_report_is_the_same_for_the_same_seed() -> None:
    """Same seed, same figures; the report names every profile run."""
    first = run_matrix(7, profiles=["away"], accounts=["S"], days=2)
    second = run_matrix(7, profiles=["away"], accounts=["S"], days=2)
    text = render(first, seed=7, plots={}, cpu=False)
    assert text == render(second, seed=7, plots={}, cpu=False)
    assert "Planning CPU" not in text
    assert "Planning CPU" in render(first, seed=7, plots={})
    assert "### away" in text
    assert "S, push off" in text
    assert "S, push on" in text

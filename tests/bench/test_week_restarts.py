"""Tests for the restarted households: what polling learned survives a restart."""

from __future__ import annotations

from bench.households import DAY
from bench.week_report import DAYS, run_matrix, verdict
from bench.week_restarts import render_restarts, restart_moments, restart_rows


def test_one_restart_a_day_inside_each_day_the_same_for_a_seed() -> None:
    """The restarts fall one in each day, after the setup's hour; a seed draws the same ones."""
    moments = restart_moments(7)
    assert len(moments) == DAYS
    assert [int(m // DAY) for m in moments] == list(range(DAYS))
    assert moments[0] >= 3600
    assert moments == restart_moments(7)
    assert moments != restart_moments(8)


def test_a_household_s_hours_survive_a_restart_a_day() -> None:
    """Awake at night: restarted every day, ours stays as close to the limit as uninterrupted.

    The same restarts with what was learned lost fall back on the prior's evening-heavy day
    each time, and are further from the limit by a tenth of it or more.
    """
    moments = restart_moments(7)
    household, account, push_off = ["night-shift"], ["S"], (False,)
    (uninterrupted,) = run_matrix(7, household, account, push_off)
    (restarted,) = run_matrix(7, household, account, push_off, restarts=moments)
    (lost,) = run_matrix(
        7, household, account, push_off, restarts=moments, keep_learned=False
    )
    kept = verdict(restarted)
    assert kept.limit_after is not None
    assert verdict(uninterrupted).limit_after is not None
    assert verdict(lost).limit_after is not None
    assert abs(kept.limit_after - verdict(uninterrupted).limit_after) < 0.03
    assert verdict(lost).limit_after - kept.limit_after > 0.1
    # Each restart's first refresh reads every source: no hour without a read, a read after
    # each reset, the calls spent.
    assert kept.misses(limit=False) == []


def test_the_restarts_section_names_each_profile() -> None:
    """The report's table has a row per profile, the three ways side by side."""
    runs = run_matrix(7, profiles=["even"], accounts=["S"], pushes=(True,), days=2)
    rows = restart_rows(
        7, runs, profiles=["even"], accounts=["S"], pushes=(True,), days=2
    )
    lines = render_restarts(rows, seed=7, days=2)
    (row,) = [line for line in lines if line.startswith("| even ")]
    assert row.count("/") == 2
    assert row.endswith("| 1 of 1 |")

"""Tests for the households' report: the week's table judges what the targets judge."""

from __future__ import annotations

from bench.week_report import (
    LEARNING_DAYS,
    drawn_limit_ratio,
    limit_ratio,
    profile_table,
    run_matrix,
    verdict,
)


def test_the_limit_is_judged_by_expectation_not_by_the_changes_drawn() -> None:
    """A day away's few drawn changes swing far; the expected figure judged stays steady."""
    (run,) = run_matrix(7, profiles=["away"], accounts=["M"], pushes=(False,))
    late = run.days[LEARNING_DAYS - 1 :]
    drawn = [r for day in late if (r := drawn_limit_ratio(day)) is not None]
    expected = [r for day in late if (r := limit_ratio(day)) is not None]
    worst = verdict(run).limit_after
    assert worst is not None
    assert worst == max(expected)
    # The drawn figures of this week swing by more than a whole limit; the expected ones
    # stay within a few tenths of each other.
    assert max(drawn) - min(drawn) > 1
    assert max(expected) - min(expected) < 0.5
    row = profile_table([run])[-1]
    limit_cell = row.split("|")[6]
    assert limit_cell.strip().endswith(f"/ {worst:.2f}")
    assert row.split("|")[7].strip() == f"{max(drawn):.2f}"
    # The day back from days away is its worst: the miss says what knowing the usual day
    # would have reached.
    (missed,) = [m for m in verdict(run).misses() if "limit" in m]
    assert "day 6: a schedule that knew the household's usual day exactly" in missed

"""Tests for the households' report: the week's table judges the days the targets judge."""

from __future__ import annotations

from bench.week_report import (
    JUDGED_CHANGES,
    LEARNING_DAYS,
    limit_ratio,
    profile_table,
    run_matrix,
    verdict,
)


def test_the_worst_day_shown_is_the_worst_judged_day() -> None:
    """A day away with a handful of changes is shown day by day, not as the week's worst."""
    (run,) = run_matrix(7, profiles=["away"], accounts=["M"], pushes=(False,))
    unjudged = [
        ratio
        for day in run.days[LEARNING_DAYS - 1 :]
        if day.polled_changes < JUDGED_CHANGES
        and (ratio := limit_ratio(day)) is not None
    ]
    worst = verdict(run).limit_after
    assert worst is not None
    # This week has a day away far above the judged days' worst.
    assert max(unjudged) > worst + 1
    row = profile_table([run])[-1]
    limit_cell = row.split("|")[5]
    assert limit_cell.strip().endswith(f"/ {worst:.2f}")

"""Households restarted: Home Assistant restarted once a day, what polling learned kept or lost.

A restart keeps the budget and the topology and reads what polling learned back from its
store; the reads and the pushed confirmations are gone, so its first refresh reads every source.
The same week is run three ways on every profile and account: uninterrupted, restarted once a
day at a moment the seed draws, and restarted the same way with what was learned lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import random

from .accounts import ACCOUNTS
from .households import DAY, HOUSEHOLDS
from .week_report import (
    DAYS,
    LEARNING_DAYS,
    ProfileRun,
    ratio_text,
    run_matrix,
    verdict,
    worst,
)

# No restart in the setup's first hour: the setup is its own first refresh.
SETUP_HOUR = 3600.0
# Nor in the last two minutes of the run, which ends a minute before the last reset.
LAST_MINUTES = 120.0


def restart_moments(seed: int, days: int = DAYS) -> list[float]:
    """Return one restart a day, at a moment of that day the seed draws."""
    draw = random.Random(f"restarts {seed}")
    return [
        day * DAY + draw.uniform(SETUP_HOUR if day == 0 else 0.0, DAY - LAST_MINUTES)
        for day in range(days)
    ]


@dataclass(frozen=True, slots=True)
class RestartRow:
    """One profile's worst figures over every account, push off and on, three ways."""

    profile: str
    # Ours to the limit, worst day from LEARNING_DAYS on.
    uninterrupted: float | None
    restarted: float | None
    lost: float | None
    # Ours to the baseline (expected mean), worst day, restarted.
    baseline: float | None
    # Runs restarted that meet every target but the limit.
    met: int
    runs: int


def restart_rows(
    seed: int,
    uninterrupted: Sequence[ProfileRun],
    *,
    profiles: Sequence[str] = tuple(HOUSEHOLDS),
    accounts: Sequence[str] = tuple(ACCOUNTS),
    pushes: Sequence[bool] = (False, True),
    days: int = DAYS,
) -> list[RestartRow]:
    """Run the week restarted, learning kept and lost; compare with the uninterrupted runs."""
    moments = restart_moments(seed, days)
    restarted = run_matrix(seed, profiles, accounts, pushes, days, restarts=moments)
    lost = run_matrix(
        seed, profiles, accounts, pushes, days, restarts=moments, keep_learned=False
    )
    rows = []
    for name in profiles:

        def mine(runs: Sequence[ProfileRun], name: str = name) -> list[ProfileRun]:
            return [run for run in runs if run.profile == name]

        judged = [verdict(run) for run in mine(restarted)]
        rows.append(
            RestartRow(
                profile=name,
                uninterrupted=worst(
                    [verdict(r).limit_after for r in mine(uninterrupted)]
                ),
                restarted=worst([v.limit_after for v in judged]),
                lost=worst([verdict(r).limit_after for r in mine(lost)]),
                baseline=worst([v.baseline_mean for v in judged]),
                met=sum(1 for v in judged if not v.misses(limit=False)),
                runs=len(judged),
            )
        )
    return rows


def render_restarts(
    rows: Sequence[RestartRow], seed: int, days: int = DAYS
) -> list[str]:
    """Return the section of the households' report on restarts."""
    moments = restart_moments(seed, days)
    hours = ", ".join(
        f"{int(m % DAY // 3600):02d}:{int(m % 3600 // 60):02d}" for m in moments
    )
    return [
        "### Restarts",
        "",
        (
            "The same weeks with Home Assistant restarted once a day (at "
            f"{hours}, drawn from the seed): the budget and the topology are kept, what "
            "polling learned comes back from its store, the reads and the pushed "
            "confirmations do not, so the first refresh reads every source. *Learning lost* "
            "is the same restarts with nothing learned kept. Worst of S, M and L, push off "
            f"and on; ours to the limit from day {LEARNING_DAYS} on, expected."
        ),
        "",
        (
            "| profile | ours to the limit: uninterrupted / a restart a day / learning lost "
            "| ours to the baseline, a restart a day (expected mean, worst day) "
            "| runs restarted meeting every other target |"
        ),
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {row.profile} | {ratio_text(row.uninterrupted)} / {ratio_text(row.restarted)} / "
            f"{ratio_text(row.lost)} | {ratio_text(row.baseline)} | {row.met} of {row.runs} |"
            for row in rows
        ),
    ]

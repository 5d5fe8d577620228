"""Tests for the report: results survive JSON, tables and targets say what was measured."""

from __future__ import annotations

from dataclasses import replace
import json

import pytest

from bench.report import render, targets
from bench.results import CpuResult, RunResult, SideResult
from bench.stats import CallSeries, Staleness


def _side(mean: float, *, calls: int = 400, refused: int = 0) -> SideResult:
    """Return one side of a run with the same staleness for every family."""
    return SideResult(
        calls=calls,
        refused=refused,
        staleness={
            family: Staleness(count=10, mean=mean, p95=mean * 2, unseen=0)
            for family in ("all", "light", "plug", "shutter", "thermostat")
        },
        hourly_staleness=[mean] * 24,
        series=CallSeries([0.0, 3600.0], [0, calls]),
        setup_calls=8,
        restart_calls=2,
        calls_per_command=1.0,
        refreshes=200,
        writes_per_refresh=3.0,
    )


def _run(
    account: str,
    ours: SideResult,
    base: SideResult,
    cpu: float,
    own: float | None = None,
) -> RunResult:
    """Return a run of an account with push off; its own CPU is 80 % of the whole's."""
    own = cpu * 0.8 if own is None else own
    return RunResult(
        account=account,
        push=False,
        start=900.0,
        end=86340.0,
        changes={"light": 10},
        ours=ours,
        baseline=base,
        cpu=CpuResult(
            entities=100,
            refresh_changed_only=cpu,
            refresh_write_all=0.5,
            refresh_before=1.0,
            fanout_changed_only=cpu / 2,
            fanout_write_all=0.25,
            fanout_before=0.5,
            writes_changed_only=2.0,
            writes_write_all=100.0,
            own_changed_only=own,
            own_write_all=0.4,
            own_before=0.8,
        ),
    )


def test_results_survive_json() -> None:
    """What a day's process writes is what the report reads."""
    run = _run("S", _side(100.0), _side(150.0), 0.05)
    assert RunResult.from_json(json.loads(json.dumps(run.to_json()))) == run


def test_targets_met_and_not_met() -> None:
    """Freshness 1.5x on S is met; L's CPU at 20 % of before and a 403 on L are not."""
    small = _run("S", _side(100.0), _side(150.0), 0.05)
    large = _run(
        "L", _side(100.0, refused=3), _side(90.0, calls=4000, refused=3500), 0.2
    )
    lines = targets([small, large])
    assert lines[0].startswith("- No quota overrun") and "**not met**" in lines[0]
    assert "1.50x" in lines[1] and lines[1].count("**not met**") == 0
    assert any("L, push off" in line and "**not met**" in line for line in lines)


def test_the_cpu_target_is_judged_on_the_integrations_own_cpu() -> None:
    """L at 30 % of before with the cloud's answers, 8 % without them: the target is met."""
    large = _run("L", _side(100.0), _side(150.0), 0.3, own=0.064)
    (line,) = [line for line in targets([large]) if line.startswith("- L")]
    assert "met (0.08: 64.0 ms against 800.0 ms" in line
    assert "**not met**" not in line
    assert "0.30: 300.0 ms against 1000.0 ms" in line


def test_report_has_every_table_and_the_plot() -> None:
    """The report names the seed, has a row per side and links the plot."""
    text = render(
        [_run("S", _side(100.0), _side(150.0), 0.05)], seed=7, plot="benchmarks.png"
    )
    assert "seed 7" in text
    assert "| S | off | ours | 400 | 0 | 0 | 8 | 2 | 1.0 | 200 |" in text
    assert "| S | off | baseline |" in text
    assert "![Calls spent and staleness over the day](benchmarks.png)" in text


@pytest.mark.parametrize(
    ("over", "verdict"), [(9, "met (9 of 200"), (10, "**not met**")]
)
def test_refreshes_over_plan_are_judged_on_l_with_push_on(
    over: int, verdict: str
) -> None:
    """Under 5 % of L's refreshes with push on may cost more calls than were planned."""
    ours = _side(100.0)
    ours.over_plan = over
    large = replace(_run("L", ours, _side(150.0), 0.05), push=True)
    (line,) = [line for line in targets([large]) if "than planned" in line]
    assert verdict in line
    assert f"| 200 | {over} (" in render([large], seed=1, plot=None)


def test_report_without_cpu_leaves_every_cpu_figure_out() -> None:
    """`--no-cpu`: state writes stay, CPU milliseconds and the CPU target go."""
    runs = [
        _run("S", _side(100.0), _side(150.0), 0.05),
        _run("L", _side(100.0), _side(150.0), 0.3),
    ]
    text = render(runs, seed=7, plot=None, cpu=False)
    assert "CPU ms" not in text
    assert " ms " not in text
    assert "at most 10% of the CPU" not in text
    assert "## State writes\n" in text
    assert "| S | off | 100 | 3.0 | 2 / 100 |" in text
    assert "at most 10% of the CPU" in render(runs, seed=7, plot=None)


def test_report_names_the_hours_of_a_shorter_day() -> None:
    """A day cut short (`--hours`) says where it ended."""
    run = replace(_run("S", _side(100.0), _side(150.0), 0.05), end=900.0 + 7200.0)
    assert "from 00:15 to 02:15" in render([run], seed=7, plot=None)

"""Tests of the comparison of two runs: every figure counts, CPU seconds do not."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest

from bench import __main__ as bench_main
from bench.__main__ import check_reproducible
from bench.reproducible import compare_folders, compare_runs, differences, main
from bench.results import CpuResult, RunResult, SideResult
from bench.stats import CallSeries, Staleness


def _run(cpu_ms: float = 5.0) -> RunResult:
    """Return a run whose refreshes took some CPU milliseconds."""
    side = SideResult(
        calls=300,
        staleness={"all": Staleness(count=4, mean=120.5, p95=300.0, unseen=0)},
        series=CallSeries([900.0, 1200.3], [2, 5]),
    )
    return RunResult(
        account="S",
        push=True,
        start=900.0,
        end=8100.0,
        changes={"light": 4},
        ours=side,
        baseline=replace(side, calls=400),
        cpu=CpuResult(
            entities=38,
            refresh_changed_only=cpu_ms / 1000,
            refresh_before=2 * cpu_ms / 1000,
            own_changed_only=cpu_ms / 2000,
            writes_changed_only=0.0,
            writes_write_all=14.0,
        ),
    )


def test_cpu_seconds_are_no_difference() -> None:
    """Two runs of the same day differ in CPU time only: they are the same day."""
    assert compare_runs(_run(5.0), _run(9.0)) == []


def test_every_other_figure_is_compared() -> None:
    """A refresh a fraction of a second later, or one more state write, is a difference."""
    first = _run()
    later = replace(
        first, ours=replace(first.ours, series=CallSeries([900.0, 1200.4], [2, 5]))
    )
    assert compare_runs(first, later) == ["ours.series.times[1]: 1200.3 against 1200.4"]
    more = replace(first, cpu=replace(first.cpu, writes_write_all=15.0))
    assert compare_runs(first, more) == ["cpu.writes_write_all: 14.0 against 15.0"]


def test_differences_name_missing_keys_and_lengths() -> None:
    """Keys in one run only, and lists of different lengths, are named by their path."""
    assert differences({"a": [1, 2], "b": 1}, {"a": [1], "c": 1}) == [
        "a: 2 items against 1",
        "b: only in the first run",
        "c: only in the second run",
    ]
    assert differences({"a": {"b": None}}, {"a": {"b": None}}) == []


def test_a_short_day_is_the_same_day_twice() -> None:
    """Two hours of a morning on S with push on, run twice with different hash seeds.

    Changes by hand, refreshes, pushed thermostat states: the same figures in both runs.
    """
    runs, found = check_reproducible(["S:on"], 13, start="07:00", hours=2, cpu=False)
    assert found == []
    (run,) = runs
    assert (run.start, run.end) == (7 * 3600, 9 * 3600)
    assert run.ours.refreshes > 0
    assert sum(run.changes.values()) > 0
    assert run.ours.staleness["all"].count == sum(run.changes.values())


def test_the_check_fails_on_a_difference_and_writes_no_report(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--check-reproducible` exits 1 and names the figure when the second run differs."""
    runs = iter([_run(), replace(_run(), changes={"light": 5})])
    seeds: list[str | None] = []

    def fake_day(
        *_args: object, hash_seed: str | None = None, **_kw: object
    ) -> RunResult:
        """Return the next prepared run."""
        seeds.append(hash_seed)
        return next(runs)

    monkeypatch.setattr(bench_main, "run_day", fake_day)
    monkeypatch.setattr(bench_main, "DEFAULT_REPORT", tmp_path / "benchmarks.md")
    monkeypatch.setattr(bench_main, "DEFAULT_PLOT", tmp_path / "benchmarks.png")
    assert bench_main.main(["--runs", "S:on", "--check-reproducible"]) == 1
    assert seeds == ["1", "2"]
    err = capsys.readouterr().err
    assert "Not reproducible" in err
    assert "S:on: changes.light: 4 against 5" in err
    assert not any(tmp_path.iterdir())


def test_the_check_passes_on_the_same_figures(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two runs that differ in CPU time only pass; the report leaves CPU out with --no-cpu."""
    runs = iter([_run(5.0), _run(7.0)])
    monkeypatch.setattr(bench_main, "run_day", lambda *_a, **_kw: next(runs))
    code = bench_main.main(
        [
            "--runs",
            "S:on",
            "--check-reproducible",
            "--no-cpu",
            "--results",
            str(tmp_path),
        ]
    )
    assert code == 0
    assert [path.name for path in tmp_path.iterdir()] == ["S-push.json"]
    out, err = capsys.readouterr()
    assert "Reproducible: two runs of each of S:on (seed 13)" in err
    assert "CPU ms" not in out


@pytest.mark.parametrize(
    ("text", "expected"), [("07:00", "07:00"), ("7:30", None), ("00:14", None)]
)
def test_start_is_a_time_of_day_after_the_setup(
    text: str, expected: str | None
) -> None:
    """`--start` takes HH:MM from 00:15 on."""
    if expected is None:
        with pytest.raises(argparse.ArgumentTypeError):
            bench_main._time_of_day(text)
    else:
        assert bench_main._time_of_day(text) == expected


def test_kept_results_are_compared_folder_to_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--results` keeps each run; two folders compare file by file, CPU seconds left out."""
    before, after, empty = tmp_path / "before", tmp_path / "after", tmp_path / "none"
    bench_main.write_results([_run(5.0)], before)
    bench_main.write_results([_run(8.0)], after)
    assert main([str(before), str(after)]) == 0
    assert "the same figures" in capsys.readouterr().out
    bench_main.write_results([_run(), replace(_run(), account="M", push=False)], after)
    assert main([str(before), str(after)]) == 1
    assert capsys.readouterr().out == f"M-poll.json: only in {after}\n"
    assert compare_folders(empty, empty) == [f"no results in {empty} nor in {empty}"]
    assert main([str(before)]) == 2

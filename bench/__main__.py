"""Run the benchmark: every account with push off and on, then write the report and the plot.

Then the households over a week: every profile on every account, push off and on, in a
simulation of the schedule alone (fast); `--households-only` runs just those and rewrites only
their section of the report.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import subprocess
import sys
import tempfile

from . import week_report
from .households import HOUSEHOLDS
from .report import plot, render
from .results import RunResult

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUNS = "S:off,S:on,M:off,M:on,L:off,L:on"


def run_day(run: str, seed: int, out: Path) -> RunResult:
    """Run one account's day in its own pytest process and return what it measured."""
    env = {
        **os.environ,
        "BENCH_RUNS": run,
        "BENCH_SEED": str(seed),
        "BENCH_OUT": str(out),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-o",
        "log_level=WARNING",
        "-q",
        "--show-capture=no",
        str(ROOT / "bench" / "ha_day.py"),
    ]
    # The command is this interpreter running pytest on the day module: nothing from outside.
    completed = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-4000:])
        raise SystemExit(f"the day of {run} failed")
    account, push = run.split(":")
    name = f"{account}-{'push' if push == 'on' else 'poll'}.json"
    return RunResult.from_json(json.loads((out / name).read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    """Run the days, print the report and write it with its plot."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--runs", default=DEFAULT_RUNS, help="e.g. S:off,L:on")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "benchmarks.png")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument(
        "--households-only",
        action="store_true",
        help="run only the households over a week; keep the day's figures in the report",
    )
    parser.add_argument(
        "--profiles",
        default=",".join(HOUSEHOLDS),
        help="household profiles to run, e.g. even,away",
    )
    args = parser.parse_args(argv)
    households = _households(args)
    if args.households_only:
        kept = (
            args.report.read_text(encoding="utf-8")
            if args.report.exists()
            else "# Benchmarks\n"
        )
        text = kept.split(HOUSEHOLDS_HEADING)[0].rstrip() + "\n\n" + households
        args.report.write_text(text, encoding="utf-8")
        sys.stdout.write(households)
        return 0
    runs: list[RunResult] = []
    with tempfile.TemporaryDirectory() as folder:
        for run in args.runs.split(","):
            sys.stderr.write(f"==> {run}\n")
            sys.stderr.flush()
            runs.append(run_day(run, args.seed, Path(folder)))
    plot_name: str | None = None
    if not args.no_plot:
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        plot(runs, args.plot)
        plot_name = os.path.relpath(args.plot, args.report.parent)
    text = render(runs, seed=args.seed, plot=plot_name) + "\n" + households
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


HOUSEHOLDS_HEADING = "## Households over a week"


def _households(args: argparse.Namespace) -> str:
    """Run the households over a week and return their section of the report (plots written)."""
    sys.stderr.write("==> households over a week\n")
    sys.stderr.flush()
    runs = week_report.run_matrix(args.seed, profiles=args.profiles.split(","))
    plots: dict[str, str] = {}
    if not args.no_plot:
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        for name, path in week_report.plot(runs, args.plot.parent).items():
            plots[name] = os.path.relpath(path, args.report.parent)
    return week_report.render(runs, seed=args.seed, plots=plots)


if __name__ == "__main__":
    raise SystemExit(main())

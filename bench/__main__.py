"""Run the benchmark: every account with push off and on, then write the report and the plot.

Then the households over a week: every profile on every account, push off and on, in a
simulation of the schedule alone (fast); `--households-only` runs just those and rewrites only
their section of the report.
"""

from __future__ import annotations

import argparse
from datetime import time
import json
import os
from pathlib import Path
import subprocess
import sys
import tempfile

from . import week_report, week_restarts
from .households import HOUSEHOLDS
from .report import plot, render
from .reproducible import compare_runs
from .results import RunResult, result_name

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUNS = "S:off,S:on,M:off,M:on,L:off,L:on"
DEFAULT_REPORT = ROOT / "docs" / "benchmarks.md"
DEFAULT_PLOT = ROOT / "docs" / "benchmarks.png"
# The hash seeds of the two runs of a reproducibility check: different, so that an order taken
# from a set of strings, which changes with the hash seed, shows as a difference.
CHECK_HASH_SEEDS = ("1", "2")


def run_day(
    run: str,
    seed: int,
    out: Path,
    *,
    start: str | None = None,
    hours: float | None = None,
    cpu: bool = True,
    hash_seed: str | None = None,
) -> RunResult:
    """Run one account's day in its own pytest process and return what it measured."""
    env = {
        # A day run from within a test run does not take that run's plugins' settings along.
        **{
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "COV_CORE_"))
        },
        "BENCH_RUNS": run,
        "BENCH_SEED": str(seed),
        "BENCH_OUT": str(out),
        "BENCH_CPU": "1" if cpu else "0",
    }
    if start is not None:
        env["BENCH_START"] = start
    if hours is not None:
        env["BENCH_HOURS"] = str(hours)
    if hash_seed is not None:
        env["PYTHONHASHSEED"] = hash_seed
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
    name = result_name(account, push == "on")
    return RunResult.from_json(json.loads((out / name).read_text(encoding="utf-8")))


def check_reproducible(
    runs: list[str],
    seed: int,
    *,
    start: str | None = None,
    hours: float | None = None,
    cpu: bool = True,
) -> tuple[list[RunResult], list[str]]:
    """Run each day twice and return the first runs and where the second ones differ."""
    first: list[RunResult] = []
    found: list[str] = []
    for run in runs:
        results = []
        for hash_seed in CHECK_HASH_SEEDS:
            sys.stderr.write(f"==> {run} (hash seed {hash_seed})\n")
            sys.stderr.flush()
            with tempfile.TemporaryDirectory() as folder:
                results.append(
                    run_day(
                        run,
                        seed,
                        Path(folder),
                        start=start,
                        hours=hours,
                        cpu=cpu,
                        hash_seed=hash_seed,
                    )
                )
        first.append(results[0])
        found += [f"{run}: {line}" for line in compare_runs(*results)]
    return first, found


def write_results(runs: list[RunResult], folder: Path) -> None:
    """Write what each day measured into a folder, one JSON file per run."""
    folder.mkdir(parents=True, exist_ok=True)
    for run in runs:
        (folder / result_name(run.account, run.push)).write_text(
            json.dumps(run.to_json(), indent=1) + "\n", encoding="utf-8"
        )


def _time_of_day(text: str) -> str:
    """Return a time of day as HH:MM, or refuse it."""
    try:
        moment = time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time of day: {text!r}") from None
    if moment < time(0, 15):
        raise argparse.ArgumentTypeError("the day starts at 00:15 at the earliest")
    return moment.strftime("%H:%M")


def main(argv: list[str] | None = None) -> int:
    """Run the days, print the report and write it with its plot."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--runs", default=DEFAULT_RUNS, help="e.g. S:off,L:on")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--start",
        type=_time_of_day,
        help="start the day at this time (HH:MM, default 00:15; the quota day starts at "
        "midnight)",
    )
    parser.add_argument(
        "--hours",
        type=float,
        help="end the day this many hours after it starts (default: the whole day)",
    )
    parser.add_argument(
        "--no-cpu",
        action="store_true",
        help="measure no CPU time: the report leaves every CPU figure out "
        "(they are measurements of the machine, different at every run)",
    )
    parser.add_argument(
        "--check-reproducible",
        action="store_true",
        help="run each day twice, with different hash seeds, and compare every figure but "
        "CPU seconds; exit 1 if they differ",
    )
    parser.add_argument(
        "--report",
        type=Path,
        help="where to write the report (default: docs/benchmarks.md "
        "for a whole measured run, else none)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        help="where to draw the plot (default: docs/benchmarks.png "
        "for a whole measured run, else none)",
    )
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument(
        "--results",
        type=Path,
        help="keep what each day measured as JSON in this folder (S-poll.json, ...), to "
        "compare with another run's by python -m bench.reproducible FOLDER FOLDER",
    )
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
    if args.households_only:
        report_path = args.report or DEFAULT_REPORT
        households = _households(args, report_path)
        kept = (
            report_path.read_text(encoding="utf-8")
            if report_path.exists()
            else "# Benchmarks\n"
        )
        text = kept.split(HOUSEHOLDS_HEADING)[0].rstrip() + "\n\n" + households
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(text, encoding="utf-8")
        sys.stdout.write(households)
        return 0
    cpu = not args.no_cpu
    names = args.runs.split(",")
    # Only a whole day, measured once with its CPU, replaces the committed report.
    whole = (
        cpu
        and args.start is None
        and args.hours is None
        and not args.check_reproducible
    )
    report = args.report or (DEFAULT_REPORT if whole else None)
    plot_path = None if args.no_plot else args.plot or (DEFAULT_PLOT if whole else None)
    found: list[str] = []
    if args.check_reproducible:
        runs, found = check_reproducible(
            names, args.seed, start=args.start, hours=args.hours, cpu=cpu
        )
    else:
        runs = []
        with tempfile.TemporaryDirectory() as folder:
            for run in names:
                sys.stderr.write(f"==> {run}\n")
                sys.stderr.flush()
                runs.append(
                    run_day(
                        run,
                        args.seed,
                        Path(folder),
                        start=args.start,
                        hours=args.hours,
                        cpu=cpu,
                    )
                )
    if args.results is not None:
        write_results(runs, args.results)
    plot_name: str | None = None
    if plot_path is not None:
        plot_path.parent.mkdir(parents=True, exist_ok=True)
        plot(runs, plot_path)
        plot_name = os.path.relpath(plot_path, (report or ROOT / "x").parent)
    text = render(runs, seed=args.seed, plot=plot_name, cpu=cpu)
    if report is not None:
        # A report written by a day in Home Assistant carries the households beside it.
        text += "\n" + _households(args, report)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    if not args.check_reproducible:
        return 0
    if found:
        sys.stderr.write(
            "Not reproducible: two runs of the same seed differ\n"
            + "".join(f"  {line}\n" for line in found)
        )
        return 1
    sys.stderr.write(
        f"Reproducible: two runs of each of {', '.join(names)} (seed {args.seed}) "
        "gave the same figures, CPU seconds left out\n"
    )
    return 0


HOUSEHOLDS_HEADING = "## Households over a week"


def _households(args: argparse.Namespace, report: Path) -> str:
    """Run the households over a week and return their section of the report (plots written)."""
    sys.stderr.write("==> households over a week\n")
    sys.stderr.flush()
    runs = week_report.run_matrix(args.seed, profiles=args.profiles.split(","))
    plots: dict[str, str] = {}
    if not args.no_plot:
        folder = (args.plot or DEFAULT_PLOT).parent
        folder.mkdir(parents=True, exist_ok=True)
        for name, path in week_report.plot(runs, folder).items():
            plots[name] = os.path.relpath(path, report.parent)
    households = week_report.render(
        runs, seed=args.seed, plots=plots, cpu=not args.no_cpu
    )
    sys.stderr.write("==> households restarted once a day\n")
    sys.stderr.flush()
    rows = week_restarts.restart_rows(
        args.seed, runs, profiles=args.profiles.split(",")
    )
    restarts = week_restarts.render_restarts(rows, args.seed)
    return households.rstrip("\n") + "\n\n" + "\n".join(restarts) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())

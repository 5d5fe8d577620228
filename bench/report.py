"""The benchmark's report: tables in Markdown, targets met or not, and a plot of the day."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .accounts import ACCOUNTS
from .results import RunResult, SideResult
from .stats import Staleness, ratio

FAMILIES = ("all", "light", "plug", "shutter", "thermostat")
# The targets.
FRESHNESS_TARGET = 1.4
CPU_TARGET = 0.1
# Refreshes costing more calls than planned, at most this share on L with push on.
OVER_PLAN_TARGET = 0.05


def _clock(seconds: float | None) -> str:
    """Format seconds since midnight as HH:MM."""
    if seconds is None:
        return "-"
    minutes = int(seconds // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _seconds(value: float | None) -> str:
    """Format a duration in seconds, or a dash."""
    return "-" if value is None else f"{value:.0f}"


def _number(value: float | None, digits: int = 1) -> str:
    """Format a number, or a dash."""
    return "-" if value is None else f"{value:.{digits}f}"


def _push(run: RunResult) -> str:
    """Name the run's push setting."""
    return "on" if run.push else "off"


def _staleness(item: Staleness | None) -> str:
    """Format mean / p95 staleness, with the changes never seen that day."""
    if item is None:
        return "-"
    text = f"{_seconds(item.mean)} / {_seconds(item.p95)}"
    return f"{text} ({item.unseen} unseen)" if item.unseen else text


def _sides(run: RunResult) -> tuple[tuple[str, SideResult], ...]:
    """Return both sides of a run with their names."""
    return (("ours", run.ours), ("baseline", run.baseline))


def budget_table(runs: Sequence[RunResult]) -> list[str]:
    """Return the table of calls: a day, refused, blind time, setup, restart and commands."""
    lines = [
        "| account | push | side | calls a day | 403s | blind minutes (from) | setup calls | restart calls | calls per command | refreshes | refreshes over plan |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        for name, side in _sides(run):
            blind = (
                f"{side.blind_minutes:.0f} ({_clock(side.blind_from)})"
                if side.blind_from is not None
                else "0"
            )
            lines.append(
                f"| {run.account} | {_push(run)} | {name} | {side.calls} | {side.refused} "
                f"| {blind} | {side.setup_calls} | {side.restart_calls} "
                f"| {_number(side.calls_per_command)} "
                f"| {side.refreshes} | {_over_plan(name, side)} |"
            )
    return lines


def _over_plan(name: str, side: SideResult) -> str:
    """Return how many refreshes cost more than planned (the baseline plans nothing)."""
    if name != "ours":
        return "-"
    share = side.over_plan / side.refreshes if side.refreshes else 0.0
    return f"{side.over_plan} ({share:.1%})"


def staleness_table(runs: Sequence[RunResult]) -> list[str]:
    """Return the table of staleness (mean / p95 seconds) per device family."""
    lines = [
        "| account | push | side | " + " | ".join(FAMILIES) + " |",
        "| --- | --- | --- | " + " | ".join("---:" for _ in FAMILIES) + " |",
    ]
    for run in runs:
        for name, side in _sides(run):
            cells = " | ".join(_staleness(side.staleness.get(f)) for f in FAMILIES)
            lines.append(f"| {run.account} | {_push(run)} | {name} | {cells} |")
    return lines


def writes_table(runs: Sequence[RunResult], *, cpu: bool = True) -> list[str]:
    """Return the table of state writes and CPU per refresh: now, every entity, before.

    Without `cpu`, the CPU columns are left out: they differ at every run.
    """
    head = (
        "| account | push | entities | writes per refresh over the day "
        "| writes per unchanged refresh: now / every entity "
    )
    rule = "| --- | --- | ---: | ---: | ---: "
    if cpu:
        head += (
            "| refresh CPU ms, whole: now / every entity / before (now / before) "
            "| integration's own CPU ms: now / every entity / before (now / before) "
            "| telling the entities CPU ms: now / every entity / before (now / before) "
        )
        rule += "| ---: | ---: | ---: "
    lines = [head + "|", rule + "|"]
    for run in runs:
        measured = run.cpu
        line = (
            f"| {run.account} | {_push(run)} | {measured.entities} "
            f"| {_number(run.ours.writes_per_refresh)} "
            f"| {measured.writes_changed_only:.0f} / {measured.writes_write_all:.0f} "
        )
        if cpu:
            line += (
                _cpu_cell(
                    measured.refresh_changed_only,
                    measured.refresh_write_all,
                    measured.refresh_before,
                )
                + _cpu_cell(
                    measured.own_changed_only,
                    measured.own_write_all,
                    measured.own_before,
                )
                + _cpu_cell(
                    measured.fanout_changed_only,
                    measured.fanout_write_all,
                    measured.fanout_before,
                )
            )
        lines.append(line + "|")
    return lines


def _cpu_cell(now: float, every: float, before: float) -> str:
    """Return one CPU cell: the three ways in milliseconds and now against before."""
    return (
        f"| {_ms(now)} / {_ms(every)} / {_ms(before)} "
        f"({_number(ratio(now, before), 2)}) "
    )


def _ms(seconds: float) -> str:
    """Format CPU seconds as milliseconds."""
    return f"{seconds * 1000:.1f}"


def targets(runs: Sequence[RunResult], *, cpu: bool = True) -> list[str]:
    """Return the issue's targets, each with what was measured and whether it is met.

    Without `cpu`, the CPU target is left out: it was not measured.
    """
    lines: list[str] = []

    def verdict(ok: bool) -> str:
        """Name a result."""
        return "met" if ok else "**not met**"

    overruns = [run for run in runs if run.ours.refused]
    lines.append(
        f"- No quota overrun (no 403) on any account: {verdict(not overruns)}"
        + (
            " ("
            + ", ".join(
                f"{r.account} push {_push(r)}: {r.ours.refused}" for r in overruns
            )
            + ")"
            if overruns
            else f" ({len(runs)} runs)."
        )
    )
    for run in runs:
        if run.account != "S" or run.push:
            continue
        ours_all = run.ours.staleness.get("all")
        base_all = run.baseline.staleness.get("all")
        gain = ratio(
            base_all.mean if base_all else None, ours_all.mean if ours_all else None
        )
        lines.append(
            f"- S, push off: mean staleness over all changes at least {FRESHNESS_TARGET}x better "
            f"than the baseline: {verdict(gain is not None and gain >= FRESHNESS_TARGET)} "
            f"({_number(gain, 2)}x: {_seconds(ours_all.mean if ours_all else None)} s "
            f"against {_seconds(base_all.mean if base_all else None)} s)."
        )
        for family in ("light", "plug", "shutter"):
            ours_f = run.ours.staleness.get(family)
            base_f = run.baseline.staleness.get(family)
            if (
                ours_f is None
                or base_f is None
                or ours_f.mean is None
                or base_f.mean is None
            ):
                continue
            lines.append(
                f"- S, push off: {family}s no less fresh than the baseline: "
                f"{verdict(ours_f.mean <= base_f.mean)} "
                f"({_seconds(ours_f.mean)} s against {_seconds(base_f.mean)} s)."
            )
    for run in runs:
        if run.account != "L" or not run.push:
            continue
        share = run.ours.over_plan / run.ours.refreshes if run.ours.refreshes else 0.0
        lines.append(
            f"- L, push on: refreshes costing more than planned under "
            f"{OVER_PLAN_TARGET:.0%}: {verdict(share < OVER_PLAN_TARGET)} "
            f"({run.ours.over_plan} of {run.ours.refreshes}, {share:.1%})."
        )
    for run in runs:
        if run.account != "L" or not cpu:
            continue
        own = ratio(run.cpu.own_changed_only, run.cpu.own_before)
        whole = ratio(run.cpu.refresh_changed_only, run.cpu.refresh_before)
        lines.append(
            f"- L, push {_push(run)}: a refresh where nothing changed costs the integration "
            f"at most {CPU_TARGET:.0%} of the CPU it cost before: "
            f"{verdict(own is not None and own <= CPU_TARGET)} ({_number(own, 2)}: "
            f"{_ms(run.cpu.own_changed_only)} ms against {_ms(run.cpu.own_before)} ms; "
            f"with the simulated cloud's answers {_number(whole, 2)}: "
            f"{_ms(run.cpu.refresh_changed_only)} ms against "
            f"{_ms(run.cpu.refresh_before)} ms)."
        )
    return lines


def render(
    runs: Sequence[RunResult], *, seed: int, plot: str | None, cpu: bool = True
) -> str:
    """Return the whole report as Markdown; without `cpu`, every CPU figure is left out."""
    accounts = sorted({run.account for run in runs}, key=list(ACCOUNTS).index)
    start = min((run.start for run in runs), default=None)
    end = max((run.end for run in runs), default=None)
    lines = [
        "# Benchmarks",
        "",
        (
            "Written by `scripts/bench` (seed "
            f"{seed}): one virtual day on the simulated cloud, from {_clock(start)} to "
            f"{_clock(end)}, side by side. "
            "Both accounts get the same changes made by hand at the same moments (lights 4, plugs 3, "
            "shutters 2, thermostats 3 a day each, mostly in the morning and the evening). "
            "*Ours* is the integration in Home Assistant with its own coordinator; the *baseline* "
            "polls like Home Assistant's former `home_plus_control` (each plant's status every "
            "300 s, topology hourly, plants lists every 2 h) plus each thermostat every 15 minutes, "
            "and keeps calling when the quota is gone. The quota is 500 calls a day."
        ),
        "",
        "Accounts: "
        + "; ".join(f"{name} = {ACCOUNTS[name].description}" for name in accounts)
        + ".",
        "",
        (
            "Staleness is how long a change stays unseen: from the change to the moment the side "
            "shows it (a change never seen counts until the end of the day). *Blind* is the time "
            "left in the day once the quota is used up. The baseline has no push: its figures are "
            "the same day polled again."
        ),
        "",
        "## Targets",
        "",
        *targets(runs, cpu=cpu),
        "",
        "## Calls",
        "",
        *budget_table(runs),
        "",
        "## Staleness (seconds, mean / p95)",
        "",
        *staleness_table(runs),
        "",
        *(_cpu_section() if cpu else _writes_section()),
        "",
        *writes_table(runs, cpu=cpu),
        "",
    ]
    if plot is not None:
        lines += [f"![Calls spent and staleness over the day]({plot})", ""]
    return "\n".join(lines)


def _writes_section() -> list[str]:
    """Return the heading and the words of the state writes, CPU left out."""
    return [
        "## State writes",
        "",
        (
            "Counted after the day on refreshes where nothing changed: *now* is the integration "
            "as it is; *every entity* is the same refresh with every entity told and writing its "
            "state. CPU time was not measured (`--no-cpu`)."
        ),
    ]


def _cpu_section() -> list[str]:
    """Return the heading and the words of the state writes and CPU."""
    return [
        "## State writes and CPU",
        "",
        (
            "Measured after the day on refreshes where nothing changed, the ways taking turns "
            "for seven rounds (medians), in the same process, with asyncio's debug mode off as "
            "Home Assistant runs (the test harness turns it on): *now* is the integration as it "
            "is; *every entity* is the same refresh with every entity told and writing its "
            "state (what `home_plus_control` and Home Assistant's coordinator entities do by "
            "default); *before* is the code as it was when this was measured first (every "
            "entity told and written, each module found by scanning its plant, each status "
            "answer read whole; *now* reads again only the elements that changed since the "
            "plant's last answer). The *whole* "
            "refresh includes the simulated cloud answering in the same process. The "
            "*integration's own* CPU is the whole minus the CPU the simulated cloud spent in "
            "its request handlers and middlewares (measured around each request it answers): "
            "what is left is Home Assistant and the integration sending the requests, reading "
            "the answers and updating entities, and the aiohttp server's own plumbing of the "
            "simulated cloud, which stays counted (so the share is, if anything, overstated). "
            "*Telling the entities* is the CPU of the coordinator calling its listeners, state "
            "writes included. The targets are judged on the integration's own CPU. Energy "
            "totals of loads drawing power are told of every reading; with time stopped during "
            "the rounds they do not grow, so they are told but not written. CPU figures vary "
            "from machine to machine; the ratios are what to compare."
        ),
    ]


def plot(runs: Sequence[RunResult], path: Path) -> None:
    """Draw calls spent and staleness over the day, ours (poll and push) against the baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    accounts = sorted({run.account for run in runs}, key=list(ACCOUNTS).index)
    figure, axes = plt.subplots(
        len(accounts), 2, figsize=(12, 3.2 * len(accounts)), squeeze=False
    )
    for row, account in enumerate(accounts):
        calls_axis, stale_axis = axes[row]
        mine = [run for run in runs if run.account == account]
        for run in mine:
            label = f"ours, push {_push(run)}"
            hours = [t / 3600 for t in run.ours.series.times]
            calls_axis.plot(hours, run.ours.series.calls, label=label)
            stale_axis.plot(
                range(24),
                [None if v is None else v / 60 for v in run.ours.hourly_staleness],
                marker="o",
                label=label,
            )
        base = mine[0].baseline
        calls_axis.plot(
            [t / 3600 for t in base.series.times],
            base.series.calls,
            "k--",
            label="baseline",
        )
        stale_axis.plot(
            range(24),
            [None if v is None else v / 60 for v in base.hourly_staleness],
            "k--",
            marker="x",
            label="baseline",
        )
        calls_axis.axhline(500, color="grey", linewidth=0.8)
        calls_axis.set_title(f"{account}: calls spent (quota 500)")
        calls_axis.set_xlabel("hour of the day")
        stale_axis.set_title(f"{account}: mean staleness of the hour's changes (min)")
        stale_axis.set_xlabel("hour of the day")
        stale_axis.set_yscale("symlog", linthresh=1)
        calls_axis.legend(fontsize="small")
        stale_axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)

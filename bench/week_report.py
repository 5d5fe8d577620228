"""The households' report: per profile, how ours compares with the baseline and the limit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .accounts import ACCOUNTS
from .households import DAY, HOUSEHOLDS, devices, generate
from .stats import mean
from .week import Layout, run_week
from .week_figures import RESET_READ, Day, Family, day_figures

DAYS = 7
# The setup a quarter past midnight of the first day; the run ends a minute before the last
# reset.
START = 15 * 60.0
# The targets.
LIMIT_TARGET = 1.25
UNUSED_TARGET = 0.02
# Learning may take this many days before the limit target applies.
LEARNING_DAYS = 3
# A day whose foreseen figure is within this of the limit is a usual day.
FORESEEN_SAME = 0.01


@dataclass(slots=True, kw_only=True)
class ProfileRun:
    """One profile on one account with push off or on: its days."""

    profile: str
    account: str
    push: bool
    days: list[Day]
    plan_ms: float


def run_matrix(
    seed: int,
    profiles: Sequence[str] = tuple(HOUSEHOLDS),
    accounts: Sequence[str] = tuple(ACCOUNTS),
    pushes: Sequence[bool] = (False, True),
    days: int = DAYS,
    *,
    restarts: Sequence[float] = (),
    keep_learned: bool = True,
) -> list[ProfileRun]:
    """Run every profile on every account, push off and on; the seed draws every change.

    Ours restarts at each of `restarts`, with what it learned kept or (`keep_learned` False)
    lost.
    """
    results: list[ProfileRun] = []
    for name in profiles:
        household = HOUSEHOLDS[name]
        for account in accounts:
            scenario = ACCOUNTS[account].scenario()
            found = devices(scenario)
            layout = Layout.of(scenario)
            changes = generate(household, found, seed=seed, days=days, start=START)
            for push in pushes:
                run = run_week(
                    layout,
                    found,
                    changes,
                    push=push,
                    start=START,
                    end=days * DAY - 60,
                    restarts=restarts,
                    keep_learned=keep_learned,
                )
                results.append(
                    ProfileRun(
                        profile=name,
                        account=account,
                        push=push,
                        days=day_figures(
                            run,
                            household,
                            found,
                            layout,
                            push=push,
                            start=START,
                            days=days,
                        ),
                        plan_ms=1000 * run.ours.plan_cpu / max(1, run.ours.plans),
                    )
                )
    return results


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def worst(values: Iterable[float | None]) -> float | None:
    """Return the largest of some figures, those missing left out; None if all are."""
    return max((value for value in values if value is not None), default=None)


def ratio_text(value: float | None) -> str:
    """Return a ratio as the report prints it, a dash when there is none."""
    return "-" if value is None else f"{value:.2f}"


def _fam(item: Family) -> str:
    return "-" if item.mean is None else f"{item.mean:.0f} / {_s(item.p95)}"


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or theirs <= 0:
        return None
    return ours / theirs


def limit_ratio(day: Day) -> float | None:
    """Return ours against the limit, both expected under the day's true rates (judged)."""
    return _ratio(day.expected_polled, day.limit)


def drawn_limit_ratio(day: Day) -> float | None:
    """Return the mean staleness of the changes drawn that ours polls for, against the limit."""
    return _ratio(day.polled_mean, day.limit)


@dataclass(slots=True)
class Verdict:
    """Whether one run meets each target, with the worst figure behind it."""

    baseline_mean: float | None
    baseline_p95: float | None
    limit_after: float | None
    # The worst day's number (from 1), and where a schedule that knew the household's usual
    # day exactly would be on it, against the limit.
    limit_day: int | None
    foreseen_after: float | None
    unused: float
    hours_without_read: int
    reset_read: float | None
    zero_call: int
    over_plan: int

    def misses(self, *, limit: bool = True) -> list[str]:
        """Return the targets missed, in words (the limit's left out if `limit` is False)."""
        missed = []
        if self.baseline_mean is not None and self.baseline_mean > 1.0:
            missed.append(f"mean {self.baseline_mean:.2f}x the baseline's")
        if self.baseline_p95 is not None and self.baseline_p95 > 1.0:
            missed.append(f"p95 {self.baseline_p95:.2f}x the baseline's")
        if limit and self.limit_after is not None and self.limit_after > LIMIT_TARGET:
            why = (
                f" (day {self.limit_day}: a schedule that knew the household's usual day "
                f"exactly, {self.foreseen_after:.2f}x; ours "
                f"{self.limit_after / self.foreseen_after:.2f}x that)"
                if self.foreseen_after is not None
                and self.foreseen_after > 1.0 + FORESEEN_SAME
                else ""
            )
            missed.append(
                f"{self.limit_after:.2f}x the limit after day {LEARNING_DAYS}{why}"
            )
        if self.unused > UNUSED_TARGET:
            missed.append(f"{self.unused:.1%} of the calls unused")
        if self.hours_without_read:
            missed.append(f"{self.hours_without_read} hours without a read")
        if self.reset_read is None or self.reset_read > RESET_READ:
            missed.append("no read within 5 minutes of a reset")
        if self.zero_call:
            missed.append(f"{self.zero_call} refreshes without a call")
        if self.over_plan:
            missed.append(f"{self.over_plan} refreshes over their plan")
        return missed


def verdict(run: ProfileRun) -> Verdict:
    """Return the worst day's figure of each target (all changes, expected, whole days)."""
    means = [
        r
        for d in run.days
        if (r := _ratio(d.expected_ours.mean, d.expected_baseline.mean)) is not None
    ]
    p95s = [
        r
        for d in run.days
        if (r := _ratio(d.expected_ours.p95, d.expected_baseline.p95)) is not None
    ]
    late = [
        (r, d)
        for d in run.days
        if d.day >= LEARNING_DAYS - 1 and (r := limit_ratio(d)) is not None
    ]
    worst = max(late, key=lambda item: item[0], default=None)
    resets = [d.ours.reset_read for d in run.days[1:]]
    return Verdict(
        baseline_mean=max(means, default=None),
        baseline_p95=max(p95s, default=None),
        limit_after=None if worst is None else worst[0],
        limit_day=None if worst is None else worst[1].day + 1,
        foreseen_after=None
        if worst is None
        else _ratio(worst[1].foreseen, worst[1].limit),
        unused=max(d.ours.unused for d in run.days) / 500,
        hours_without_read=sum(d.ours.hours_without_read for d in run.days),
        reset_read=None
        if any(r is None for r in resets)
        else max((r for r in resets if r is not None), default=0.0),
        zero_call=sum(d.zero_call_refreshes for d in run.days),
        over_plan=sum(d.over_plan for d in run.days),
    )


def _name(run: ProfileRun) -> str:
    return f"{run.account}, push {'on' if run.push else 'off'}"


def profile_table(runs: Sequence[ProfileRun]) -> list[str]:
    """Return one profile's table: the week's figures of each account, push off and on."""
    lines = [
        (
            "| account | Home + Control, drawn: ours / baseline (mean / p95 s) "
            "| thermostats, drawn: ours / baseline (mean / p95 s) "
            "| all, expected: ours to baseline, mean / p95 (worst day) "
            "| all, drawn: ours to baseline, mean / p95 (the week) "
            "| ours to the limit, expected: day 1 / 3 / 7 / worst from day 3 "
            "| ours to the limit, drawn: worst from day 3 | calls a day (fewest) "
            "| unused at the reset (most) | blind minutes (most) "
            "| hours without a read (calls left) "
            "| first read after the reset (s, latest) | refreshes without a call "
            "| refreshes over plan |"
        ),
        "| --- | --- | --- |" + " ---: |" * 11,
    ]
    for run in runs:
        hc_o = _pool([d.ours.hc for d in run.days])
        hc_b = _pool([d.baseline.hc for d in run.days])
        th_o = _pool([d.ours.thermostat for d in run.days])
        th_b = _pool([d.baseline.thermostat for d in run.days])
        all_o = _pool([d.ours.all for d in run.days])
        all_b = _pool([d.baseline.all for d in run.days])
        ratios = [limit_ratio(d) for d in run.days]
        drawn = [
            r
            for d in run.days[LEARNING_DAYS - 1 :]
            if (r := drawn_limit_ratio(d)) is not None
        ]
        check = verdict(run)
        lines.append(
            f"| {_name(run)} | {_fam(hc_o)} / {_fam(hc_b)} | {_fam(th_o)} / {_fam(th_b)} "
            f"| {ratio_text(check.baseline_mean)} / {ratio_text(check.baseline_p95)} "
            f"| {ratio_text(_ratio(all_o.mean, all_b.mean))} / {ratio_text(_ratio(all_o.p95, all_b.p95))} "
            f"| {ratio_text(ratios[0])} / {ratio_text(ratios[min(2, len(ratios) - 1)])} / {ratio_text(ratios[-1])}"
            f" / {ratio_text(check.limit_after)} | {ratio_text(max(drawn, default=None))} "
            f"| {min(d.ours.calls for d in run.days)} "
            f"| {max(d.ours.unused for d in run.days)} "
            f"| {max(d.ours.blind_minutes for d in run.days):.0f} "
            f"| {check.hours_without_read} | {_s(check.reset_read)} "
            f"| {check.zero_call} | {check.over_plan} |"
        )
    return lines


def _pool(families: Sequence[Family]) -> Family:
    """Return a week's figure from its days': the mean weighted by count, the worst p95."""
    counted = [f for f in families if f.count and f.mean is not None]
    if not counted:
        return Family(count=0, mean=None, p95=None)
    total = sum(f.count for f in counted)
    return Family(
        count=total,
        mean=sum(f.count * (f.mean or 0.0) for f in counted) / total,
        p95=max(f.p95 or 0.0 for f in counted),
    )


def day_table(runs: Sequence[ProfileRun]) -> list[str]:
    """Return the day-by-day table of one profile: ours against the baseline and the limit."""
    days = len(runs[0].days)
    lines = [
        "| account | " + " | ".join(f"day {d + 1}" for d in range(days)) + " |",
        "| --- | " + " | ".join("---:" for _ in range(days)) + " |",
    ]
    for run in runs:
        cells = []
        for day in run.days:
            base = _ratio(day.expected_ours.mean, day.expected_baseline.mean)
            cells.append(
                f"{ratio_text(base)} / {ratio_text(limit_ratio(day))} ({ratio_text(drawn_limit_ratio(day))})"
            )
        lines.append(f"| {_name(run)} | " + " | ".join(cells) + " |")
    return lines


def targets(runs: Sequence[ProfileRun]) -> list[str]:
    """Return the targets, worst case first: what holds on every profile, and what misses."""
    lines: list[str] = []
    misses = [(run, verdict(run).misses()) for run in runs]
    missed = [(run, m) for run, m in misses if m]
    lines.append(
        f"- Runs meeting every target: {len(runs) - len(missed)} of {len(runs)}."
    )
    for run, items in missed:
        lines.append(f"- {run.profile}, {_name(run)}: " + "; ".join(items) + ".")
    return lines


def render(
    runs: Sequence[ProfileRun], *, seed: int, plots: dict[str, str], cpu: bool = True
) -> str:
    """Return the households' section of the report; without CPU figures when `cpu` is off.

    CPU time is a measurement of the machine, different at every run: every other figure is
    the same at every run of a seed.
    """
    verdicts = [verdict(run) for run in runs]
    worst_base = worst(v.baseline_mean for v in verdicts)
    worst_p95 = worst(v.baseline_p95 for v in verdicts)
    worst_limit = worst(v.limit_after for v in verdicts)
    plan = max(run.plan_ms for run in runs)
    lines = [
        "## Households over a week",
        "",
        (
            f"Written by `scripts/bench` (seed {seed}) from a simulation of the schedule alone: "
            "`PollSchedule` and `QuotaBudget` driven as the coordinator drives them (topology "
            "and plants lists twice a day, a refresh at the first source due), a read showing "
            "every change made on its source since the one before, a pushed thermostat change "
            "shown a second later. No Home Assistant and no simulated cloud: the figures above "
            "come from the day in Home Assistant, these from this simulation. "
            f"{DAYS} days from a quarter past midnight, quota 500 a day, no command. The baseline "
            "is the one above, refused once its 500 calls are spent."
        ),
        "",
        "Profiles (drawn by the bench, without the schedule's constants): "
        + "; ".join(f"*{h.name}*: {h.description}" for h in HOUSEHOLDS.values())
        + ".",
        "",
        (
            "The *limit* is the least mean staleness any schedule reading each source on its "
            "own could reach with the same calls, knowing the household's true rates hour by "
            "hour (square-root allocation): the day's polled reads plus the calls left unused, "
            "over the sources polled (Home + Control plants, and thermostats with push off). "
            "It is an expectation, so ours is judged by the same measure: the *expected* "
            "staleness of our actual reads under the day's true rates (a change made at a "
            "moment waits until its source's next read; `bench/expected.py`), whatever the "
            "seed drew. The *drawn* figures are those of the changes the seed drew: on S about "
            "20 a day, so one change in a long gap moves a day's mean by a third; they are "
            "shown, not judged. The baseline is judged the same way (its reads under the same "
            "rates). Targets: never above the baseline (expected mean and p95 of all changes) "
            f"on any day; from day {LEARNING_DAYS} on, at most {LIMIT_TARGET}x the limit; at "
            f"most {UNUSED_TARGET:.0%} of a day's calls unused; no hour without a read while "
            "calls are left; a read within 5 minutes of each reset; no refresh that makes no "
            "call, none that makes more than its plan counted."
        ),
        "",
        "### Targets",
        "",
        (
            f"- Worst day, all profiles and accounts: expected mean staleness {ratio_text(worst_base)}x the "
            f"baseline's, p95 {ratio_text(worst_p95)}x; from day {LEARNING_DAYS} on, {ratio_text(worst_limit)}x "
            "the limit "
            f"(target {LIMIT_TARGET}x)."
        ),
        *(
            [f"- Planning CPU per refresh in this simulation: at most {plan:.2f} ms."]
            if cpu
            else []
        ),
        *targets(runs),
        "",
    ]
    for name in HOUSEHOLDS:
        mine = [run for run in runs if run.profile == name]
        if not mine:
            continue
        lines += [
            f"### {name}",
            "",
            HOUSEHOLDS[name].description[0].upper()
            + HOUSEHOLDS[name].description[1:]
            + ". The week:",
            "",
            *profile_table(mine),
            "",
            (
                "Day by day, expected: ours to the baseline (all changes) / ours to the "
                "limit (the changes ours polls for); in brackets, the changes drawn to the "
                "limit."
            ),
            "",
            *day_table(mine),
            "",
        ]
        if name in plots:
            lines += [f"![{name}: ours to the limit, day by day]({plots[name]})", ""]
    return "\n".join(lines)


def plot(runs: Sequence[ProfileRun], folder: Path) -> dict[str, Path]:
    """Draw, per profile, ours to the limit and to the baseline day by day."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: dict[str, Path] = {}
    for name in HOUSEHOLDS:
        mine = [run for run in runs if run.profile == name]
        if not mine:
            continue
        figure, (limit_axis, base_axis) = plt.subplots(1, 2, figsize=(11, 3.2))
        for run in mine:
            days = [d.day + 1 for d in run.days]
            limit_axis.plot(
                days, [limit_ratio(d) for d in run.days], marker="o", label=_name(run)
            )
            base_axis.plot(
                days,
                [
                    _ratio(d.expected_ours.mean, d.expected_baseline.mean)
                    for d in run.days
                ],
                marker="o",
                label=_name(run),
            )
        limit_axis.axhline(LIMIT_TARGET, color="grey", linewidth=0.8)
        limit_axis.set_title(f"{name}: ours to the limit (expected mean staleness)")
        base_axis.axhline(1.0, color="grey", linewidth=0.8)
        base_axis.set_yscale("log")
        base_axis.set_title(f"{name}: ours to the baseline (expected mean, log)")
        for axis in (limit_axis, base_axis):
            axis.set_xlabel("day")
            axis.legend(fontsize="x-small")
        figure.tight_layout()
        path = folder / f"benchmarks-{name}.png"
        figure.savefig(path, dpi=80)
        plt.close(figure)
        paths[name] = path
    return paths


def weekly_mean(runs: Sequence[ProfileRun]) -> float | None:
    """Return the mean of the runs' limit ratios (a one-line summary)."""
    return mean(
        [r for run in runs for d in run.days if (r := limit_ratio(d)) is not None]
    )

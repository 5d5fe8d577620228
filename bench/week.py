"""Several virtual days of the polling schedule alone, against the baseline, in a fraction of a second.

No Home Assistant and no simulated cloud: the schedule (`PollSchedule`) and the budget
(`QuotaBudget`) are driven as the coordinator drives them, a read revealing the changes made on
its source since the one before, and the baseline polls on its fixed intervals. This is what the
multi-day household figures come from; the end-to-end day in Home Assistant (`bench/ha_day.py`)
checks the same schedule with everything around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
import math
import time
from typing import Any

from custom_components.legrand_eliot.eliot import QuotaBudget
from custom_components.legrand_eliot.eliot.const import MIN_REFRESH_INTERVAL
from custom_components.legrand_eliot.poll_allocation import Source
from custom_components.legrand_eliot.poll_learning import (
    PRIOR_MODULE_CHANGES_A_DAY,
    PRIOR_THERMOSTAT_CHANGES_A_DAY,
)
from custom_components.legrand_eliot.poll_schedule import PollSchedule

from .changes import Change
from .households import DAY, Device
from .schedule import BaselineSchedule

# Midnight of the first day (UTC, the home's time zone here: no daylight saving change).
EPOCH = datetime(2026, 11, 25, tzinfo=UTC)
# Topology, scenes, programs and the plants lists are read twice a day, as the coordinator does.
TOPOLOGY = 12 * 3600.0
# A pushed thermostat change shows about this much later.
PUSH_DELAY = 1.0
LIMIT = 500


@dataclass(frozen=True, slots=True)
class Layout:
    """What an account holds: Home + Control plants (all their modules) and thermostat plants."""

    plants: dict[str, int]
    thermostat_plants: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, scenario: Mapping[str, Any]) -> Layout:
        """Return the layout of a scenario's first user."""
        user = scenario["users"][0]
        return cls(
            plants={
                plant["id"]: len(plant.get("modules", []))
                + sum(len(a["modules"]) for a in plant.get("ambients", []))
                for plant in user.get("homecontrol", [])
            },
            thermostat_plants={
                plant["id"]: tuple(t["id"] for t in plant.get("thermostats", []))
                for plant in user.get("smarther", [])
            },
        )

    @property
    def thermostats(self) -> list[str]:
        """Return every thermostat."""
        return [t for ids in self.thermostat_plants.values() for t in ids]

    def plant_calls(self, plant_id: str) -> int:
        """Return the calls of one plant's topology read."""
        if plant_id in self.plants:
            return 2
        return 1 + len(self.thermostat_plants[plant_id])


@dataclass(slots=True)
class Seen:
    """One change and when a side showed it (None: not within the run)."""

    change: Change
    source: str
    seen_at: float | None = None


@dataclass(slots=True)
class Refresh:
    """One refresh of ours: when, the calls it made and the calls its plan counted.

    `planned` is None for a refresh no plan foresaw: the first, the first after a restart
    (made even when the quota is spent), and the first after the quota ran out.
    """

    at: float
    calls: int
    planned: int | None


@dataclass(slots=True)
class SideLog:
    """What one side did over the run: its calls (moment, what for) and what it showed when."""

    calls: list[tuple[float, str]] = field(default_factory=list)
    # When each source was read (its status), in order.
    reads: dict[str, list[float]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    refreshes: list[Refresh] = field(default_factory=list)
    plan_cpu: float = 0.0
    plans: int = 0


class _Pending:
    """Changes each source has not shown yet."""

    def __init__(self) -> None:
        self.by_source: dict[str, list[Seen]] = {}

    def add(self, item: Seen) -> None:
        self.by_source.setdefault(item.source, []).append(item)

    def reveal(self, source: str, at: float) -> int:
        """Show a source's pending changes at `at`; return how many modules had changed."""
        items = self.by_source.pop(source, [])
        for item in items:
            item.seen_at = at
        return len({item.change.module_id for item in items})


def _moment(seconds: float) -> datetime:
    """Return the moment some seconds after the first midnight."""
    return EPOCH + timedelta(seconds=seconds)


def _reads_before(read_at: float | None, moment: float) -> int:
    """Return how many twice-daily reads fall before a moment (now, if never read)."""
    if read_at is None:
        return 1
    return max(0, math.ceil((moment - read_at - TOPOLOGY) / TOPOLOGY))


class Ours:
    """The schedule and the budget, driven as the coordinator drives them."""

    def __init__(
        self, layout: Layout, sources: Mapping[str, str], *, push: bool
    ) -> None:
        """Start with nothing read; `sources` maps each device to what reads it."""
        self.layout = layout
        self.push = push
        self.now = 0.0
        self.budget = QuotaBudget(daily_limit=LIMIT, time_zone=UTC, clock=self._clock)
        self.schedule = PollSchedule(zone=UTC)
        self.lists_at: dict[str, float | None] = {"hc": None, "smarther": None}
        self.plant_at: dict[str, float | None] = dict.fromkeys(
            [*layout.plants, *layout.thermostat_plants]
        )
        self.confirmed: dict[str, float] = {}
        self.sources = sources
        self.pending = _Pending()
        self.log = SideLog()
        self.next_at = 0.0
        self.planned: int | None = None

    def _clock(self) -> datetime:
        return _moment(self.now)

    def restart(self, at: float, *, keep_learned: bool = True) -> None:
        """Restart Home Assistant at `at`, as the entry comes back from its stores.

        The budget and the topology are kept; what polling learned comes back through its
        store's JSON (unless `keep_learned` is False: a restart that lost it); when each source
        was last read and what push confirmed are gone, so the first refresh, at once, reads
        every source.
        """
        learned = json.loads(json.dumps(self.schedule.learned()))
        self.schedule = PollSchedule(zone=UTC)
        if keep_learned:
            self.schedule.restore_learned(learned)
        self.confirmed.clear()
        self.now = self.next_at = at
        self.planned = None

    def _prior(self, key: str) -> float:
        if key in self.layout.plants:
            return PRIOR_MODULE_CHANGES_A_DAY * max(1, self.layout.plants[key]) / 24
        return PRIOR_THERMOSTAT_CHANGES_A_DAY / 24

    def _covered(self, key: str) -> bool:
        return self.push and key in self.confirmed

    def change(self, change: Change) -> None:
        """Make a change by hand: pushed at once for a thermostat with push on."""
        item = Seen(change, self.sources[change.module_id])
        self.log.seen.append(item)
        if self.push and change.family == "thermostat":
            item.seen_at = change.at + PUSH_DELAY
            self.confirmed[item.source] = change.at + PUSH_DELAY
            self._retime(change.at + PUSH_DELAY)
            return
        self.pending.add(item)

    def _retime(self, at: float) -> None:
        """Move the next refresh when a push left it nothing to read, as the coordinator does."""
        if not self.planned or self._calls_at(self.next_at) > 0:
            return
        self._set_next(at)

    def _call(self, what: str) -> bool:
        """Spend one call if the budget allows it."""
        if self.budget.calls_left <= 0:
            return False
        self.budget.charge(1)
        self.log.calls.append((self.now, what))
        return True

    def _topology_due(self, at: float) -> tuple[list[str], list[str]]:
        """Return the plants lists and the plants whose topology a refresh at `at` reads."""
        lists = [k for k, t in self.lists_at.items() if t is None or at - t >= TOPOLOGY]
        new = [p for p, t in self.plant_at.items() if t is None]
        stale = sorted(
            (
                p
                for p, t in self.plant_at.items()
                if t is not None and at - t >= TOPOLOGY
            ),
            key=lambda p: self.plant_at[p] or 0.0,
        )
        return lists, new + stale[:1]

    def _topology_calls(self, at: float) -> int:
        lists, plants = self._topology_due(at)
        return len(lists) + sum(self.layout.plant_calls(p) for p in plants)

    def refresh(self) -> None:
        """Refresh at `now`: the topology due, then every source due; then plan the next."""
        at = self.now
        before = len(self.log.calls)
        ok = True
        lists, plants = self._topology_due(at)
        for key in lists:
            ok = ok and self._call("topology")
            if ok:
                self.lists_at[key] = at
        for plant in plants:
            for _ in range(self.layout.plant_calls(plant)):
                ok = ok and self._call("topology")
            if ok:
                self.plant_at[plant] = at
        keys = [*self.layout.plants, *self.layout.thermostats]
        for key in keys:
            if not ok:
                break
            confirmed = self.confirmed.get(key)
            if not self.schedule.is_due(
                key, _moment(at), None if confirmed is None else _moment(confirmed)
            ):
                continue
            ok = self._call("reconcile" if self._covered(key) else "poll")
            if not ok:
                break
            self.log.reads.setdefault(key, []).append(at)
            changes: int | None = self.pending.reveal(key, at)
            if self.schedule.last_read.get(key) is None:
                changes = None
            self.schedule.read(key, _moment(at), changes, self._prior(key))
            if key not in self.layout.plants:
                self.confirmed[key] = at
        self.log.refreshes.append(
            Refresh(at, len(self.log.calls) - before, self.planned)
        )
        if not ok:
            # The budget is spent: nothing more until it resets.
            self.next_at = (self.budget.reset_at - EPOCH).total_seconds()
            self.planned = None
            return
        started = time.process_time()
        self._plan()
        self.log.plan_cpu += time.process_time() - started
        self.log.plans += 1

    def _plan(self) -> None:
        """Plan as the coordinator does: the budget shared, the refresh at the first one due."""
        now = self.now
        sources = [
            Source(key, 1, self.schedule.rate_of(key, self._prior(key)).rate)
            for key in self.layout.plants
        ] + [
            Source(
                key,
                1,
                self.schedule.rate_of(key, self._prior(key)).rate,
                covered=self._covered(key),
            )
            for key in self.layout.thermostats
        ]
        whole = 2 + sum(self.layout.plant_calls(p) for p in self.plant_at)
        self.budget.floor_calls_per_hour = len(sources) + math.ceil(whole / 12)
        reset = (self.budget.reset_at - EPOCH).total_seconds()
        set_aside = sum(_reads_before(t, reset) for t in self.lists_at.values()) + sum(
            _reads_before(t, reset) * self.layout.plant_calls(p)
            for p, t in self.plant_at.items()
        )
        allowance = self.budget.polling_allowance(set_aside=set_aside)
        confirmed = {key: _moment(at) for key, at in self.confirmed.items()}
        self.schedule.plan(
            sources, allowance, _moment(now), self.budget.reset_at, confirmed
        )
        self._set_next(now)

    def _set_next(self, now: float) -> None:
        """Set the next refresh for the first source due, and count the calls it makes."""
        keys = [*self.layout.plants, *self.layout.thermostats]
        first: float | None = None
        for key in keys:
            confirmed = self.confirmed.get(key)
            due = self.schedule.due_at(
                key, None if confirmed is None else _moment(confirmed)
            )
            seconds = now if due is None else (due - EPOCH).total_seconds()
            first = seconds if first is None else min(first, seconds)
        wake = MIN_REFRESH_INTERVAL.total_seconds()
        interval = max(wake, math.ceil((first if first is not None else now) - now))
        self.next_at = now + interval
        self.planned = self._calls_at(self.next_at)

    def _calls_at(self, moment: float) -> int:
        """Return the calls a refresh at `moment` makes: the topology and the sources due."""
        at = _moment(moment)
        return self._topology_calls(moment) + sum(
            1
            for key in [*self.layout.plants, *self.layout.thermostats]
            if self.schedule.is_due(
                key,
                at,
                None if (c := self.confirmed.get(key)) is None else _moment(c),
            )
        )


class Baseline:
    """The fixed-interval poller, refused once the day's calls are spent."""

    def __init__(
        self, layout: Layout, sources: Mapping[str, str], start: float
    ) -> None:
        """Start with everything due at `start`."""
        self.layout = layout
        self.sources = sources
        self.schedule = BaselineSchedule(start)
        self.pending = _Pending()
        self.log = SideLog()
        self.used: dict[int, int] = {}

    def change(self, change: Change) -> None:
        """Make a change by hand: the baseline sees it at its next read of the source."""
        item = Seen(change, self.sources[change.module_id])
        self.log.seen.append(item)
        self.pending.add(item)

    def _call(self, at: float, what: str) -> bool:
        day = int(at // DAY)
        self.log.calls.append((at, what))
        self.used[day] = self.used.get(day, 0) + 1
        return self.used[day] <= LIMIT

    def _read(self, source: str, at: float) -> None:
        self.log.reads.setdefault(source, []).append(at)
        self.pending.reveal(source, at)

    def run(self, at: float) -> None:
        """Run every task due at `at`."""
        for task in self.schedule.pop_due(at):
            if task == "plants":
                self._call(at, "topology")
                self._call(at, "topology")
            elif task == "topology":
                for _ in [*self.layout.plants, *self.layout.thermostat_plants]:
                    self._call(at, "topology")
            elif task == "status":
                for plant in self.layout.plants:
                    if self._call(at, "poll"):
                        self._read(plant, at)
            else:
                for thermostat in self.layout.thermostats:
                    if self._call(at, "poll"):
                        self._read(thermostat, at)


@dataclass(slots=True)
class WeekRun:
    """Both sides over the run."""

    ours: SideLog
    baseline: SideLog
    end: float


def run_week(
    layout: Layout,
    found: Sequence[Device],
    changes: Sequence[Change],
    *,
    push: bool,
    start: float,
    end: float,
    restarts: Sequence[float] = (),
    keep_learned: bool = True,
) -> WeekRun:
    """Run both sides from `start` (the setup) to `end`, seconds after the first midnight.

    Ours restarts at each of `restarts` (the baseline, which keeps nothing, runs on).
    """
    sources = {device.module_id: device.plant_id for device in found}
    ours = Ours(layout, sources, push=push)
    base = Baseline(layout, sources, start)
    ours.now = ours.next_at = start
    queue = list(changes)
    index = 0
    pending_restarts = sorted(restarts)
    while True:
        change_at = queue[index].at if index < len(queue) else math.inf
        base_at = base.schedule.next_due()
        restart_at = pending_restarts[0] if pending_restarts else math.inf
        step = min(change_at, ours.next_at, base_at, restart_at)
        if step >= end:
            break
        if restart_at == step:
            pending_restarts.pop(0)
            ours.restart(step, keep_learned=keep_learned)
            continue
        if change_at == step:
            ours.change(queue[index])
            base.change(queue[index])
            index += 1
            continue
        if ours.next_at == step:
            ours.now = step
            ours.refresh()
        if base_at == step:
            base.run(step)
    return WeekRun(ours.log, base.log, end)

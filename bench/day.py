"""One virtual day, side by side: our coordinator in Home Assistant and the baseline poller.

Time is frozen and moved from event to event: the next change made by hand, the baseline's next
read, our coordinator's next refresh. Both accounts live in their own simulated cloud and get
the same changes at the same moments.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import statistics
import time
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    Platform,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.update_coordinator import (
    CoordinatorEntity,
    DataUpdateCoordinator,
)
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.coordinator import LegrandEliotCoordinator
from custom_components.legrand_eliot.data import EliotData, HomeControlPlant
from custom_components.legrand_eliot.eliot.home_control_models import (
    ModuleState,
    PlantStatus,
)
from custom_components.legrand_eliot.eliot.plant_models import Module, Topology
from custom_components.legrand_eliot.entity import EliotEntity, HomeControlEntity
from custom_components.legrand_eliot.push_receiver import COALESCE_DELAY
from simulator import SimulatedCloud

from .baseline import BaselinePoller, show
from .changes import Change
from .observe import Pending, change_body
from .results import CpuResult, SideResult
from .schedule import BaselineSchedule
from .stats import blind_minutes, hourly_staleness, staleness_by_family

# The longest time the day moves in one step: calls are sampled at least this often.
MAX_STEP = 300.0
# Rounds of CPU measurement after the day; each round measures every way once.
CPU_ROUNDS = 7
# The ways entities are updated: as the code is, writing every entity, and as before.
WAYS = ("now", "every entity", "before")
# How a status answer is read, every element of it.
_READ_STATUS = PlantStatus.from_dict


class WriteCounter:
    """Count the state writes of the integration's entities (changed or not)."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Listen to state writes."""
        self.hass = hass
        self.count = 0
        self._removers = [
            hass.bus.async_listen(kind, self._record, self._ours)
            for kind in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
        ]

    @callback
    def _ours(self, data: Any) -> bool:
        """Return whether the write is one of the integration's entities."""
        entry = er.async_get(self.hass).async_get(data["entity_id"])
        return entry is not None and entry.platform == DOMAIN

    @callback
    def _record(self, _event: Event[Any]) -> None:
        """Count one write."""
        self.count += 1

    def stop(self) -> None:
        """Stop counting."""
        for remove in self._removers:
            remove()


@dataclass(slots=True)
class Sides:
    """Both sides of the day: our entry and cloud, the baseline and its cloud."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    entry: MockConfigEntry
    cloud: SimulatedCloud
    baseline: BaselinePoller
    baseline_cloud: SimulatedCloud
    push: bool
    start: datetime
    families: dict[str, str] = field(default_factory=dict)

    @property
    def coordinator(self) -> LegrandEliotCoordinator:
        """Return our coordinator."""
        coordinator: LegrandEliotCoordinator = self.entry.runtime_data.coordinator
        return coordinator

    def seconds(self) -> float:
        """Return the seconds since the start of the day."""
        return (dt_util.utcnow() - self.start).total_seconds()


def calls_of(cloud: SimulatedCloud) -> int:
    """Return the calls a simulated cloud charged to its users."""
    return sum(cloud.metering.by_user.values())


def next_refresh_in(coordinator: LegrandEliotCoordinator) -> float | None:
    """Return the seconds until our coordinator's scheduled refresh (None: none scheduled)."""
    moment = coordinator.next_refresh
    if moment is None:
        return None
    return (moment - dt_util.utcnow()).total_seconds()


def ours_view(data: EliotData) -> dict[str, tuple[Any, Any]]:
    """Return what our coordinator shows of each device: (module state, thermostat status)."""
    shown: dict[str, tuple[Any, Any]] = {}
    for plant in data.home_control.values():
        if plant.status is not None and plant.available:
            for module_id, state in plant.status.modules.items():
                shown[module_id] = (state, None)
    for smarther in data.smarther.values():
        for module_id, status in smarther.thermostats.items():
            if module_id not in smarther.unavailable:
                shown[module_id] = (None, status)
    return shown


@dataclass(slots=True)
class ViewOf:
    """What our coordinator shows of each device, as the changes are judged."""

    shown: dict[str, tuple[Any, Any]]
    families: dict[str, str]

    def __call__(self, module_id: str) -> Any:
        """Return what is shown of a device for its family."""
        return show(*self.shown.get(module_id, (None, None)), self.families[module_id])


def world_state(cloud: SimulatedCloud, module_id: str) -> dict[str, Any]:
    """Return a device's current state in a simulated cloud, as a change is computed from."""
    now = cloud.clock.now()
    if (found := cloud.world.hc_module(module_id)) is not None:
        module = found[1]
        return {
            "status": module.status,
            "level": module.level,
            "position": module.position(now, cloud.options.shutter_travel_time)
            if module.device == "automation"
            else None,
        }
    thermostat = cloud.world.thermostat(module_id)
    assert thermostat is not None
    return {
        "set_point": thermostat[1].snapshot(now, thermostat[0].zone).get("setPoint")
    }


async def settle(hass: HomeAssistant) -> None:
    """Let every timer that is due run, and wait for what it started."""
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def run_day(
    sides: Sides, changes: list[Change], end: float, ours: SideResult, base: SideResult
) -> None:
    """Run the day from now to `end` seconds after its start, filling both sides' results."""
    hass, freezer, coordinator = sides.hass, sides.freezer, sides.coordinator
    schedule = BaselineSchedule(sides.seconds())
    pending_ours, pending_base = Pending(), Pending()
    writes = WriteCounter(hass)
    refresh_writes = 0
    queue = list(changes)
    index = 0
    while True:
        now = sides.seconds()
        refresh_in = next_refresh_in(coordinator)
        upcoming = [schedule.next_due(), now + MAX_STEP]
        if refresh_in is not None:
            upcoming.append(now + max(refresh_in, 0.0) + 0.01)
        if queue:
            upcoming.append(queue[0].at)
        step = max(min(upcoming), now)
        if step >= end:
            break
        freezer.move_to(sides.start + timedelta(seconds=step))
        pushed = False
        while queue and queue[0].at <= step:
            change = queue.pop(0)
            body, value = change_body(
                change.family, world_state(sides.cloud, change.module_id), index
            )
            index += 1
            sides.cloud.physical(change.module_id, body)
            sides.baseline_cloud.physical(change.module_id, body)
            pending_ours.add(change.module_id, change.family, change.at, value)
            pending_base.add(change.module_id, change.family, change.at, value)
            pushed = pushed or (sides.push and change.family == "thermostat")
        if pushed:
            await sides.cloud.push.flush()
            await hass.async_block_till_done()
            freezer.tick(COALESCE_DELAY + 0.1)
        before = writes.count
        refreshing = refresh_in is not None and now + refresh_in <= sides.seconds()
        planned, calls_before = coordinator.planned_calls, calls_of(sides.cloud)
        await settle(hass)
        if refreshing:
            ours.refreshes += 1
            refresh_writes += writes.count - before
            ours.over_plan += calls_of(sides.cloud) - calls_before > planned
        at = sides.seconds()
        pending_ours.check(ViewOf(ours_view(coordinator.data), sides.families), at)
        for task in schedule.pop_due(step):
            base.refreshes += task == "status"
            await sides.baseline.run(task)
        if not base.setup_calls:
            base.setup_calls = calls_of(sides.baseline_cloud)
        pending_base.check(sides.baseline.viewer(sides.families), at)
        ours.series.add(at, calls_of(sides.cloud))
        base.series.add(at, calls_of(sides.baseline_cloud))
    writes.stop()
    limit = sides.cloud.options.quota_limit
    for side, cloud, pending in (
        (ours, sides.cloud, pending_ours),
        (base, sides.baseline_cloud, pending_base),
    ):
        side.calls = calls_of(cloud)
        side.refused = max(0, side.calls - limit)
        side.blind_minutes, side.blind_from = blind_minutes(side.series, limit, end)
        side.staleness = staleness_by_family(pending.observed, end)
        side.hourly_staleness = hourly_staleness(pending.observed, end)
    ours.writes_per_refresh = (
        refresh_writes / ours.refreshes if ours.refreshes else None
    )


async def measure_cpu(
    sides: Sides, next_day: datetime, rounds: int = CPU_ROUNDS
) -> CpuResult:
    """Measure refreshes where nothing changed: as the code is, writing everything, as before.

    Runs on the next quota day, so the calls it spends do not count in the day's figures. The
    three ways take turns, round after round, and each figure is the median of its rounds, so
    that other work on the machine weighs on all three alike. Each refresh is measured whole,
    without the CPU the simulated cloud spent answering it (the integration's own share), and
    in the coordinator telling its entities.
    """
    hass, coordinator = sides.hass, sides.coordinator
    sides.freezer.move_to(next_day)
    await settle(hass)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    writes = WriteCounter(hass)
    samples: dict[str, list[_Sample]] = {way: [] for way in WAYS}
    # Home Assistant runs its loop without asyncio's debug mode, which the test harness turns
    # on: it records a stack trace for every task and future, a cost of the harness alone.
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)
    try:
        for _ in range(rounds):
            for way in WAYS:
                with _way(way):
                    samples[way].append(await _sample(sides, writes))
    finally:
        loop.set_debug(debug)
        writes.stop()

    def median(way: str, figure: str) -> float:
        """Return the median of one figure of one way."""
        return float(
            statistics.median(getattr(sample, figure) for sample in samples[way])
        )

    return CpuResult(
        entities=len(
            er.async_entries_for_config_entry(er.async_get(hass), sides.entry.entry_id)
        ),
        refresh_changed_only=median("now", "refresh"),
        fanout_changed_only=median("now", "entities"),
        writes_changed_only=median("now", "writes"),
        own_changed_only=median("now", "own"),
        refresh_write_all=median("every entity", "refresh"),
        fanout_write_all=median("every entity", "entities"),
        writes_write_all=median("every entity", "writes"),
        own_write_all=median("every entity", "own"),
        refresh_before=median("before", "refresh"),
        fanout_before=median("before", "entities"),
        own_before=median("before", "own"),
    )


def _way(way: str) -> contextlib.AbstractContextManager[object]:
    """Return the patches that make the integration update its entities one way."""
    stack = contextlib.ExitStack()
    if way in {"every entity", "before"}:
        # Every entity is told of every update and writes its state, as coordinator entities
        # do by default.
        stack.enter_context(
            patch.object(
                LegrandEliotCoordinator,
                "async_update_listeners",
                DataUpdateCoordinator.async_update_listeners,
            )
        )
        stack.enter_context(
            patch.object(
                EliotEntity,
                "_handle_coordinator_update",
                CoordinatorEntity._handle_coordinator_update,  # noqa: SLF001
            )
        )
    if way == "before":
        # Each module was found by scanning every plant's modules, for entities and discovery.
        stack.enter_context(patch.object(Topology, "module", scan_for_module))
        stack.enter_context(
            patch.object(HomeControlEntity, "_found", search_every_plant)
        )
        stack.enter_context(
            patch.object(EliotData, "home_control_modules", search_each_module)
        )
        # Each status answer was read whole, every element of it.
        stack.enter_context(patch.object(PlantStatus, "from_dict", read_whole_status))
    return stack


def read_whole_status(
    data: Any, plant_id: str, memo: object = None, read: int = 0
) -> PlantStatus:
    """Read every element of a status answer, as before the last answer was remembered.

    The answer keeps its number: what entities are told of depends on it.
    """
    return _READ_STATUS(data, plant_id, read=read)


def scan_for_module(topology: Topology, module_id: str) -> Module | None:
    """Find a module by scanning the topology, as before topologies were indexed."""
    return next((m for m in topology.modules if m.id == module_id), None)


def scan_every_plant(
    data: EliotData, module_id: str
) -> tuple[HomeControlPlant, Module, ModuleState] | None:
    """Find a module by scanning every plant's topology, as before the account was indexed."""
    for plant in data.home_control.values():
        if (module := plant.topology.module(module_id)) is not None:
            return plant, module, plant.module_state(module)
    return None


def search_every_plant(
    self: HomeControlEntity,
) -> tuple[HomeControlPlant, Module, ModuleState] | None:
    """Find an entity's module in every plant, as entities did before."""
    return scan_every_plant(self.coordinator.data, self.module_id)


def search_each_module(
    data: EliotData,
) -> Iterator[tuple[HomeControlPlant, Module, ModuleState]]:
    """Yield every module with its state, searching every plant for each, as before."""
    for plant in data.home_control.values():
        for module in plant.topology.modules:
            found = scan_every_plant(data, module.id)
            yield (
                plant,
                module,
                found[2]
                if found
                else ModuleState.unreachable(module.id, module.device),
            )


@dataclass(slots=True)
class _Sample:
    """CPU seconds of one refresh: whole, without the cloud's answers, telling the entities."""

    refresh: float
    own: float
    entities: float
    writes: int


async def _sample(sides: Sides, writes: WriteCounter) -> _Sample:
    """Measure one refresh and count its state writes."""
    hass, coordinator, metering = sides.hass, sides.coordinator, sides.cloud.metering
    telling = 0.0
    tell = type(coordinator).async_update_listeners

    def timed_tell() -> None:
        """Tell the entities as the coordinator does, counting the CPU it takes."""
        nonlocal telling
        started = time.process_time()
        tell(coordinator)
        telling += time.process_time() - started

    before, cloud = writes.count, metering.cpu_seconds
    # Every plant and thermostat is read, as a refresh did before each was read on its own
    # schedule: the refreshes compared make the same calls.
    coordinator.request_full_read()
    with patch.object(coordinator, "async_update_listeners", timed_tell):
        started = time.process_time()
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        refresh = time.process_time() - started
    return _Sample(
        refresh=refresh,
        own=refresh - (metering.cpu_seconds - cloud),
        entities=telling,
        writes=writes.count - before,
    )


async def calls_per_command(
    hass: HomeAssistant, cloud: SimulatedCloud, entity_id: str
) -> float:
    """Return the calls one switch command costs through Home Assistant."""
    before = calls_of(cloud)
    for service in (SERVICE_TURN_ON, SERVICE_TURN_OFF):
        await hass.services.async_call(
            Platform.SWITCH, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
        )
    return (calls_of(cloud) - before) / 2


def entity_counts(hass: HomeAssistant, entry: MockConfigEntry) -> Counter[str]:
    """Return the entry's entities by platform."""
    return Counter(
        item.domain
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    )

"""What changed in the account since its entities were last told, and so which of them to tell.

Each entity listens to the coordinator with a context: the id of its module, thermostat or
plant. When the coordinator tells its listeners, the account is compared with what it was
the last time: only the listeners whose context changed are called. Listeners without a
context (the account's own sensors, which count every call) are always called, and all of
them are when the refresh's success flips.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from itertools import count
from operator import attrgetter
from typing import Any

from .data import EliotData, HomeControlPlant, SmartherPlant
from .eliot.home_control_models import ModuleState, PlantStatus, Scene
from .eliot.plant_models import Measure, Plant, Topology
from .eliot.smarther_models import Program, ThermostatStatus

# What entities show of a module's state: every field but its meter's measures, of which only
# the values and units are shown (each reading stamps them with a new time), and the number of
# the answer it was read from.
_SHOWN = attrgetter(
    *(
        item.name
        for item in fields(ModuleState)
        if item.name not in ("consumptions", "read")
    )
)

# The states shown before any answer confirms them (a command's effect) are readings of their
# own, numbered below zero: each is new, even one that shows the same as the state before it.
_COMMANDED_READINGS = count(-1, -1)


def commanded_state(state: ModuleState, **changes: Any) -> ModuleState:
    """Return a module's state as a command leaves it, a new reading of the module."""
    return replace(state, **changes, read=next(_COMMANDED_READINGS))


class Context(Enum):
    """Listener contexts that stand for no single device."""

    # Called when anything at all changed: entity discovery, whose candidates depend on states.
    ANY_CHANGE = "any_change"


@dataclass(frozen=True, slots=True)
class EveryReadingContext:
    """The listener context of an entity told of each new reading of a module, changed or not."""

    module_id: str


@dataclass(frozen=True, slots=True)
class EnergyTotalContext:
    """The listener context of an energy total: told when its module changed or draws power.

    A module drawing power has a total that grows with every reading, even when the reading
    itself is the same as the last one.
    """

    module_id: str


@dataclass(slots=True)
class Changes:
    """Who must be told: everyone, or the devices that changed since the last time."""

    everyone: bool = False
    # Ids of modules, thermostats and plants whose state, availability or makeup changed.
    changed: set[str] = field(default_factory=set)
    # Modules with a new reading, changed or not, and those of them drawing power.
    read: set[str] = field(default_factory=set)
    drawing: set[str] = field(default_factory=set)

    def concerns(self, context: object) -> bool:
        """Return whether a listener with this context must be told."""
        if self.everyone or context is None:
            return True
        if isinstance(context, str):
            return context in self.changed
        if isinstance(context, EnergyTotalContext):
            return (
                context.module_id in self.changed or context.module_id in self.drawing
            )
        if isinstance(context, EveryReadingContext):
            return context.module_id in self.read
        if context is Context.ANY_CHANGE:
            return bool(self.changed)
        return True

    def device(self, ids: Iterable[str]) -> None:
        """Note modules or thermostats whose state may have changed in every way."""
        ids = set(ids)
        self.changed |= ids
        self.read |= ids


@dataclass(frozen=True, slots=True)
class _HomeControlSeen:
    """A Home + Control plant as its entities were last told of it."""

    plant: Plant
    topology: Topology
    scenes: list[Scene]
    available: bool
    status: PlantStatus | None

    @classmethod
    def of(cls, plant: HomeControlPlant) -> _HomeControlSeen:
        """Keep what the plant's entities show of it now (objects are replaced, not changed)."""
        return cls(
            plant.plant, plant.topology, plant.scenes, plant.available, plant.status
        )


type _ThermostatSeen = tuple[ThermostatStatus | None, bool, tuple[Program, ...] | None]


@dataclass(frozen=True, slots=True)
class _SmartherSeen:
    """A Smarther plant and its thermostats as their entities were last told of them."""

    plant: SmartherPlant
    topology: Topology
    thermostats: Mapping[str, _ThermostatSeen]

    @classmethod
    def of(cls, plant: SmartherPlant) -> _SmartherSeen:
        """Keep each thermostat's status, availability and programs as they are now."""
        thermostats: dict[str, _ThermostatSeen] = {}
        for module in plant.topology.modules:
            programs = plant.programs.get(module.id)
            thermostats[module.id] = (
                plant.thermostats.get(module.id),
                module.id in plant.unavailable,
                None if programs is None else tuple(programs),
            )
        return cls(plant, plant.topology, thermostats)


class ChangeTracker:
    """Remember what the entities were last told, to tell each only what concerns it."""

    def __init__(self) -> None:
        """Start knowing nothing: the first time, everyone is told."""
        self._success: bool | None = None
        self._home_control: dict[str, _HomeControlSeen] = {}
        self._smarther: dict[str, _SmartherSeen] = {}

    def since_last_told(self, data: EliotData | None, success: bool) -> Changes:
        """Return who must be told of the account as it is now, and remember it as told."""
        changes = Changes(everyone=data is None or success is not self._success)
        self._success = success
        if data is None:
            self._home_control.clear()
            self._smarther.clear()
            return changes
        self._compare_home_control(data.home_control, changes)
        self._compare_smarther(data.smarther, changes)
        return changes

    def _compare_home_control(
        self, plants: Mapping[str, HomeControlPlant], changes: Changes
    ) -> None:
        """Note the plants and modules whose makeup, availability or state changed."""
        for plant_id in self._home_control.keys() - plants.keys():
            gone = self._home_control.pop(plant_id)
            changes.changed.add(plant_id)
            changes.device(module.id for module in gone.topology.modules)
        for plant_id, plant in plants.items():
            seen = self._home_control.get(plant_id)
            if (
                seen is None
                or seen.plant is not plant.plant
                or seen.topology is not plant.topology
                or seen.scenes is not plant.scenes
                or seen.available != plant.available
            ):
                # The plant itself, and every module it had or has, may show otherwise.
                changes.changed.add(plant_id)
                changes.device(module.id for module in plant.topology.modules)
                if seen is not None:
                    changes.device(module.id for module in seen.topology.modules)
            elif seen.status != plant.status:
                _compare_states(seen.status, plant.status, changes)
            else:
                continue
            self._home_control[plant_id] = _HomeControlSeen.of(plant)

    def _compare_smarther(
        self, plants: Mapping[str, SmartherPlant], changes: Changes
    ) -> None:
        """Note the plants and thermostats whose makeup, availability, status or programs changed."""
        for plant_id in self._smarther.keys() - plants.keys():
            gone = self._smarther.pop(plant_id)
            changes.changed.add(plant_id)
            changes.changed.update(gone.thermostats)
        for plant_id, plant in plants.items():
            seen = self._smarther.get(plant_id)
            now = _SmartherSeen.of(plant)
            self._smarther[plant_id] = now
            if (
                seen is None
                or seen.plant is not plant
                or seen.topology is not plant.topology
            ):
                changes.changed.add(plant_id)
                changes.changed.update(now.thermostats)
                if seen is not None:
                    changes.changed.update(seen.thermostats)
                continue
            for module_id in seen.thermostats.keys() | now.thermostats.keys():
                if _thermostat_changed(
                    seen.thermostats.get(module_id), now.thermostats.get(module_id)
                ):
                    changes.changed.add(module_id)


def _compare_states(
    old: PlantStatus | None, new: PlantStatus | None, changes: Changes
) -> None:
    """
    Note the modules of a plant with a new reading, and those whose state differs.

    A state read from another answer is a new reading, even when it shows the same. So is,
    in a new answer, the state kept from an earlier one of a module drawing power: the energy
    it stands for grows with each reading.
    """
    before: Mapping[str, ModuleState] = {} if old is None else old.modules
    after: Mapping[str, ModuleState] = {} if new is None else new.modules
    new_answer = old is None or new is None or old.read != new.read
    for module_id, state in after.items():
        previous = before.get(module_id)
        if state == previous and not (new_answer and state.power):
            continue
        changes.read.add(module_id)
        if previous is None or not _shows_alike(state, previous):
            changes.changed.add(module_id)
        elif state.power:
            changes.drawing.add(module_id)
    for module_id in before.keys() - after.keys():
        changes.device((module_id,))


def _shows_alike(state: ModuleState, previous: ModuleState) -> bool:
    """Return whether two readings of a module show the same, whenever they were measured."""
    return _SHOWN(state) == _SHOWN(previous) and _values(state.consumptions) == _values(
        previous.consumptions
    )


def _values(measures: tuple[Measure, ...]) -> list[tuple[float, str | None]]:
    """Return the values and units of measures, without their times."""
    return [(measure.value, measure.unit) for measure in measures]


def _thermostat_changed(
    old: _ThermostatSeen | None, new: _ThermostatSeen | None
) -> bool:
    """Return whether a thermostat's status, availability or programs differ."""
    if old is None or new is None:
        return old is not new
    return (
        old[1] != new[1]
        or old[2] != new[2]
        or (old[0] is not new[0] and old[0] != new[0])
    )

"""The account as Home Assistant last saw it: plants, topologies, states and their times."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone, tzinfo
from enum import Enum, auto
from types import MappingProxyType
from typing import Any, ClassVar

from homeassistant.util import dt as dt_util

from .eliot.home_control_models import ModuleState, PlantStatus, Scene
from .eliot.plant_models import Module, Plant, Topology
from .eliot.smarther_models import Program, ThermostatStatus

# A state time this far ahead of Home Assistant's clock is wrong; within it, the clocks differ.
FUTURE_TOLERANCE = timedelta(minutes=5)


def state_time(
    status: ThermostatStatus,
    event_time: datetime | None,
    received: datetime,
    utc_offset: timedelta | None = None,
) -> datetime | None:
    """
    Return the time of a thermostat state: its own timestamp, else its event's; None if unknown.

    A time far ahead of Home Assistant's clock is wrong: the receipt time stands for it, to the
    second as the thermostats stamp their states, so that a true state received with it ties.
    """
    for moment in (status.time, event_time):
        if moment is None:
            continue
        if moment.tzinfo is None:
            if utc_offset is None:
                continue
            moment = moment.replace(tzinfo=timezone(utc_offset))
        if moment > received + FUTURE_TOLERANCE:
            return received.replace(microsecond=0)
        return moment
    return None


class _Makeup:
    """How many times the makeup of any account changed: its plants or their topologies.

    An account's index is built at one count and built again once the count moved on.
    """

    count: ClassVar[int] = 0

    @classmethod
    def changed(cls) -> None:
        """Note a change of makeup: every index built before it is out of date."""
        cls.count += 1


@dataclass(slots=True)
class HomeControlPlant:
    """A Home + Control plant: its rooms and devices, their last states, its scenes."""

    plant: Plant
    topology: Topology
    scenes: list[Scene] = field(default_factory=list)
    status: PlantStatus | None = None
    # False while the gateway does not answer: all of its modules are unavailable then.
    available: bool = False
    # When the topology and scenes were last read whole (UTC); None until they were.
    read_at: datetime | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        """Set an attribute; a new topology changes the account's makeup."""
        object.__setattr__(self, name, value)
        if name == "topology":
            _Makeup.changed()

    def module_state(self, module: Module) -> ModuleState:
        """Return a module's state in the last status (unreachable while the gateway is not)."""
        if self.status is not None and self.available:
            return self.status.state(module.id, module.device)
        return ModuleState.unreachable(module.id, module.device)

    def store_module_state(self, state: ModuleState) -> bool:
        """Keep one module's new state; False while no status was read to keep it in."""
        if self.status is None:
            return False
        self.status = replace(
            self.status, modules={**self.status.modules, state.module_id: state}
        )
        return True


class Pushed(Enum):
    """What became of a pushed thermostat state."""

    # Kept: it is the newest state of the thermostat.
    STORED = auto()
    # Dropped: its age is unknown, so the thermostat is to be read instead.
    UNKNOWN_AGE = auto()
    # Dropped: older than the state shown, a late or replayed delivery.
    OLDER = auto()


@dataclass(slots=True)
class SmartherPlant:
    """A Smarther plant: its thermostats, their last statuses and programs."""

    plant: Plant
    topology: Topology
    thermostats: dict[str, ThermostatStatus] = field(default_factory=dict)
    programs: dict[str, list[Program]] = field(default_factory=dict)
    # Thermostats whose last poll failed (offline gateway, app password...): unavailable.
    unavailable: set[str] = field(default_factory=set)
    # When each thermostat's state was last confirmed by the cloud (UTC).
    updated: dict[str, datetime] = field(default_factory=dict)
    # The time of each state shown (its own timestamp, else its event's, else its receipt):
    # a state older than it is a late delivery and never replaces it.
    shown_at: dict[str, datetime] = field(default_factory=dict)
    # The plant's offset from UTC, from its thermostats' own timestamps: thermostats take
    # times in the plant's own time. None until a timestamp with an offset was seen.
    utc_offset: timedelta | None = None
    # When the thermostats and their programs were last read (UTC); None until they were.
    read_at: datetime | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        """Set an attribute; a new topology changes the account's makeup."""
        object.__setattr__(self, name, value)
        if name == "topology":
            _Makeup.changed()

    @property
    def zone(self) -> tzinfo:
        """Return the plant's time zone as last seen; Home Assistant's until one was."""
        if self.utc_offset is None:
            return dt_util.get_default_time_zone()
        return timezone(self.utc_offset)

    def aware(self, moment: datetime) -> datetime:
        """Return a time the thermostat gave without a zone in the plant's own zone."""
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self.zone)

    def store_polled(self, status: ThermostatStatus, now: datetime) -> None:
        """Keep a polled state unless a newer one is shown (a push that overtook the poll)."""
        moment = state_time(status, None, now, self.utc_offset) or now
        shown = self.shown_at.get(status.module_id)
        if shown is not None and moment < shown:
            # The poll confirms the thermostat answers; the state shown stays.
            self._confirmed(status.module_id, now)
            return
        self._store(status, moment, now)

    def store_commanded(self, status: ThermostatStatus, now: datetime) -> None:
        """Keep a command's effect: the newest state there is, whatever the clocks say."""
        shown = self.shown_at.get(status.module_id)
        self._store(status, now if shown is None else max(now, shown), now)

    def store_pushed(
        self, status: ThermostatStatus, event_time: datetime | None, now: datetime
    ) -> Pushed:
        """
        Keep a state that arrived by push with its event time, unless it is older than shown.

        A state of unknown age replaces nothing: the thermostat is read at the next refresh.
        """
        moment = state_time(status, event_time, now, self.utc_offset)
        if moment is None:
            self.updated.pop(status.module_id, None)
            return Pushed.UNKNOWN_AGE
        shown = self.shown_at.get(status.module_id)
        if shown is not None and moment < shown:
            return Pushed.OLDER
        # A field this event could not read keeps the value shown, not a blank.
        status = status.keep_readable(self.thermostats.get(status.module_id))
        self._store(status, moment, now)
        return Pushed.STORED

    def _store(
        self, status: ThermostatStatus, shown_at: datetime, now: datetime
    ) -> None:
        """Keep a thermostat's state, its time, and the plant's UTC offset it reveals."""
        if status.time is not None and (offset := status.time.utcoffset()) is not None:
            self.utc_offset = offset
        if (activation := status.activation_time) is not None:
            # Times without a zone are the plant's own: kept with the zone they are in.
            status = replace(
                status,
                activation_time=replace(
                    activation,
                    start=None
                    if activation.start is None
                    else self.aware(activation.start),
                    end=None if activation.end is None else self.aware(activation.end),
                ),
            )
        self.thermostats[status.module_id] = status
        self._confirmed(status.module_id, now)
        self.shown_at[status.module_id] = shown_at

    def _confirmed(self, module_id: str, now: datetime) -> None:
        """Note that the cloud confirmed a thermostat's state at `now`: it answers."""
        self.unavailable.discard(module_id)
        self.updated[module_id] = now


class _Plants[PlantT](dict[str, PlantT]):
    """An account's plants of one API by id: one that comes, goes or is replaced changes its makeup."""

    __slots__ = ()

    def __setitem__(self, key: str, value: PlantT) -> None:
        """Set a plant."""
        super().__setitem__(key, value)
        _Makeup.changed()

    def __delitem__(self, key: str) -> None:
        """Remove a plant."""
        super().__delitem__(key)
        _Makeup.changed()

    def __ior__(self, other: Any) -> _Plants[PlantT]:  # type: ignore[override, misc]
        """Set several plants."""
        self.update(other)
        return self

    def pop(self, key: str, *default: Any) -> Any:
        """Remove a plant and return it."""
        _Makeup.changed()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, PlantT]:
        """Remove the last plant set and return it with its id."""
        _Makeup.changed()
        return super().popitem()

    def setdefault(self, key: str, default: PlantT) -> PlantT:
        """Set a plant unless one has that id; return the one kept."""
        _Makeup.changed()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: PlantT) -> None:
        """Set several plants."""
        super().update(*args, **kwargs)
        _Makeup.changed()

    def clear(self) -> None:
        """Remove every plant."""
        super().clear()
        _Makeup.changed()


@dataclass(slots=True)
class _Index:
    """Where each plant, module and thermostat of an account is, as of one makeup count."""

    count: int
    plants: Mapping[str, HomeControlPlant | SmartherPlant]
    modules: dict[str, tuple[HomeControlPlant, Module]]
    thermostats: dict[str, tuple[SmartherPlant, Module]]


@dataclass(slots=True)
class EliotData:
    """The account as Home Assistant last saw it, and the index that finds its parts by id."""

    home_control: dict[str, HomeControlPlant] = field(default_factory=dict)
    smarther: dict[str, SmartherPlant] = field(default_factory=dict)
    _index: _Index | None = field(default=None, init=False, repr=False, compare=False)

    def __setattr__(self, name: str, value: Any) -> None:
        """Set an attribute; the plants of either API come in a mapping that tells changes."""
        if name in ("home_control", "smarther"):
            if not isinstance(value, _Plants):
                value = _Plants(value)
            _Makeup.changed()
        object.__setattr__(self, name, value)

    def _indexed(self) -> _Index:
        """Return the account's index, built again if its makeup changed since it was built."""
        index = self._index
        if index is not None and index.count == _Makeup.count:
            return index
        modules: dict[str, tuple[HomeControlPlant, Module]] = {}
        for hc_plant in self.home_control.values():
            for module in hc_plant.topology.modules:
                modules.setdefault(module.id, (hc_plant, module))
        thermostats: dict[str, tuple[SmartherPlant, Module]] = {}
        for smarther_plant in self.smarther.values():
            for module in smarther_plant.topology.modules:
                thermostats.setdefault(module.id, (smarther_plant, module))
        index = _Index(
            _Makeup.count,
            MappingProxyType({**self.home_control, **self.smarther}),
            modules,
            thermostats,
        )
        self._index = index
        return index

    @property
    def plants(self) -> Mapping[str, HomeControlPlant | SmartherPlant]:
        """Return every plant of the account, of both APIs, by id."""
        return self._indexed().plants

    def home_control_module(
        self, module_id: str, plant_id: str | None = None
    ) -> tuple[HomeControlPlant, Module, ModuleState] | None:
        """Return a Home + Control module, its plant and its state (unreachable if unknown).

        With `plant_id`, the plant the module was found in first is asked first: the module is
        looked for elsewhere only once it left that plant.
        """
        if (
            plant_id is not None
            and (plant := self.home_control.get(plant_id)) is not None
            and (module := plant.topology.module(module_id)) is not None
        ):
            return plant, module, plant.module_state(module)
        if (found := self._indexed().modules.get(module_id)) is None:
            return None
        plant, module = found
        return plant, module, plant.module_state(module)

    def home_control_modules(
        self,
    ) -> Iterator[tuple[HomeControlPlant, Module, ModuleState]]:
        """Yield every Home + Control module of the account with its plant and state."""
        for plant in self.home_control.values():
            for module in plant.topology.modules:
                yield plant, module, plant.module_state(module)

    def thermostat(self, module_id: str) -> tuple[SmartherPlant, Module] | None:
        """Return a thermostat's plant and module."""
        return self._indexed().thermostats.get(module_id)

    def thermostats(self) -> Iterator[tuple[SmartherPlant, Module]]:
        """Yield every Smarther thermostat of the account with its plant."""
        for plant in self.smarther.values():
            for module in plant.topology.modules:
                yield plant, module

    def module_ids(self) -> set[str]:
        """Return the ids of the modules the account's plants hold."""
        index = self._indexed()
        return {*index.modules, *index.thermostats}

    def device_ids(self) -> set[str]:
        """Return the ids of every plant and module of the account."""
        index = self._indexed()
        return {*index.plants, *index.modules, *index.thermostats}

"""The account as Home Assistant last saw it: plants, topologies, states and their times."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

from homeassistant.util import dt as dt_util

from .eliot.models import (
    Module,
    ModuleState,
    Plant,
    PlantStatus,
    Program,
    Scene,
    ThermostatStatus,
    Topology,
)

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

    @property
    def zone(self) -> tzinfo:
        """Return the plant's time zone as last seen; Home Assistant's until one was."""
        if self.utc_offset is None:
            return dt_util.get_default_time_zone()
        return timezone(self.utc_offset)

    def aware(self, moment: datetime) -> datetime:
        """Return a time the thermostat gave without a zone in the plant's own zone."""
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self.zone)


@dataclass(slots=True)
class EliotData:
    """The account as Home Assistant last saw it."""

    home_control: dict[str, HomeControlPlant] = field(default_factory=dict)
    smarther: dict[str, SmartherPlant] = field(default_factory=dict)

    def home_control_module(
        self, module_id: str
    ) -> tuple[HomeControlPlant, Module, ModuleState] | None:
        """Return a Home + Control module, its plant and its state (unreachable if unknown)."""
        for plant in self.home_control.values():
            if (module := plant.topology.module(module_id)) is not None:
                state = (
                    plant.status.state(module_id, module.device)
                    if plant.status is not None and plant.available
                    else ModuleState.unreachable(module_id, module.device)
                )
                return plant, module, state
        return None

    def device_ids(self) -> set[str]:
        """Return the ids of every plant and module of the account."""
        ids: set[str] = set()
        for hc_plant in self.home_control.values():
            ids.add(hc_plant.plant.id)
            ids.update(module.id for module in hc_plant.topology.modules)
        for smarther_plant in self.smarther.values():
            ids.add(smarther_plant.plant.id)
            ids.update(module.id for module in smarther_plant.topology.modules)
        return ids

    def thermostat(self, module_id: str) -> tuple[SmartherPlant, Module] | None:
        """Return a thermostat's plant and module."""
        for plant in self.smarther.values():
            if (module := plant.topology.module(module_id)) is not None:
                return plant, module
        return None

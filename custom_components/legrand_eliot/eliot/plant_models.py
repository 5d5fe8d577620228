"""Models both APIs share: plants, their rooms and devices (topology), and readings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
import weakref

from .const import DEVICE_KIND_ALIASES, DeviceKind
from .ids import hashed_id
from .parsing import (
    guarded,
    mapping,
    optional_number,
    optional_sequence,
    optional_text,
    optional_timestamp,
    report_once,
    sequence,
    text,
)

# Push payloads name plants `bs_cloud_<uuid>` where the API itself uses the bare uuid.
_PLANT_PREFIX = "bs_cloud_"


def bare_plant_id(value: str) -> str:
    """Strip the `bs_cloud_` prefix push payloads put before plant ids."""
    return value.removeprefix(_PLANT_PREFIX)


def device_kind(raw: str | None) -> DeviceKind:
    """Map a topology `device` value to a kind; unknown values give `DeviceKind.UNKNOWN`."""
    if raw is None:
        return DeviceKind.UNKNOWN
    key = raw.strip().lower()
    try:
        return DeviceKind(key)
    except ValueError:
        return DEVICE_KIND_ALIASES.get(key, DeviceKind.UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class Plant:
    """A home: for Home + Control its gateway, for Smarther the thermostats' installation."""

    id: str
    name: str | None = None
    country: str | None = None
    plant_type: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Plant:
        """Build a plant from one element of a plants list."""
        obj = mapping(data, "plant")
        return cls(
            id=text(obj.get("id"), "plant id"),
            name=optional_text(obj.get("name"), "plant name"),
            country=optional_text(obj.get("country"), "plant country"),
            plant_type=optional_text(obj.get("type"), "plant type"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Module:
    """A device of a plant as the topology describes it (no state)."""

    id: str
    name: str | None
    device: DeviceKind
    # The raw `device` value, so a device of an unknown kind is kept rather than dropped.
    device_type: str | None
    hw_type: str | None = None
    appliance_type: str | None = None
    ambient_id: str | None = None

    @classmethod
    def from_dict(cls, data: Any, ambient_id: str | None = None) -> Module:
        """Build a module from a topology entry."""
        obj = mapping(data, "module")
        raw_device = optional_text(obj.get("device"), "module device")
        return cls(
            id=text(obj.get("id"), "module id"),
            name=optional_text(obj.get("name"), "module name"),
            device=device_kind(raw_device),
            device_type=raw_device,
            hw_type=optional_text(obj.get("hw_type"), "module hw_type"),
            appliance_type=optional_text(obj.get("type"), "module type"),
            ambient_id=ambient_id,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Ambient:
    """A room of a plant and the ids of the modules in it."""

    id: str
    name: str | None
    ambient_type: str | None
    module_ids: tuple[str, ...]


# Each topology's modules by id, kept while the topology lives: entities look their module up
# on every state update, and a large plant has hundreds of modules.
_MODULE_INDEXES: dict[int, dict[str, Module]] = {}


@dataclass(frozen=True, slots=True, kw_only=True, weakref_slot=True)
class Topology:
    """The rooms and devices of one plant; `modules` holds every module once, rooms or not."""

    plant_id: str
    name: str | None
    ambients: tuple[Ambient, ...]
    modules: tuple[Module, ...]

    def module(self, module_id: str) -> Module | None:
        """Return the module with this id, if the plant has one."""
        index = _MODULE_INDEXES.get(id(self))
        if index is None:
            index = {module.id: module for module in self.modules}
            _MODULE_INDEXES[id(self)] = index
            weakref.finalize(self, _MODULE_INDEXES.pop, id(self), None)
        return index.get(module_id)

    @classmethod
    def from_dict(cls, data: Any, plant_id: str) -> Topology:
        """Build a topology from a `{"plant": {...}}` answer of either API."""
        plant = mapping(mapping(data, "topology").get("plant"), "topology plant")
        modules: dict[str, Module] = {}
        ambients: list[Ambient] = []
        for raw_ambient in optional_sequence(plant.get("ambients"), "ambients"):
            ambient = mapping(raw_ambient, "ambient")
            ambient_id = text(ambient.get("id"), "ambient id")
            members = [
                Module.from_dict(raw, ambient_id)
                for raw in optional_sequence(ambient.get("modules"), "ambient modules")
            ]
            for module in members:
                modules.setdefault(module.id, module)
            ambients.append(
                Ambient(
                    id=ambient_id,
                    name=optional_text(ambient.get("name"), "ambient name"),
                    ambient_type=optional_text(ambient.get("type"), "ambient type"),
                    module_ids=tuple(module.id for module in members),
                )
            )
        # Modules outside any room (remotes, thermostats) come in the plant's own list.
        for raw in optional_sequence(plant.get("modules"), "plant modules"):
            module = Module.from_dict(raw)
            modules.setdefault(module.id, module)
        return cls(
            plant_id=optional_text(plant.get("id"), "plant id") or plant_id,
            name=optional_text(plant.get("name"), "plant name"),
            ambients=tuple(ambients),
            modules=tuple(modules.values()),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    """One reading: a value, its unit and when it was taken."""

    value: float
    unit: str | None = None
    timestamp: datetime | None = None

    @classmethod
    def first_of(cls, data: Any, what: str) -> Measure | None:
        """Return the first reading of a `{"measures": [...]}` object, if it has one."""
        if data is None:
            return None
        readings = optional_sequence(
            mapping(data, what).get("measures"), f"{what} measures"
        )
        for raw in readings:
            reading = mapping(raw, f"{what} measure")
            value = optional_number(reading.get("value"), f"{what} value")
            if value is not None:
                return cls(
                    value=value,
                    unit=optional_text(reading.get("unit"), f"{what} unit"),
                    timestamp=optional_timestamp(
                        reading.get("timeStamp"), f"{what} time"
                    ),
                )
        return None


def _plants_list(data: Any) -> list[Plant]:
    """Parse the plants of `{"plants": [...]}` or of a bare list."""
    raw = data.get("plants") if isinstance(data, Mapping) else data
    return [Plant.from_dict(item) for item in sequence(raw, "plants")]


def report_sender(asked: str, sender: str) -> None:
    """Log once that an answer names another sender than the module asked for."""
    report_once(
        asked,
        "sender",
        "The status of %s names %s as its sender; it is filed under the module asked for",
        hashed_id(asked),
        hashed_id(sender),
    )


def parse_plants(data: Any, endpoint: str) -> list[Plant]:
    """Parse a plants answer of either API; no body (204) means no plants."""
    if data is None:
        return []
    return guarded(endpoint, _plants_list, data)


def parse_topology(data: Any, plant_id: str, endpoint: str) -> Topology:
    """Parse a topology answer of either API."""
    return guarded(endpoint, Topology.from_dict, data, plant_id)

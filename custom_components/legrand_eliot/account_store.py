"""The account's structure kept between starts: plants, topologies, scenes, programs, read times.

What is kept is written in the cloud's own answer shapes (a plants list element, a topology, a
scene, a program) and read back through the same tolerant parsers as cloud answers
(`Plant.from_dict`, `Topology.from_dict`, ...). Serialising the models field by field would need
a second, hand-written reader with its own idea of what is valid; re-parsing cloud shapes means a
kept file is checked exactly as strictly as the cloud is, and a parser that learns a new device
kind applies to what was kept, since the raw `device` value is kept. Only the structure is kept:
states are the cloud's to tell at the next poll, and no token or key ever reaches this file.

A file that cannot be read whole (another version, a field of the wrong type, a read time without
a zone or in the future) is set aside by the entry's one guarded read (`stores.py`) with one
warning: the cloud is read as without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.util import dt as dt_util

from .data import EliotData, HomeControlPlant, SmartherPlant
from .eliot.home_control_models import scene_list
from .eliot.parsing import ParseError, mapping, optional_timestamp, sequence, text
from .eliot.plant_models import Module, Plant, Topology
from .eliot.smarther_models import Program


@dataclass(slots=True)
class RestoredAccount:
    """The account as last read: its plants (without states) and when the plants lists were read."""

    data: EliotData
    hc_read_at: datetime | None
    smarther_read_at: datetime | None


def encode(
    data: EliotData, hc_read_at: datetime | None, smarther_read_at: datetime | None
) -> dict[str, Any]:
    """Return the account's structure in the cloud's own shapes, with its read times."""
    return {
        "home_control": {
            "read_at": _time(hc_read_at),
            "plants": [
                {
                    "plant": _plant(hc.plant),
                    "topology": _topology(hc.topology),
                    "scenes": [{"id": s.id, "name": s.name} for s in hc.scenes],
                    "read_at": _time(hc.read_at),
                }
                for hc in data.home_control.values()
            ],
        },
        "smarther": {
            "read_at": _time(smarther_read_at),
            "plants": [
                {
                    "plant": _plant(plant.plant),
                    "topology": _topology(plant.topology),
                    "programs": {
                        module_id: [{"number": p.number, "name": p.name} for p in kept]
                        for module_id, kept in plant.programs.items()
                    },
                    "read_at": _time(plant.read_at),
                }
                for plant in data.smarther.values()
            ],
        },
    }


def decode(stored: Any, now: datetime) -> RestoredAccount:
    """Read a kept account back through the cloud parsers; any bad field raises."""
    root = mapping(stored, "stored account")
    home_control = mapping(root.get("home_control"), "stored Home + Control")
    smarther = mapping(root.get("smarther"), "stored Smarther")
    data = EliotData()
    for raw in sequence(home_control.get("plants"), "stored plants"):
        entry = mapping(raw, "stored plant")
        plant = Plant.from_dict(entry.get("plant"))
        data.home_control[plant.id] = HomeControlPlant(
            plant,
            Topology.from_dict(entry.get("topology"), plant.id),
            scene_list(sequence(entry.get("scenes"), "stored scenes")),
            read_at=_read_time(entry.get("read_at"), now),
        )
    for raw in sequence(smarther.get("plants"), "stored plants"):
        entry = mapping(raw, "stored plant")
        plant = Plant.from_dict(entry.get("plant"))
        data.smarther[plant.id] = SmartherPlant(
            plant,
            Topology.from_dict(entry.get("topology"), plant.id),
            programs=_programs(entry.get("programs")),
            read_at=_read_time(entry.get("read_at"), now),
        )
    return RestoredAccount(
        data,
        _read_time(home_control.get("read_at"), now),
        _read_time(smarther.get("read_at"), now),
    )


def _programs(raw: Any) -> dict[str, list[Program]]:
    """Read the kept program lists of a plant's thermostats."""
    return {
        text(module_id, "stored thermostat id"): [
            Program.from_dict(program)
            for program in sequence(programs, "stored programs")
        ]
        for module_id, programs in mapping(raw, "stored programs").items()
    }


def _read_time(raw: Any, now: datetime) -> datetime | None:
    """Read a kept read time: UTC-aware and not in the future, else the file is not valid."""
    moment = optional_timestamp(raw, "stored read time")
    if moment is None:
        return None
    if moment.tzinfo is None or moment > now:
        raise ParseError("stored read time is not a past UTC time")
    return moment


def _time(moment: datetime | None) -> str | None:
    """Write a read time in UTC."""
    return None if moment is None else dt_util.as_utc(moment).isoformat()


def _plant(plant: Plant) -> dict[str, Any]:
    """Write a plant as an element of a plants list."""
    return {
        "id": plant.id,
        "name": plant.name,
        "country": plant.country,
        "type": plant.plant_type,
    }


def _module(module: Module) -> dict[str, Any]:
    """Write a module as a topology lists it (its raw `device` value, not the kind)."""
    return {
        "id": module.id,
        "name": module.name,
        "device": module.device_type,
        "hw_type": module.hw_type,
        "type": module.appliance_type,
    }


def _topology(topology: Topology) -> dict[str, Any]:
    """Write a topology as the cloud answers it: rooms with their modules, then the others."""
    placed: set[str] = set()
    ambients: dict[str, dict[str, Any]] = {}
    for ambient in topology.ambients:
        members = [
            module
            for module_id in ambient.module_ids
            if (module := topology.module(module_id)) is not None
        ]
        placed.update(module.id for module in members)
        ambients[ambient.id] = {
            "id": ambient.id,
            "name": ambient.name,
            "type": ambient.ambient_type,
            "modules": [_module(module) for module in members],
        }
    loose: list[dict[str, Any]] = []
    for module in topology.modules:
        if module.id in placed:
            continue
        # A module kept from an earlier read stays in its room when the room is still there.
        room = ambients.get(module.ambient_id or "")
        (room["modules"] if room is not None else loose).append(_module(module))
    return {
        "plant": {
            "id": topology.plant_id,
            "name": topology.name,
            "ambients": list(ambients.values()),
            "modules": loose,
        }
    }

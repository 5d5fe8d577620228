"""Home + Control plants, rooms, modules and scenes, and how their state changes over time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .timefmt import utc_offset_iso


@dataclass(frozen=True, slots=True)
class DeviceKind:
    """One kind of Home + Control module: its topology name, URL segment and status list."""

    device: str
    segment: str
    list_key: str
    write_scope: str | None


# In the order of the lists of a whole-plant status answer.
KINDS: dict[str, DeviceKind] = {
    kind.device: kind
    for kind in (
        DeviceKind("light", "light/lighting", "lights", "light.write"),
        DeviceKind("plug", "plug/energy", "plugs", "plug.write"),
        DeviceKind(
            "automation", "automation/automation", "automations", "automation.write"
        ),
        DeviceKind("energymeter", "meter/energy", "energymeters", None),
        DeviceKind("remote", "remote/remote", "remotes", None),
        DeviceKind("heater", "heater/comfort", "heaters", "heater.write"),
    )
}
SCENE_SEGMENT = "scene/comfort"
SCENE_WRITE_SCOPE = "scene.write"
# Kinds whose modules accept an on/off status.
SWITCHABLE = frozenset({"light", "plug", "heater"})


class CommandError(Exception):
    """A command body the module cannot carry out (the backend's "Invalid arguments")."""


@dataclass(slots=True)
class Motion:
    """A shutter on its way from one position to a target."""

    start: float
    target: int
    started_at: datetime


@dataclass(kw_only=True)
class HcModule:
    """One Home + Control module and its current state."""

    id: str
    name: str
    hw_type: str
    device: str
    appliance_type: str | None = None
    fw: int = 1
    ambient_id: str | None = None
    reachable: bool = True
    status: str = "off"
    level: int | None = None
    load_watts: float = 0.0
    battery: str | None = None
    motion: Motion | None = None

    @property
    def kind(self) -> DeviceKind | None:
        """Return the module's kind, or None for a device this cloud does not know."""
        return KINDS.get(self.device)

    @property
    def dimmable(self) -> bool:
        """Return whether the module is a light that reports and accepts a level."""
        return self.device == "light" and self.level is not None

    def position(self, now: datetime, travel_time: float) -> float:
        """Return the exact position of a shutter, moving at a constant speed toward its target."""
        base = float(self.level or 0)
        if self.motion is None:
            return base
        elapsed = max((now - self.motion.started_at).total_seconds(), 0.0)
        distance = self.motion.target - self.motion.start
        moved = elapsed * 100.0 / travel_time if travel_time > 0 else abs(distance)
        if moved >= abs(distance):
            return float(self.motion.target)
        return self.motion.start + (moved if distance > 0 else -moved)

    def settle(self, now: datetime, travel_time: float) -> None:
        """Fold a finished shutter movement into the resting level."""
        if self.motion is not None:
            current = self.position(now, travel_time)
            if current == self.motion.target:
                self.level = self.motion.target
                self.motion = None

    def power(self) -> float:
        """Return the power drawn now, in watts: the load when on, scaled by a dimmer's level."""
        if self.device not in SWITCHABLE or self.status != "on":
            return 0.0
        if self.dimmable:
            return self.load_watts * (self.level or 0) / 100.0
        return self.load_watts

    def apply(
        self, fields: Mapping[str, Any], now: datetime, travel_time: float
    ) -> None:
        """Carry out a command body such as {"status": "on"} or {"level": 40}."""
        status = fields.get("status")
        level = fields.get("level")
        if status is None and level is None:
            raise CommandError("the body needs a status or a level")
        if status is not None and self.device not in SWITCHABLE:
            raise CommandError(f"a {self.device} module has no on/off status")
        if level is not None and not (self.dimmable or self.device == "automation"):
            raise CommandError(f"a {self.device} module without dimmer has no level")
        new_status = _parse_status(status) if status is not None else None
        new_level = _parse_level(level, self.device) if level is not None else None
        if self.device == "automation" and new_level is not None:
            self._move(new_level, now, travel_time)
            return
        if new_level is not None:
            if new_level == 0:
                self.status = "off"
            else:
                self.level = new_level
                self.status = "on"
        if new_status is not None:
            self.status = new_status
            if new_status == "on" and self.dimmable and not self.level:
                self.level = 100

    def _move(self, target: int, now: datetime, travel_time: float) -> None:
        """Start, redirect or stop (-1) the shutter."""
        current = self.position(now, travel_time)
        if target < 0:
            self.level = round(current)
            self.motion = None
            return
        self.level = round(current)
        self.motion = Motion(start=current, target=target, started_at=now)
        self.settle(now, travel_time)

    def topology_entry(self) -> dict[str, Any]:
        """Return the module as the topology lists it (no state)."""
        entry: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "hw_type": self.hw_type,
        }
        if self.appliance_type is not None:
            entry["type"] = self.appliance_type
        entry["device"] = self.device
        return entry

    def status_entry(
        self, now: datetime, travel_time: float, meter_watts: float = 0.0
    ) -> dict[str, Any]:
        """Return the module's status element as the status lists carry it."""
        self.settle(now, travel_time)
        entry: dict[str, Any] = {"reachable": self.reachable}
        if self.device in SWITCHABLE:
            entry["status"] = self.status
        if self.dimmable:
            entry["level"] = self.level
        if self.device == "automation":
            entry["level"] = round(self.position(now, travel_time))
            entry["step"] = self.motion.target if self.motion else self.level
        if self.device == "remote":
            entry["battery"] = self.battery or "full"
        entry["fw"] = self.fw
        if self.device in {"light", "plug", "energymeter"}:
            watts = meter_watts if self.device == "energymeter" else self.power()
            entry["consumptions"] = [
                {
                    "unit": "watt",
                    "value": round(watts),
                    "timestamp": utc_offset_iso(now),
                }
            ]
        entry["sender"] = {"plant": {"module": {"id": self.id}}}
        return entry

    def snapshot(self, now: datetime, travel_time: float) -> dict[str, Any]:
        """Return everything about the module, for the control API."""
        data = self.topology_entry()
        data.update(
            ambient=self.ambient_id,
            reachable=self.reachable,
            status=self.status,
            level=self.level,
            position=round(self.position(now, travel_time))
            if self.device == "automation"
            else None,
            moving=self.motion is not None,
            load_watts=self.load_watts,
            power=self.power(),
            battery=self.battery,
            fw=self.fw,
        )
        return data


def _parse_status(value: Any) -> str:
    """Read an on/off status, sent as JSON or as a form field."""
    if isinstance(value, str) and value.lower() in {"on", "off"}:
        return value.lower()
    raise CommandError("status must be on or off")


def _parse_level(value: Any, device: str) -> int:
    """Read a level 0-100 (or -1, stop, for a shutter), as a number or a numeric string."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    lowest = -1 if device == "automation" else 0
    if number is None or not lowest <= number <= 100:
        raise CommandError(f"level must be a whole number from {lowest} to 100")
    return number


@dataclass(kw_only=True)
class Ambient:
    """A room of a plant and the ids of its modules."""

    id: str
    name: str
    type: str
    module_ids: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Scene:
    """A scene of a plant: the module commands it sends when run."""

    id: str
    name: str
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(kw_only=True)
class HcPlant:
    """A Home + Control plant (one gateway) with its rooms, modules and scenes."""

    id: str
    name: str
    country: str
    owner: str
    online: bool = True
    # The owner while the plant is out of the account (no longer shared with it).
    former_owner: str | None = None
    ambients: list[Ambient] = field(default_factory=list)
    modules: dict[str, HcModule] = field(default_factory=dict)
    scenes: list[Scene] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Return the plant as the plants list shows it."""
        return {"id": self.id, "name": self.name, "country": self.country}

    def topology(self) -> dict[str, Any]:
        """Return the topology: rooms with their modules, then the modules in no room."""
        return {
            "plant": {
                "id": self.id,
                "name": self.name,
                "ambients": [
                    {
                        "id": ambient.id,
                        "name": ambient.name,
                        "type": ambient.type,
                        "modules": [
                            self.modules[module_id].topology_entry()
                            for module_id in ambient.module_ids
                            if module_id in self.modules
                        ],
                    }
                    for ambient in self.ambients
                ],
                "modules": [
                    module.topology_entry()
                    for module in self.modules.values()
                    if module.ambient_id is None
                ],
            }
        }

    def meter_watts(self) -> float:
        """Return what an energy meter of the plant reads: every light and plug drawing power."""
        return sum(module.power() for module in self.modules.values())

    def status_entries(
        self,
        modules: Iterable[HcModule],
        now: datetime,
        travel_time: float,
        *,
        hide_unreachable: bool,
    ) -> list[dict[str, Any]]:
        """Return the status elements of some modules, leaving out the unreachable ones if asked."""
        meter = self.meter_watts()
        return [
            module.status_entry(now, travel_time, meter)
            for module in modules
            if not (hide_unreachable and not module.reachable)
        ]

    def status(
        self, now: datetime, travel_time: float, *, hide_unreachable: bool
    ) -> dict[str, Any]:
        """Return the status of every module of the plant, grouped by kind."""
        lists: dict[str, list[dict[str, Any]]] = {}
        for kind in KINDS.values():
            members = [m for m in self.modules.values() if m.device == kind.device]
            lists[kind.list_key] = self.status_entries(
                members, now, travel_time, hide_unreachable=hide_unreachable
            )
        return {"modules": lists}

    def add_module(self, module: HcModule) -> None:
        """Add a module, to its room when it names one."""
        self.modules[module.id] = module
        for ambient in self.ambients:
            if ambient.id == module.ambient_id:
                ambient.module_ids.append(module.id)

    def remove_module(self, module_id: str) -> None:
        """Remove a module from the plant, its room and its scenes."""
        self.modules.pop(module_id, None)
        for ambient in self.ambients:
            if module_id in ambient.module_ids:
                ambient.module_ids.remove(module_id)
        for scene in self.scenes:
            scene.actions = [a for a in scene.actions if a.get("module") != module_id]

    def scene(self, scene_id: str) -> Scene | None:
        """Return a scene by id."""
        return next((scene for scene in self.scenes if scene.id == scene_id), None)

    def scene_list(self) -> dict[str, Any]:
        """Return the scenes as the scenes endpoint lists them."""
        return {
            "scenes": [
                {"name": scene.name, "sender": {"plant": {"module": {"id": scene.id}}}}
                for scene in self.scenes
            ]
        }

    def run_scene(self, scene: Scene, now: datetime, travel_time: float) -> None:
        """Send each command of a scene to its module; unreachable modules miss it."""
        for action in scene.actions:
            module = self.modules.get(str(action.get("module")))
            if module is not None and module.reachable:
                fields = {k: v for k, v in action.items() if k != "module"}
                try:
                    module.apply(fields, now, travel_time)
                except CommandError:
                    continue

    def snapshot(self, now: datetime, travel_time: float) -> dict[str, Any]:
        """Return the whole plant with its modules' state, for the control API."""
        return {
            "id": self.id,
            "name": self.name,
            "country": self.country,
            "owner": self.owner,
            "online": self.online,
            "ambients": [
                {
                    "id": a.id,
                    "name": a.name,
                    "type": a.type,
                    "modules": list(a.module_ids),
                }
                for a in self.ambients
            ],
            "modules": {
                m.id: m.snapshot(now, travel_time) for m in self.modules.values()
            },
            "scenes": [
                {"id": s.id, "name": s.name, "actions": s.actions} for s in self.scenes
            ],
        }

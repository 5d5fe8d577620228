"""Models of the Home + Control v1.0 answers: module states, a plant's status, scenes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from .const import MAX_LOAD_POWER, MAX_METER_POWER, STATUS_LIST_KINDS, DeviceKind
from .parsing import (
    ParseError,
    dig,
    guarded,
    in_range,
    lenient,
    mapping,
    optional_boolean,
    optional_integer,
    optional_number,
    optional_sequence,
    optional_text,
    optional_timestamp,
    sequence,
)
from .plant_models import Measure, report_sender

_WATT_UNITS = {"watt", "watts", "w"}
_KILOWATT_UNITS = {"kilowatt", "kilowatts", "kw"}


def _sender_module_id(data: Mapping[str, Any]) -> str | None:
    """Return the module id of a status element (`sender.plant.module.id`, or a plain `id`)."""
    raw = dig(data, "sender", "plant", "module", "id")
    if raw is None:
        raw = data.get("id")
    return optional_text(raw, "module id")


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleState:
    """The state of one Home + Control module.

    `reachable` is false when the cloud says the module did not answer, None when it does not
    say (the module is missing from the status, or the field could not be read).

    `read` numbers the status answer the state was read from, in the order the client read
    them (0: from none); a state kept from an earlier answer, its element unchanged since,
    keeps that answer's number. Two states read from different answers are different readings,
    even when they show the same.
    """

    module_id: str
    kind: DeviceKind
    reachable: bool | None
    on: bool | None = None
    level: int | None = None
    step: int | None = None
    power: float | None = None
    battery: str | None = None
    firmware: str | None = None
    consumptions: tuple[Measure, ...] = ()
    read: int = 0

    @classmethod
    def unreachable(
        cls, module_id: str, kind: DeviceKind = DeviceKind.UNKNOWN, read: int = 0
    ) -> ModuleState:
        """Return the state of a module that is missing from the status lists."""
        return cls(module_id=module_id, kind=kind, reachable=False, read=read)

    @classmethod
    def unknown(
        cls, module_id: str, kind: DeviceKind = DeviceKind.UNKNOWN
    ) -> ModuleState:
        """Return the state of a module the status does not list: nothing is known of it."""
        return cls(module_id=module_id, kind=kind, reachable=None)

    @classmethod
    def from_dict(
        cls, data: Any, kind: DeviceKind, module_id: str | None = None, read: int = 0
    ) -> ModuleState:
        """Build a state from one element of a status list."""
        obj = mapping(data, "module status")
        found_id = _sender_module_id(obj) or module_id
        if found_id is None:
            raise ParseError("module status has no module id")
        owner = found_id

        def field[T](what: str, read: Callable[[], T]) -> T | None:
            """Read one field of this module; a bad one is unknown."""
            return lenient(owner, what, read)

        consumptions = (
            field("consumptions", lambda: _consumptions(obj.get("consumptions"))) or ()
        )
        return cls(
            module_id=found_id,
            kind=kind,
            # Listed without a word on it, the module answered its gateway.
            reachable=True
            if obj.get("reachable") is None
            else field(
                "reachable", lambda: optional_boolean(obj.get("reachable"), "reachable")
            ),
            on=field("status", lambda: _on_off(obj.get("status"))),
            level=field("level", lambda: _level(obj.get("level"))),
            step=field("step", lambda: optional_integer(obj.get("step"), "step")),
            power=field("power", lambda: _power(consumptions, kind)),
            battery=field(
                "battery", lambda: _lower_text(obj.get("battery"), "battery")
            ),
            firmware=field(
                "firmware", lambda: optional_text(obj.get("fw"), "firmware")
            ),
            consumptions=consumptions,
            read=read,
        )


def _consumptions(value: Any) -> tuple[Measure, ...]:
    """Read the consumption readings of a module."""
    return tuple(
        measure
        for raw in optional_sequence(value, "consumptions")
        if (measure := _consumption(raw)) is not None
    )


def _consumption(data: Any) -> Measure | None:
    """Return one consumption reading, or None when it carries no value."""
    obj = mapping(data, "consumption")
    value = optional_number(obj.get("value"), "consumption value")
    if value is None:
        return None
    return Measure(
        value=value,
        unit=optional_text(obj.get("unit"), "consumption unit"),
        timestamp=optional_timestamp(obj.get("timestamp"), "consumption time"),
    )


def _power(consumptions: tuple[Measure, ...], kind: DeviceKind) -> float | None:
    """Return the power in watts of the first reading in a power unit, within physical bounds.

    A load draws power, it does not give it back: a negative reading is no real one, and
    neither is one beyond what the module can carry (a home's supply for an energy meter).
    """
    for measure in consumptions:
        unit = (measure.unit or "watt").lower()
        if unit in _WATT_UNITS:
            watts = measure.value
        elif unit in _KILOWATT_UNITS:
            watts = measure.value * 1000
        else:
            continue
        top = MAX_METER_POWER if kind is DeviceKind.ENERGYMETER else MAX_LOAD_POWER
        return in_range(watts, 0, top, "power")
    return None


def _on_off(value: Any) -> bool | None:
    """Read `"on"`/`"off"` (any case) or a boolean; anything else is unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"on": True, "off": False}.get(value.strip().lower())
    if value is None:
        return None
    raise ParseError("status is not on or off")


def _level(value: Any) -> int | None:
    """Read a 0-100 level; numbers as strings and fractions are accepted, -1 means moving."""
    level = optional_number(value, "level")
    if level is None:
        return None
    if not -1 <= level <= 100:
        raise ParseError("level is out of range")
    return round(level)


def _lower_text(value: Any, what: str) -> str | None:
    """Read an optional vocabulary word in lower case."""
    result = optional_text(value, what)
    return None if result is None else result.lower()


# The elements of a plant's last status answer and what each was read as, by list and place.
type StatusMemo = dict[tuple[str, int], tuple[Any, ModuleState]]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlantStatus:
    """The states of every module of a Home + Control plant that answered.

    `read` numbers the answer, in the order the client read its status answers (0: from none).
    """

    plant_id: str
    modules: Mapping[str, ModuleState] = field(default_factory=dict)
    read: int = 0

    def state(
        self, module_id: str, kind: DeviceKind = DeviceKind.UNKNOWN
    ) -> ModuleState:
        """Return a module's state; of a module missing from the lists nothing is known."""
        return self.modules.get(module_id) or ModuleState.unknown(module_id, kind)

    @classmethod
    def from_dict(
        cls,
        data: Any,
        plant_id: str,
        memo: StatusMemo | None = None,
        read: int = 0,
    ) -> PlantStatus:
        """
        Build the plant status of answer number `read` from a `{"modules": {...}}` answer.

        With a memo of the plant's previous answer, an element equal to the one at the same
        place last time is not read again: reading is a pure function of the element, so its
        state is the one kept, with the number of the answer it was read from. The memo then
        holds this answer's elements.
        """
        lists = mapping(mapping(data, "plant status").get("modules"), "status modules")
        states: dict[str, ModuleState] = {}
        seen: StatusMemo = {}
        for key, elements in lists.items():
            kind = STATUS_LIST_KINDS.get(str(key).lower(), DeviceKind.UNKNOWN)
            for index, raw in enumerate(
                optional_sequence(elements, f"{key} status list")
            ):
                place = (str(key), index)
                kept = None if memo is None else memo.get(place)
                if kept is not None and kept[0] == raw:
                    state: ModuleState | None = kept[1]
                else:
                    # An element that names no module is skipped; the others are used.
                    state = lenient(
                        plant_id,
                        f"{key} element",
                        partial(ModuleState.from_dict, raw, kind, read=read),
                    )
                if state is not None:
                    states[state.module_id] = state
                    seen[place] = (raw, state)
        if memo is not None:
            memo.clear()
            memo.update(seen)
        return cls(plant_id=plant_id, modules=states, read=read)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scene:
    """A scene of a Home + Control plant."""

    id: str
    name: str | None

    @classmethod
    def from_dict(cls, data: Any) -> Scene:
        """Build a scene from one element of the scenes list."""
        obj = mapping(data, "scene")
        scene_id = _sender_module_id(obj)
        if scene_id is None:
            raise ParseError("scene has no id")
        return cls(id=scene_id, name=optional_text(obj.get("name"), "scene name"))


def _module_state(
    data: Any, module_id: str, kind: DeviceKind, read: int
) -> ModuleState:
    """
    Read a one-module status answer, filed under the module asked for.

    The element naming that module is its state; else the answer's first element, whatever id
    its sender gives (anonymised answers name a placeholder, another spelling may come back).
    An answer without any element means the module did not answer.
    """
    first: ModuleState | None = None
    for key, elements in mapping(data, "module status").items():
        found_kind = STATUS_LIST_KINDS.get(str(key).lower(), kind)
        for raw in sequence(elements, f"{key} status list"):
            state = ModuleState.from_dict(raw, found_kind, module_id, read)
            if state.module_id == module_id:
                return state
            if first is None:
                first = state
    if first is None:
        return ModuleState.unreachable(module_id, kind, read)
    report_sender(module_id, first.module_id)
    return replace(first, module_id=module_id)


def scene_list(items: Sequence[Any]) -> list[Scene]:
    """Read a list of scenes; a scene listed again under the same id is the first one."""
    scenes: dict[str, Scene] = {}
    for item in items:
        scene = Scene.from_dict(item)
        scenes.setdefault(scene.id, scene)
    return list(scenes.values())


def _scenes(data: Any) -> list[Scene]:
    """Parse the scenes of a `{"scenes": [...]}` answer."""
    return scene_list(
        optional_sequence(mapping(data, "scenes").get("scenes"), "scenes")
    )


def parse_plant_status(
    data: Any,
    plant_id: str,
    endpoint: str,
    memo: StatusMemo | None = None,
    read: int = 0,
) -> PlantStatus:
    """Parse the whole-plant status of a Home + Control plant (see `PlantStatus.from_dict`)."""
    return guarded(endpoint, PlantStatus.from_dict, data, plant_id, memo, read)


def parse_module_status(
    data: Any, module_id: str, kind: DeviceKind, endpoint: str, read: int = 0
) -> ModuleState:
    """
    Parse a one-module status (`{"plugs": [{...}]}`), answer number `read` of the client.

    No element for the module means it is unreachable.
    """
    return guarded(endpoint, _module_state, data, module_id, kind, read)


def parse_scenes(data: Any, endpoint: str) -> list[Scene]:
    """Parse the scenes of a Home + Control plant; no body means no scenes."""
    if data is None:
        return []
    return guarded(endpoint, _scenes, data)

"""Typed models of the Works with Legrand answers, parsed tolerantly from untrusted JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any
import weakref

from .const import (
    DEVICE_KIND_ALIASES,
    MAX_LOAD_POWER,
    MAX_METER_POWER,
    MAX_SET_POINT,
    MAX_TEMPERATURE,
    MIN_SET_POINT,
    MIN_TEMPERATURE,
    STATUS_LIST_KINDS,
    TOKEN_ENDPOINT,
    DeviceKind,
    LoadState,
    ThermostatFunction,
    ThermostatMode,
)
from .exceptions import EliotError, EliotResponseError
from .ids import hashed_id
from .parsing import (
    ParseError,
    dig,
    enum_value,
    in_range,
    integer,
    lenient,
    mapping,
    optional_boolean,
    optional_integer,
    optional_number,
    optional_sequence,
    optional_text,
    optional_timestamp,
    report_once,
    sequence,
    text,
    timestamp,
)

# Push payloads name plants `bs_cloud_<uuid>` where the API itself uses the bare uuid.
_PLANT_PREFIX = "bs_cloud_"
_WATT_UNITS = {"watt", "watts", "w"}
_KILOWATT_UNITS = {"kilowatt", "kilowatts", "kw"}
# Clients fall back to one hour when the login answer gives no lifetime.
_DEFAULT_TOKEN_LIFETIME = 3600.0
# The token answer's fields that are text when present; Home Assistant stores them as they are.
_TOKEN_TEXT_FIELDS = ("refresh_token", "token_type", "id_token")


def guarded[**P, T](
    endpoint: str, parse: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run a parser; every failure becomes `EliotResponseError` naming the endpoint."""
    try:
        return parse(*args, **kwargs)
    except EliotError:
        raise
    except ParseError as err:
        raise EliotResponseError(
            f"Unexpected answer: {err}", endpoint=endpoint
        ) from err
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
        RecursionError,
    ) as err:
        # The text of a foreign exception may quote the payload: only its type is kept.
        raise EliotResponseError(
            f"Unexpected answer ({type(err).__name__})", endpoint=endpoint
        ) from err


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


def _sender_module_id(data: Mapping[str, Any]) -> str | None:
    """Return the module id of a status element (`sender.plant.module.id`, or a plain `id`)."""
    raw = dig(data, "sender", "plant", "module", "id")
    if raw is None:
        raw = data.get("id")
    return optional_text(raw, "module id")


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleState:
    """The state of one Home + Control module.

    `reachable` is false when the cloud says the module did not answer, None when it does not
    say (the module is missing from the status, or the field could not be read).
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

    @classmethod
    def unreachable(
        cls, module_id: str, kind: DeviceKind = DeviceKind.UNKNOWN
    ) -> ModuleState:
        """Return the state of a module that is missing from the status lists."""
        return cls(module_id=module_id, kind=kind, reachable=False)

    @classmethod
    def unknown(
        cls, module_id: str, kind: DeviceKind = DeviceKind.UNKNOWN
    ) -> ModuleState:
        """Return the state of a module the status does not list: nothing is known of it."""
        return cls(module_id=module_id, kind=kind, reachable=None)

    @classmethod
    def from_dict(
        cls, data: Any, kind: DeviceKind, module_id: str | None = None
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
    """The states of every module of a Home + Control plant that answered."""

    plant_id: str
    modules: Mapping[str, ModuleState] = field(default_factory=dict)

    def state(
        self, module_id: str, kind: DeviceKind = DeviceKind.UNKNOWN
    ) -> ModuleState:
        """Return a module's state; of a module missing from the lists nothing is known."""
        return self.modules.get(module_id) or ModuleState.unknown(module_id, kind)

    @classmethod
    def from_dict(
        cls, data: Any, plant_id: str, memo: StatusMemo | None = None
    ) -> PlantStatus:
        """
        Build the plant status from a `{"modules": {"plugs": [...], ...}}` answer.

        With a memo of the plant's previous answer, an element equal to the one at the same
        place last time is not read again: reading is a pure function of the element, so its
        state is the same. An element reporting power still gives a new state object: each of
        its readings counts on its own (the energy it stands for grows with each). The memo then
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
                    # A reading of power is a new reading even when it is the same.
                    state: ModuleState | None = (
                        replace(kept[1]) if kept[1].power else kept[1]
                    )
                else:
                    # An element that names no module is skipped; the others are used.
                    state = lenient(
                        plant_id,
                        f"{key} element",
                        partial(ModuleState.from_dict, raw, kind),
                    )
                if state is not None:
                    states[state.module_id] = state
                    seen[place] = (raw, state)
        if memo is not None:
            memo.clear()
            memo.update(seen)
        return cls(plant_id=plant_id, modules=states)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivationTime:
    """When a timed mode ends (and for a boost, when it started); naive times are plant-local."""

    start: datetime | None
    end: datetime | None

    @classmethod
    def parse(cls, value: Any) -> ActivationTime | None:
        """Parse `end`, `start/end` or an empty value (forever)."""
        raw = optional_text(value, "activationTime")
        if raw is None:
            return None
        start_text, slash, end_text = raw.partition("/")
        if not slash:
            return cls(start=None, end=timestamp(start_text, "activationTime"))
        return cls(
            start=optional_timestamp(start_text.strip(), "activationTime start"),
            end=optional_timestamp(end_text.strip(), "activationTime end"),
        )


# The attributes of a thermostat's state each field of its answer gives. The time is not here:
# a state whose own time cannot be read takes its event's, never an older state's.
_THERMOSTAT_FIELDS: dict[str, tuple[str, ...]] = {
    "function": ("function",),
    "mode": ("mode",),
    "setPoint": ("set_point", "set_point_unit"),
    "programs": ("programs",),
    "activationTime": ("activation_time",),
    "thermometer": ("temperature",),
    "hygrometer": ("humidity",),
    "loadState": ("load_state",),
    "temperatureFormat": ("temperature_format",),
    "online": ("online",),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ThermostatStatus:
    """The state of one Smarther thermostat, from its status answer or a push event.

    `unreadable` names the fields of the answer that were there but could not be read
    (malformed, not finite, out of range): they are unknown here, not absent.
    """

    plant_id: str
    module_id: str
    function: ThermostatFunction
    mode: ThermostatMode
    set_point: float | None = None
    set_point_unit: str | None = None
    programs: tuple[int, ...] = ()
    activation_time: ActivationTime | None = None
    temperature: Measure | None = None
    humidity: Measure | None = None
    load_state: LoadState | None = None
    temperature_format: str | None = None
    online: bool | None = None
    time: datetime | None = None
    unreadable: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def program(self) -> int | None:
        """Return the number of the active program (the API sends at most one)."""
        return self.programs[0] if self.programs else None

    def keep_readable(self, previous: ThermostatStatus | None) -> ThermostatStatus:
        """Return this state with each field it could not read taken from `previous`."""
        if previous is None or not self.unreadable:
            return self
        kept = {
            name: getattr(previous, name)
            for what in self.unreadable
            for name in _THERMOSTAT_FIELDS.get(what, ())
        }
        # Still unknown: what the previous state could not read either.
        return replace(self, **kept, unreadable=self.unreadable & previous.unreadable)

    @classmethod
    def from_dict(
        cls, data: Any, plant_id: str | None = None, module_id: str | None = None
    ) -> ThermostatStatus:
        """Build a status from one element of a `chronothermostats` list."""
        obj = mapping(data, "chronothermostat")
        sender_plant = optional_text(
            dig(obj, "sender", "plant", "id"), "sender plant id"
        )
        sender_module = optional_text(
            dig(obj, "sender", "plant", "module", "id"), "sender module id"
        )
        found_plant = bare_plant_id(sender_plant) if sender_plant else plant_id
        found_module = sender_module or module_id
        if found_plant is None or found_module is None:
            raise ParseError("chronothermostat names no plant or module")
        owner = found_module
        unreadable: set[str] = set()

        def field[T](what: str, read: Callable[[], T]) -> T | None:
            """Read one field of this thermostat; a bad one is unknown."""
            return lenient(owner, what, read, unreadable)

        set_point = field("setPoint", lambda: _set_point(obj.get("setPoint")))
        mode = _mode(obj.get("mode"))
        if not isinstance(obj.get("mode"), str):
            unreadable.add("mode")
        return cls(
            plant_id=found_plant,
            module_id=found_module,
            function=field("function", lambda: _function(obj.get("function")))
            or ThermostatFunction.UNKNOWN,
            mode=mode,
            set_point=None if set_point is None else set_point[0],
            set_point_unit=None if set_point is None else set_point[1],
            programs=field("programs", lambda: _program_numbers(obj.get("programs")))
            or (),
            activation_time=field(
                "activationTime",
                lambda: ActivationTime.parse(obj.get("activationTime")),
            ),
            temperature=field(
                "thermometer",
                lambda: _temperature(
                    Measure.first_of(obj.get("thermometer"), "thermometer")
                ),
            ),
            humidity=field(
                "hygrometer",
                lambda: _humidity(
                    Measure.first_of(obj.get("hygrometer"), "hygrometer")
                ),
            ),
            load_state=field("loadState", lambda: _load_state(obj.get("loadState"))),
            temperature_format=field(
                "temperatureFormat",
                lambda: _upper_text(obj.get("temperatureFormat"), "temperatureFormat"),
            ),
            online=field(
                "online", lambda: optional_boolean(obj.get("online"), "online")
            ),
            time=field("time", lambda: optional_timestamp(obj.get("time"), "time")),
            unreadable=frozenset(unreadable),
        )


def _mode(value: Any) -> ThermostatMode:
    """Read the mode: without one nothing sensible can be shown; an odd one is unknown."""
    if value is None or value == "":
        raise ParseError("mode is missing or not text")
    if not isinstance(value, str):
        return ThermostatMode.UNKNOWN
    return enum_value(ThermostatMode, value, "mode", ThermostatMode.UNKNOWN)


def _function(value: Any) -> ThermostatFunction:
    """Read whether the thermostat heats or cools; absent is unknown."""
    if value is None or value == "":
        return ThermostatFunction.UNKNOWN
    return enum_value(ThermostatFunction, value, "function", ThermostatFunction.UNKNOWN)


def _load_state(value: Any) -> LoadState | None:
    """Read whether the load runs; absent is None."""
    if value is None or value == "":
        return None
    return enum_value(LoadState, value, "loadState", LoadState.UNKNOWN)


def _program_numbers(value: Any) -> tuple[int, ...]:
    """Read the numbers of the active programs."""
    return tuple(
        integer(mapping(raw, "program").get("number"), "program number")
        for raw in optional_sequence(value, "programs")
    )


def _celsius(value: float, unit: str | None) -> float:
    """Return a temperature in °C whichever scale it came in."""
    return (value - 32) / 1.8 if (unit or "").upper() == "F" else value


def _set_point(value: Any) -> tuple[float, str | None] | None:
    """Read a set point and its unit; one outside the documented range is no set point."""
    if value is None:
        return None
    obj = mapping(value, "setPoint")
    number = optional_number(obj.get("value"), "setPoint value")
    unit = optional_text(obj.get("unit"), "setPoint unit")
    if number is None:
        return None
    in_range(_celsius(number, unit), MIN_SET_POINT, MAX_SET_POINT, "setPoint value")
    return number, unit


def _temperature(measure: Measure | None) -> Measure | None:
    """Keep a room temperature a thermostat can really measure."""
    if measure is not None:
        in_range(
            _celsius(measure.value, measure.unit),
            MIN_TEMPERATURE,
            MAX_TEMPERATURE,
            "temperature",
        )
    return measure


def _humidity(measure: Measure | None) -> Measure | None:
    """Keep a relative humidity from 0 to 100 %."""
    if measure is not None:
        in_range(measure.value, 0, 100, "humidity")
    return measure


def _upper_text(value: Any, what: str) -> str | None:
    """Read an optional unit letter in upper case."""
    result = optional_text(value, what)
    return None if result is None else result.upper()


@dataclass(frozen=True, slots=True, kw_only=True)
class ThermostatMeasures:
    """The latest temperature and humidity readings of a thermostat."""

    temperature: Measure | None
    humidity: Measure | None

    @classmethod
    def from_dict(cls, data: Any) -> ThermostatMeasures:
        """Build the readings from a measures answer (bare, or inside `chronothermostats`)."""
        obj = mapping(data, "measures")
        if "chronothermostats" in obj:
            obj = mapping(
                _first(obj.get("chronothermostats"), "chronothermostats"), "measures"
            )
        return cls(
            temperature=Measure.first_of(obj.get("thermometer"), "thermometer"),
            humidity=Measure.first_of(obj.get("hygrometer"), "hygrometer"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Program:
    """A weekly program of a thermostat; number 0 is the default program."""

    number: int
    name: str | None

    @classmethod
    def from_dict(cls, data: Any) -> Program:
        """Build a program from one element of a program list."""
        obj = mapping(data, "program")
        return cls(
            number=integer(obj.get("number"), "program number"),
            name=optional_text(obj.get("name"), "program name"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """A push (C2C) subscription of a Smarther plant."""

    plant_id: str
    subscription_id: str
    # The webhook URL embeds a secret id: kept out of reprs and logs.
    endpoint_url: str | None = field(default=None, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Subscription:
        """Build a subscription from one element of the subscriptions list."""
        obj = {
            str(key).lower(): value
            for key, value in mapping(data, "subscription").items()
        }
        return cls(
            plant_id=bare_plant_id(text(obj.get("plantid"), "subscription plantId")),
            subscription_id=text(obj.get("subscriptionid"), "subscriptionId"),
            endpoint_url=optional_text(
                obj.get("endpointurl"), "subscription EndPointUrl"
            ),
        )


def _first(value: Any, what: str) -> Any:
    """Return the first element of a non-empty list."""
    items = sequence(value, what)
    if not items:
        raise ParseError(f"{what} is empty")
    return items[0]


def _plants_list(data: Any) -> list[Plant]:
    """Parse the plants of `{"plants": [...]}` or of a bare list."""
    raw = data.get("plants") if isinstance(data, Mapping) else data
    return [Plant.from_dict(item) for item in sequence(raw, "plants")]


def _module_state(data: Any, module_id: str, kind: DeviceKind) -> ModuleState:
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
            state = ModuleState.from_dict(raw, found_kind, module_id)
            if state.module_id == module_id:
                return state
            if first is None:
                first = state
    if first is None:
        return ModuleState.unreachable(module_id, kind)
    _report_sender(module_id, first.module_id)
    return replace(first, module_id=module_id)


def _report_sender(asked: str, sender: str) -> None:
    """Log once that an answer names another sender than the module asked for."""
    report_once(
        asked,
        "sender",
        "The status of %s names %s as its sender; it is filed under the module asked for",
        hashed_id(asked),
        hashed_id(sender),
    )


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


def _thermostat_status(data: Any, plant_id: str, module_id: str) -> ThermostatStatus:
    """Parse the first chronothermostat of a status answer, filed under the ids asked for."""
    raw = _first(mapping(data, "status").get("chronothermostats"), "chronothermostats")
    status = ThermostatStatus.from_dict(raw, plant_id, module_id)
    if (status.plant_id, status.module_id) == (plant_id, module_id):
        return status
    # Anonymised answers name placeholders; another spelling of the ids may come back.
    _report_sender(
        module_id,
        status.module_id if status.module_id != module_id else status.plant_id,
    )
    return replace(status, plant_id=plant_id, module_id=module_id)


def _programs(data: Any) -> list[Program]:
    """Parse the programs of a program list, bare or inside `chronothermostats`."""
    obj = mapping(data, "program list")
    if "chronothermostats" in obj:
        chronos = sequence(obj.get("chronothermostats"), "chronothermostats")
        if not chronos:
            return []
        obj = mapping(chronos[0], "chronothermostat")
    return [
        Program.from_dict(raw)
        for raw in optional_sequence(obj.get("programs"), "programs")
    ]


def _subscriptions(data: Any) -> list[Subscription]:
    """Parse a bare subscriptions array or one wrapped in `{"subscriptions": [...]}`."""
    raw = data.get("subscriptions") if isinstance(data, Mapping) else data
    return [Subscription.from_dict(item) for item in sequence(raw, "subscriptions")]


def _subscription_id(data: Any) -> str:
    """Read the id of a new subscription."""
    return text(mapping(data, "subscription").get("subscriptionId"), "subscriptionId")


def _token_text(token: dict[str, Any], name: str) -> None:
    """Check that a token field is text; one that is null is left out, as if absent."""
    value = token.get(name)
    if value is None:
        token.pop(name, None)
    elif not isinstance(value, str) or not value.strip():
        raise ParseError(f"{name} is not text")


def _token_response(data: Any, now: float) -> dict[str, Any]:
    """Check the types of a token response and fill `expires_in` and `expires_on`."""
    token = dict(mapping(data, "token response"))
    access_token = token.get("access_token")
    if not isinstance(access_token, str) or not access_token.strip():
        raise ParseError("access_token is missing or not text")
    for name in _TOKEN_TEXT_FIELDS:
        _token_text(token, name)
    scope = token.get("scope")
    if scope is None:
        token.pop("scope", None)
    elif not isinstance(scope, str) and not (
        isinstance(scope, list) and all(isinstance(item, str) for item in scope)
    ):
        raise ParseError("scope is neither text nor a list of words")
    expires_in = optional_number(token.get("expires_in"), "expires_in")
    expires_on = optional_number(token.get("expires_on"), "expires_on")
    if expires_in is None:
        expires_in = (
            _DEFAULT_TOKEN_LIFETIME
            if expires_on is None
            else max(0.0, expires_on - now)
        )
    if expires_on is None:
        expires_on = now + expires_in
    token["expires_in"] = int(expires_in)
    token["expires_on"] = int(expires_on)
    return token


def parse_plants(data: Any, endpoint: str) -> list[Plant]:
    """Parse a plants answer of either API; no body (204) means no plants."""
    if data is None:
        return []
    return guarded(endpoint, _plants_list, data)


def parse_topology(data: Any, plant_id: str, endpoint: str) -> Topology:
    """Parse a topology answer of either API."""
    return guarded(endpoint, Topology.from_dict, data, plant_id)


def parse_plant_status(
    data: Any, plant_id: str, endpoint: str, memo: StatusMemo | None = None
) -> PlantStatus:
    """Parse the whole-plant status of a Home + Control plant (see `PlantStatus.from_dict`)."""
    return guarded(endpoint, PlantStatus.from_dict, data, plant_id, memo)


def parse_module_status(
    data: Any, module_id: str, kind: DeviceKind, endpoint: str
) -> ModuleState:
    """Parse a one-module status (`{"plugs": [{...}]}`); no element for it means unreachable."""
    return guarded(endpoint, _module_state, data, module_id, kind)


def parse_scenes(data: Any, endpoint: str) -> list[Scene]:
    """Parse the scenes of a Home + Control plant; no body means no scenes."""
    if data is None:
        return []
    return guarded(endpoint, _scenes, data)


def parse_thermostat_status(
    data: Any, plant_id: str, module_id: str, endpoint: str
) -> ThermostatStatus:
    """Parse a thermostat status answer (`{"chronothermostats": [{...}]}`)."""
    return guarded(endpoint, _thermostat_status, data, plant_id, module_id)


def parse_measures(data: Any, endpoint: str) -> ThermostatMeasures:
    """Parse a thermostat measures answer."""
    return guarded(endpoint, ThermostatMeasures.from_dict, data)


def parse_programs(data: Any, endpoint: str) -> list[Program]:
    """Parse a program list; no body means no programs."""
    if data is None:
        return []
    return guarded(endpoint, _programs, data)


def parse_subscriptions(data: Any, endpoint: str) -> list[Subscription]:
    """Parse the subscriptions list; no body (204) means none."""
    if data is None:
        return []
    return guarded(endpoint, _subscriptions, data)


def parse_subscription_id(data: Any, endpoint: str) -> str:
    """Parse the answer to a new subscription (`{"subscriptionId": "..."}`)."""
    return guarded(endpoint, _subscription_id, data)


def parse_token_response(data: Any, now: float) -> dict[str, Any]:
    """
    Return a token response with both `expires_in` and `expires_on` (epoch s) filled.

    Legrand's login has sent either field over the years; Home Assistant needs `expires_in`.
    Without either, the usual one hour lifetime is assumed.
    """
    return guarded(TOKEN_ENDPOINT, _token_response, data, now)

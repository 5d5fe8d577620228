"""Models of the Smarther v2.0 answers: thermostat states and readings, programs, push subscriptions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .const import (
    MAX_SET_POINT,
    MAX_TEMPERATURE,
    MIN_SET_POINT,
    MIN_TEMPERATURE,
    LoadState,
    ThermostatFunction,
    ThermostatMode,
)
from .parsing import (
    ParseError,
    dig,
    enum_value,
    guarded,
    in_range,
    integer,
    lenient,
    mapping,
    optional_boolean,
    optional_number,
    optional_sequence,
    optional_text,
    optional_timestamp,
    sequence,
    text,
    timestamp,
)
from .plant_models import Measure, bare_plant_id, report_sender


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


def _thermostat_status(data: Any, plant_id: str, module_id: str) -> ThermostatStatus:
    """Parse the first chronothermostat of a status answer, filed under the ids asked for."""
    raw = _first(mapping(data, "status").get("chronothermostats"), "chronothermostats")
    status = ThermostatStatus.from_dict(raw, plant_id, module_id)
    if (status.plant_id, status.module_id) == (plant_id, module_id):
        return status
    # Anonymised answers name placeholders; another spelling of the ids may come back.
    report_sender(
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

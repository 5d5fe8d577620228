"""Smarther thermostats: their modes, commands, and a room temperature that follows the load.

State evolves lazily: whenever a thermostat is read or changed, it first catches up with the
clock in steps aligned on whole minutes (load decisions happen only on those boundaries, and at
mode changes), so the result depends on the clock alone, never on when or how often it is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
import math
from typing import Any

from .schedule import MAX_PROGRAM_NUMBER, Program
from .timefmt import local_naive, local_offset_iso, parse_moment, utc_z

FUNCTIONS = ("heating", "cooling")
MODES = ("automatic", "manual", "boost", "off", "protection")
# Set points the thermostat holds in protection mode (anti-freeze, anti-overheat).
PROTECTION_SETPOINT = {"heating": 7.0, "cooling": 35.0}
SETPOINT_MIN = 3.0
SETPOINT_MAX = 40.0
STEP = timedelta(minutes=1)
# Beyond two days the room has long reached its equilibrium: older history is skipped.
MAX_CATCH_UP = timedelta(days=2)
MAX_BOOST = timedelta(hours=24)


class InvalidCommandError(Exception):
    """A set-status body that breaks the documented rules (answered with 430)."""


@dataclass(kw_only=True)
class Physics:
    """How fast a room warms or cools: the load's rate and the drift toward the outside."""

    load_rate: float = 0.05
    leak_per_hour: float = 0.15
    ambient: float | None = None
    hysteresis: float = 0.2

    def outside(self, function: str) -> float:
        """Return the temperature the room drifts toward when the load is off."""
        if self.ambient is not None:
            return self.ambient
        return 15.0 if function == "heating" else 29.0


@dataclass(frozen=True, slots=True)
class Command:
    """A validated set-status request."""

    function: str
    mode: str
    setpoint: float | None = None
    program: int | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(kw_only=True)
class Thermostat:
    """One chronothermostat and the room it measures."""

    id: str
    name: str
    plant_id: str
    receiver_id: str
    function: str
    mode: str
    program: int
    setpoint: float
    temperature: float
    humidity: float
    updated_at: datetime
    programs: dict[int, Program]
    physics: Physics = field(default_factory=Physics)
    temperature_format: str = "C"
    activation_start: datetime | None = None
    activation_end: datetime | None = None
    load_active: bool = False
    busy: int = 0

    def effective_setpoint(self, at: datetime, zone: tzinfo) -> float:
        """Return the set point the thermostat regulates to at a given time."""
        if self.mode == "automatic":
            program = self.programs.get(self.program)
            if program is not None:
                return program.setpoint_at(at.astimezone(zone))
        if self.mode == "protection":
            return PROTECTION_SETPOINT[self.function]
        return self.setpoint

    def evolve(self, now: datetime, zone: tzinfo) -> None:
        """Catch up with the clock: expire timed modes, move the temperature, switch the load."""
        if now <= self.updated_at:
            # A clock set back in time restarts the history from there, state unchanged.
            self.updated_at = now
            return
        moment = self.updated_at
        if now - moment > MAX_CATCH_UP:
            moment = now - MAX_CATCH_UP
        if self.activation_end is not None and self.activation_end <= moment:
            self._expire(moment, zone)
        while moment < now:
            boundary = moment.replace(second=0, microsecond=0) + STEP
            following = min(boundary, now)
            end = self.activation_end
            if end is not None and moment < end <= following:
                self._drift(end - moment)
                moment = end
                self._expire(moment, zone)
                continue
            self._drift(following - moment)
            moment = following
            if moment == boundary:
                self.decide_load(moment, zone)
        self.updated_at = now

    def _expire(self, at: datetime, zone: tzinfo) -> None:
        """End a timed mode: back to the program that ran before."""
        self.mode = "automatic"
        self.activation_start = None
        self.activation_end = None
        self.decide_load(at, zone)

    def _drift(self, span: timedelta) -> None:
        """Move the room temperature over a span, solving the heat balance exactly.

        The room loses heat toward the outside in proportion to the difference, and the load
        adds a constant rate; the exact solution makes split spans add up to the whole span.
        """
        minutes = span.total_seconds() / 60.0
        leak = self.physics.leak_per_hour / 60.0
        load = 0.0
        if self.load_active:
            load = (
                self.physics.load_rate
                if self.function == "heating"
                else -self.physics.load_rate
            )
        if leak <= 0:
            temperature = self.temperature + load * minutes
        else:
            balance = self.physics.outside(self.function) + load / leak
            temperature = balance + (self.temperature - balance) * math.exp(
                -leak * minutes
            )
        self.temperature = min(max(temperature, -20.0), 60.0)

    def decide_load(self, at: datetime, zone: tzinfo) -> None:
        """Switch the load on or off around the set point, with a small hysteresis."""
        if self.mode == "off" or (
            self.mode == "protection" and self.function == "cooling"
        ):
            self.load_active = False
            return
        if self.mode == "boost":
            self.load_active = True
            return
        target = self.effective_setpoint(at, zone)
        gap = (
            target - self.temperature
            if self.function == "heating"
            else self.temperature - target
        )
        if gap > self.physics.hysteresis:
            self.load_active = True
        elif gap <= 0:
            self.load_active = False

    def apply(self, command: Command, now: datetime, zone: tzinfo) -> None:
        """Carry out a validated command at the current time."""
        self.evolve(now, zone)
        self.function = command.function
        self.mode = command.mode
        self.activation_start = None
        self.activation_end = None
        if command.mode == "automatic" and command.program is not None:
            self.program = command.program
        if command.setpoint is not None and command.mode in {"manual", "boost"}:
            self.setpoint = command.setpoint
        if command.mode in {"manual", "boost", "off"}:
            self.activation_end = command.end
        if command.mode == "boost":
            self.activation_start = command.start or now
        self.decide_load(now, zone)

    def set_measures(
        self,
        now: datetime,
        zone: tzinfo,
        temperature: float | None,
        humidity: float | None,
    ) -> None:
        """Change what the room measures (a "physical" change)."""
        self.evolve(now, zone)
        if temperature is not None:
            self.temperature = temperature
        if humidity is not None:
            self.humidity = humidity
        self.decide_load(now, zone)

    def _measures(self, now: datetime, zone: tzinfo) -> dict[str, Any]:
        """Return the thermometer and hygrometer objects."""
        stamp = local_offset_iso(now, zone)
        return {
            "thermometer": {
                "measures": [
                    {
                        "timeStamp": stamp,
                        "value": f"{self.temperature:.1f}",
                        "unit": "C",
                    }
                ]
            },
            "hygrometer": {
                "measures": [
                    {"timeStamp": stamp, "value": f"{self.humidity:.1f}", "unit": "%"}
                ]
            },
        }

    def _sender(self, address_type: str) -> dict[str, Any]:
        """Return the sender object naming the plant and module."""
        return {
            "addressType": address_type,
            "system": "thermoregulation",
            "plant": {"id": self.plant_id, "module": {"id": self.id}},
        }

    def status(
        self,
        now: datetime,
        zone: tzinfo,
        activation_format: str,
        *,
        push: bool = False,
        online: bool = True,
    ) -> dict[str, Any]:
        """Return the chronothermostat object (GET status, or a push event's data when push)."""
        self.evolve(now, zone)
        setpoint = self.effective_setpoint(now, zone)
        data: dict[str, Any] = {
            "function": self.function.upper(),
            "mode": self.mode.upper(),
            "setPoint": {"value": f"{setpoint:.5f}", "unit": "C"},
            "programs": [{"number": str(self.program) if push else self.program}],
        }
        if self.activation_end is not None:
            data["activationTime"] = self._activation_text(zone, activation_format)
        data["temperatureFormat"] = self.temperature_format
        data["loadState"] = "ACTIVE" if self.load_active else "INACTIVE"
        data["time"] = local_offset_iso(now, zone)
        data.update(self._measures(now, zone))
        data["sender"] = self._sender("AddressLocation" if push else "addressLocation")
        if push:
            data["online"] = online
            data["receiver"] = {"oid": [self.receiver_id]}
        return data

    def _activation_text(self, zone: tzinfo, style: str) -> str:
        """Format the end of a timed mode (or a boost's start/end range) in the chosen style."""
        end = self.activation_end
        assert end is not None
        if style == "utc":
            return utc_z(end)
        if style == "offset":
            return local_offset_iso(end, zone)
        if (
            style == "range"
            and self.mode == "boost"
            and self.activation_start is not None
        ):
            return (
                f"{local_naive(self.activation_start, zone)}/{local_naive(end, zone)}"
            )
        return local_naive(end, zone)

    def measures(self, now: datetime, zone: tzinfo) -> dict[str, Any]:
        """Return the measures answer."""
        self.evolve(now, zone)
        data = self._measures(now, zone)
        data["sender"] = self._sender("addressLocation")
        return data

    def program_list(self) -> dict[str, Any]:
        """Return the program list answer."""
        return {
            "chronothermostats": [
                {
                    "programs": [
                        {"number": program.number, "name": program.name}
                        for program in sorted(
                            self.programs.values(), key=lambda p: p.number
                        )
                    ],
                    "sender": self._sender("addressLocation"),
                }
            ]
        }

    def snapshot(self, now: datetime, zone: tzinfo) -> dict[str, Any]:
        """Return everything about the thermostat, for the control API."""
        self.evolve(now, zone)
        return {
            "id": self.id,
            "name": self.name,
            "plant": self.plant_id,
            "function": self.function,
            "mode": self.mode,
            "program": self.program,
            "setpoint": self.setpoint,
            "effective_setpoint": self.effective_setpoint(now, zone),
            "temperature": round(self.temperature, 2),
            "humidity": self.humidity,
            "load_active": self.load_active,
            "activation_start": self.activation_start.isoformat()
            if self.activation_start
            else None,
            "activation_end": self.activation_end.isoformat()
            if self.activation_end
            else None,
            "busy": self.busy,
            "programs": [
                p.describe()
                for p in sorted(self.programs.values(), key=lambda p: p.number)
            ],
        }


def parse_command(
    body: Mapping[str, Any], thermostat: Thermostat, now: datetime, zone: tzinfo
) -> Command:
    """Validate a set-status body by the documented rules; violations raise InvalidCommandError."""
    function = _enum(body.get("function", thermostat.function), FUNCTIONS, "function")
    if "mode" not in body:
        raise InvalidCommandError("mode is required")
    mode = _enum(body["mode"], MODES, "mode")
    setpoint = _setpoint(body.get("setPoint"))
    program = _program(body.get("programs"), thermostat)
    start, end = _activation(body.get("activationTime"), zone)
    if mode == "manual" and setpoint is None:
        raise InvalidCommandError("setPoint is required for manual mode")
    if mode == "automatic" and program is None:
        raise InvalidCommandError("programs is required for automatic mode")
    if mode == "boost" and end is None:
        raise InvalidCommandError("activationTime is required for boost mode")
    if end is not None and mode in {"manual", "boost", "off"}:
        if end <= now:
            raise InvalidCommandError("activationTime must be in the future")
        if start is not None and start > end:
            raise InvalidCommandError("activationTime starts after it ends")
        if mode == "boost" and end - (start or now) > MAX_BOOST:
            raise InvalidCommandError("a boost lasts at most 24 hours")
    return Command(
        function=function,
        mode=mode,
        setpoint=setpoint,
        program=program,
        start=start if mode == "boost" else None,
        end=end if mode in {"manual", "boost", "off"} else None,
    )


def _enum(value: Any, allowed: tuple[str, ...], name: str) -> str:
    """Read an enum value in any letter case."""
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    raise InvalidCommandError(f"{name} must be one of {', '.join(allowed)}")


def _setpoint(raw: Any) -> float | None:
    """Read {"value": "21.5", "unit": "C"}; the value may be a string or a number."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidCommandError("setPoint must be an object with value and unit")
    unit = raw.get("unit", "C")
    if not isinstance(unit, str) or unit.upper() != "C":
        raise InvalidCommandError("setPoint unit must be C")
    value = raw.get("value")
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise InvalidCommandError("setPoint value must be a number")
    if not SETPOINT_MIN <= number <= SETPOINT_MAX:
        raise InvalidCommandError(
            f"setPoint must be between {SETPOINT_MIN:g} and {SETPOINT_MAX:g}"
        )
    return number


def _program(raw: Any, thermostat: Thermostat) -> int | None:
    """Read [{"number": N}] (at most one item) and check the program exists."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise InvalidCommandError("programs must be a list")
    if len(raw) > 1:
        raise InvalidCommandError("programs accepts at most one item")
    if not raw:
        return None
    item = raw[0]
    number = item.get("number") if isinstance(item, Mapping) else None
    if isinstance(number, str) and number.strip().isdigit():
        number = int(number)
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidCommandError("program number must be an integer")
    if not 0 <= number <= MAX_PROGRAM_NUMBER or number not in thermostat.programs:
        raise InvalidCommandError(f"unknown program {number}")
    return number


def _activation(raw: Any, zone: tzinfo) -> tuple[datetime | None, datetime | None]:
    """Read an activation time: "", an end, or a "start/end" range."""
    if raw is None or raw == "":
        return None, None
    if not isinstance(raw, str):
        raise InvalidCommandError("activationTime must be a string")
    parts = raw.split("/")
    if len(parts) > 2:
        raise InvalidCommandError("activationTime is an end time or a start/end range")
    try:
        moments = [parse_moment(part, zone) for part in parts]
    except ValueError as err:
        raise InvalidCommandError(f"activationTime: {err}") from err
    if len(moments) == 2:
        return moments[0].astimezone(UTC), moments[1].astimezone(UTC)
    return None, moments[0].astimezone(UTC)

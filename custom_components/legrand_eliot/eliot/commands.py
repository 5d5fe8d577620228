"""Build and check the bodies of commands before anything is sent."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
import math
from typing import Any

from .const import (
    MAX_PROGRAM_NUMBER,
    MAX_SET_POINT,
    MIN_SET_POINT,
    BoostDuration,
    ThermostatFunction,
    ThermostatMode,
)
from .exceptions import EliotInvalidValueError

_ACTIVATION_FORMAT = "%Y-%m-%dT%H:%M:%S"


def _whole(value: Any, what: str) -> int:
    """Return `value` when it is a whole number (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise EliotInvalidValueError(f"The {what} must be a whole number")
    return value


def status_body(on: bool) -> dict[str, Any]:
    """Return the body that switches a light or plug on or off."""
    if not isinstance(on, bool):
        raise EliotInvalidValueError("The switch state must be true or false")
    return {"status": "on" if on else "off"}


def level_body(level: int) -> dict[str, Any]:
    """Return the body that sets a dimmer or shutter level (0-100)."""
    if not 0 <= _whole(level, "level") <= 100:
        raise EliotInvalidValueError("The level must be between 0 and 100")
    return {"level": level}


def stop_body() -> dict[str, Any]:
    """Return the body that stops a moving shutter."""
    return {"level": -1}


def scene_body() -> dict[str, Any]:
    """Return the body that runs a scene."""
    return {"enable": True}


def activation_time(moment: datetime, time_zone: tzinfo) -> str:
    """Format a moment as the thermostat expects it: plant-local time without a zone."""
    if not isinstance(moment, datetime):
        raise EliotInvalidValueError("The end time must be a date and time")
    if moment.tzinfo is not None:
        moment = moment.astimezone(time_zone)
    return moment.strftime(_ACTIVATION_FORMAT)


def _function(function: ThermostatFunction | str) -> str:
    """Return the lowercase function word, refusing anything but heating or cooling."""
    value = str(function).lower()
    if value not in (ThermostatFunction.HEATING, ThermostatFunction.COOLING):
        raise EliotInvalidValueError("The function must be heating or cooling")
    return value


def _base(function: ThermostatFunction | str, mode: ThermostatMode) -> dict[str, Any]:
    """Return the fields every thermostat command carries."""
    return {"function": _function(function), "mode": mode.value}


def automatic_body(function: ThermostatFunction | str, program: int) -> dict[str, Any]:
    """Return the body that follows a weekly program."""
    if not 0 <= _whole(program, "program number") <= MAX_PROGRAM_NUMBER:
        raise EliotInvalidValueError(
            f"The program number must be 0 to {MAX_PROGRAM_NUMBER}"
        )
    return {
        **_base(function, ThermostatMode.AUTOMATIC),
        "programs": [{"number": program}],
    }


def manual_body(
    function: ThermostatFunction | str,
    set_point: float,
    until: datetime | None,
    time_zone: tzinfo,
) -> dict[str, Any]:
    """Return the body that holds a set point, forever or until a moment."""
    if (
        isinstance(set_point, bool)
        or not isinstance(set_point, int | float)
        or not math.isfinite(set_point)
        or not MIN_SET_POINT <= set_point <= MAX_SET_POINT
    ):
        raise EliotInvalidValueError(
            f"The set point must be between {MIN_SET_POINT} and {MAX_SET_POINT} °C"
        )
    body = {
        **_base(function, ThermostatMode.MANUAL),
        "setPoint": {"value": f"{set_point:.1f}", "unit": "C"},
    }
    if until is not None:
        body["activationTime"] = activation_time(until, time_zone)
    return body


def boost_body(
    function: ThermostatFunction | str, minutes: int, now: datetime, time_zone: tzinfo
) -> dict[str, Any]:
    """Return the body of a boost of 30, 60 or 90 minutes starting now."""
    try:
        duration = BoostDuration(_whole(minutes, "boost duration"))
    except ValueError as err:
        raise EliotInvalidValueError("A boost lasts 30, 60 or 90 minutes") from err
    start = activation_time(now, time_zone)
    end = activation_time(now + timedelta(minutes=duration), time_zone)
    return {**_base(function, ThermostatMode.BOOST), "activationTime": f"{start}/{end}"}


def off_body(
    function: ThermostatFunction | str, until: datetime | None, time_zone: tzinfo
) -> dict[str, Any]:
    """Return the body that turns the thermostat off, forever or until a moment."""
    body = _base(function, ThermostatMode.OFF)
    if until is not None:
        body["activationTime"] = activation_time(until, time_zone)
    return body


def protection_body(function: ThermostatFunction | str) -> dict[str, Any]:
    """Return the body of the frost (or heat) protection mode."""
    return _base(function, ThermostatMode.PROTECTION)

"""Weekly thermostat programs: a few set points over each day of the week."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Day groups a scenario may use; specific days override groups.
GROUPS: dict[str, tuple[str, ...]] = {
    "all": DAYS,
    "weekdays": DAYS[:5],
    "weekend": DAYS[5:],
}
MAX_PROGRAM_NUMBER = 11


class ProgramError(ValueError):
    """A program of a scenario that cannot be read."""


type DayPoints = tuple[tuple[int, float], ...]


@dataclass(frozen=True, slots=True)
class Program:
    """A numbered program: for each weekday, the minutes of the day at which a set point starts."""

    number: int
    name: str
    days: tuple[DayPoints, ...]

    def setpoint_at(self, local: datetime) -> float:
        """Return the program's set point at a local time."""
        weekday = local.weekday()
        minute = local.hour * 60 + local.minute
        value = self.days[(weekday - 1) % 7][-1][1]
        for start, setpoint in self.days[weekday]:
            if start > minute:
                break
            value = setpoint
        return value

    def describe(self) -> dict[str, Any]:
        """Return the program with its schedule, for the control API."""
        return {
            "number": self.number,
            "name": self.name,
            "schedule": {
                day: [
                    [f"{start // 60:02d}:{start % 60:02d}", sp] for start, sp in points
                ]
                for day, points in zip(DAYS, self.days, strict=True)
            },
        }


def parse_program(data: Mapping[str, Any]) -> Program:
    """Build a program from scenario JSON; bad shapes raise ValueError naming the problem."""
    number = data.get("number")
    if isinstance(number, bool) or not isinstance(number, int):
        raise ProgramError("a program needs an integer number")
    if not 0 <= number <= MAX_PROGRAM_NUMBER:
        raise ProgramError(f"program numbers go from 0 to {MAX_PROGRAM_NUMBER}")
    name = data.get("name", f"Program {number}")
    if not isinstance(name, str):
        raise ProgramError("a program name must be a string")
    schedule = data.get("schedule")
    if schedule is None:
        flat = _setpoint(data.get("setpoint", 20.0))
        return Program(number, name, tuple(((0, flat),) for _ in DAYS))
    if not isinstance(schedule, Mapping):
        raise ProgramError("a program schedule must be an object of days")
    per_day: dict[str, DayPoints] = {}
    for key in (*GROUPS, *DAYS):
        if key in schedule:
            points = _day_points(schedule[key])
            for day in GROUPS.get(key, (key,)):
                per_day[day] = points
    unknown = set(schedule) - set(GROUPS) - set(DAYS)
    if unknown:
        raise ProgramError(f"unknown schedule keys {sorted(unknown)}")
    missing = [day for day in DAYS if day not in per_day]
    if missing:
        raise ProgramError(f"program {number} has no schedule for {missing}")
    return Program(number, name, tuple(per_day[day] for day in DAYS))


def _day_points(raw: Any) -> DayPoints:
    """Read a day's list of ["HH:MM", set point] pairs, sorted by time."""
    if not isinstance(raw, list) or not raw:
        raise ProgramError("a day needs a list of [time, set point] pairs")
    points: list[tuple[int, float]] = []
    for item in raw:
        if not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str):
            raise ProgramError('each schedule entry is ["HH:MM", set point]')
        hours, _, minutes = item[0].partition(":")
        if not (hours.isdigit() and minutes.isdigit()):
            raise ProgramError(f"bad time {item[0]!r}")
        start = int(hours) * 60 + int(minutes)
        if not 0 <= start < 24 * 60:
            raise ProgramError(f"bad time {item[0]!r}")
        points.append((start, _setpoint(item[1])))
    return tuple(sorted(points))


def _setpoint(value: Any) -> float:
    """Read a set point in degrees Celsius."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProgramError("a set point must be a number")
    return float(value)

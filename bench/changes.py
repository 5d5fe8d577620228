"""Seeded physical changes over a day: who touches which device, and when."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
import random
from typing import Any

DAY = 86400.0
# How often a device of each family changes by hand in a day.
DAILY_CHANGES: dict[str, float] = {
    "light": 4.0,
    "plug": 3.0,
    "shutter": 2.0,
    "thermostat": 3.0,
}
# How likely a change falls in each hour of the day: people are awake in the morning and evening.
HOUR_WEIGHTS: tuple[float, ...] = (
    (0.1,) * 6 + (0.6, 1.6, 1.2) + (0.5,) * 8 + (1.2, 1.6, 1.6, 1.4, 1.0, 0.6, 0.3)
)
# The families of Home + Control devices (the scenario's `device` values) the day touches.
HC_FAMILIES: dict[str, str] = {
    "light": "light",
    "plug": "plug",
    "automation": "shutter",
}


@dataclass(frozen=True, slots=True)
class Change:
    """A change made on a device by hand, `at` seconds after the start of the day."""

    at: float
    module_id: str
    family: str


def devices_of(scenario: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return (module id, family) of every device of a scenario's first user that people touch."""
    user = scenario["users"][0]
    found: list[tuple[str, str]] = []
    for plant in user.get("homecontrol", []):
        modules = [
            *(m for ambient in plant.get("ambients", []) for m in ambient["modules"]),
            *plant.get("modules", []),
        ]
        found.extend(
            (module["id"], HC_FAMILIES[module["device"]])
            for module in modules
            if module["device"] in HC_FAMILIES
        )
    for plant in user.get("smarther", []):
        found.extend((t["id"], "thermostat") for t in plant.get("thermostats", []))
    return sorted(found)


def _times(rng: random.Random, count: int, start: float, end: float) -> list[float]:
    """Draw `count` moments between start and end, weighted by the hour of the day."""
    moments: list[float] = []
    hours = range(len(HOUR_WEIGHTS))
    while len(moments) < count:
        hour = rng.choices(hours, weights=HOUR_WEIGHTS)[0]
        at = hour * 3600.0 + rng.random() * 3600.0
        if start <= at < end:
            moments.append(round(at, 1))
    return moments


def generate_changes(
    devices: Sequence[tuple[str, str]],
    *,
    seed: int,
    start: float = 0.0,
    end: float = DAY,
    rates: Mapping[str, float] = DAILY_CHANGES,
) -> list[Change]:
    """Return the day's changes, in time order; the same seed gives the same day."""
    rng = random.Random(seed)
    share = sum(
        HOUR_WEIGHTS[hour] * _overlap(hour * 3600.0, start, end) / 3600.0
        for hour in range(len(HOUR_WEIGHTS))
    ) / sum(HOUR_WEIGHTS)
    changes: list[Change] = []
    for module_id, family in devices:
        expected = rates.get(family, 0.0) * share
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        changes.extend(
            Change(at, module_id, family) for at in _times(rng, count, start, end)
        )
    return sorted(changes, key=lambda change: (change.at, change.module_id))


def _overlap(hour_start: float, start: float, end: float) -> float:
    """Return how many seconds of an hour fall between start and end."""
    return max(0.0, min(hour_start + 3600.0, end) - max(hour_start, start))


def by_family(changes: Iterable[Change]) -> dict[str, int]:
    """Return how many changes each family has."""
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.family] = counts.get(change.family, 0) + 1
    return counts

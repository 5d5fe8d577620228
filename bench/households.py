"""Households: how people change their devices over several days, one profile each.

Each profile says, for every day and hour, how busy the household is; the changes are drawn from
it with the run's seed only (no other randomness), and the same profile gives the true rates the
freshness limit is computed from. Nothing here reads the schedule's constants: the households
are what the schedule has to learn, not what it assumes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import math
import random
from typing import Any

from .changes import DAILY_CHANGES, HC_FAMILIES, HOUR_WEIGHTS, Change

DAY = 86400.0
HOUR = 3600.0
# A scene (or a person going round a room) flips this many modules of a plant, within a minute.
CLUSTER_SIZES = (3, 4, 5, 6, 7, 8)
CLUSTER_SPREAD = 60.0


def _mean_one(weights: Sequence[float]) -> tuple[float, ...]:
    """Return weights scaled so that a day averages 1."""
    mean = sum(weights) / len(weights)
    return tuple(weight / mean for weight in weights)


# Evening-heavy: awake in the morning and the evening (the one-day benchmark's shape).
EVENING = _mean_one(HOUR_WEIGHTS)
EVEN = (1.0,) * 24
# Awake at night: up in the evening, busy through the night, asleep from late morning.
NIGHT_SHIFT = _mean_one(
    (1.4, 1.5, 1.2, 1.0, 1.2, 1.6, 1.2, 0.6)
    + (0.1,) * 7
    + (0.3, 0.6, 1.2, 1.0, 0.6, 0.5, 0.6, 1.0, 1.3)
)


@dataclass(frozen=True, slots=True)
class Household:
    """A profile: the hours' weights and the day's level (1 = the families' usual rates)."""

    name: str
    description: str
    hours: tuple[float, ...]
    # The level of each day, the first day first; days beyond the list repeat its last.
    levels: tuple[float, ...] = (1.0,)
    # A day's shape may differ from `hours` on some days (index: day, value: weights).
    day_hours: tuple[tuple[int, tuple[float, ...]], ...] = ()
    clustered: bool = False

    def level(self, day: int) -> float:
        """Return how busy a day is, against the usual rates."""
        return self.levels[min(day, len(self.levels) - 1)]

    def weights(self, day: int) -> tuple[float, ...]:
        """Return the hours' weights of a day (averaging 1)."""
        return dict(self.day_hours).get(day, self.hours)

    def rate(self, family: str, day: int, hour: int) -> float:
        """Return the expected changes a second of one device of a family, at some hour."""
        daily = DAILY_CHANGES.get(family, 0.0) * self.level(day)
        return daily * self.weights(day)[hour] / DAY


# Away: two ordinary days, three days away (a timer now and then), back with a burst, then usual.
_BURST = _mean_one((0.1,) * 17 + (3.0, 3.0, 2.0, 1.5, 1.0, 0.6, 0.3))
HOUSEHOLDS: dict[str, Household] = {
    household.name: household
    for household in (
        Household(
            name="evening",
            description="busy in the morning and the evening, quiet at night",
            hours=EVENING,
        ),
        Household(
            name="even",
            description="changes spread evenly over the day and the night",
            hours=EVEN,
        ),
        Household(
            name="night-shift",
            description="awake at night, asleep from late morning to mid-afternoon",
            hours=NIGHT_SHIFT,
        ),
        Household(
            name="away",
            description=(
                "two usual days, three days away (a change now and then), back on the sixth "
                "evening with a burst of changes, then a usual day"
            ),
            hours=EVENING,
            levels=(1.0, 1.0, 0.03, 0.03, 0.03, 1.5, 1.0),
            day_hours=((5, _BURST),),
        ),
        Household(
            name="clustered",
            description=(
                "evening-heavy, but a scene or a person flips 3 to 8 modules of a plant within a "
                "minute"
            ),
            hours=EVENING,
            clustered=True,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Device:
    """A device people touch: its plant (for a thermostat, itself), its id and family."""

    plant_id: str
    module_id: str
    family: str


def devices(scenario: Mapping[str, Any]) -> list[Device]:
    """Return the touchable devices of a scenario's first user, each with what reads it."""
    user = scenario["users"][0]
    found: list[Device] = []
    for plant in user.get("homecontrol", []):
        modules = [
            *(m for ambient in plant.get("ambients", []) for m in ambient["modules"]),
            *plant.get("modules", []),
        ]
        found.extend(
            Device(plant["id"], module["id"], HC_FAMILIES[module["device"]])
            for module in modules
            if module["device"] in HC_FAMILIES
        )
    for plant in user.get("smarther", []):
        found.extend(
            Device(t["id"], t["id"], "thermostat") for t in plant.get("thermostats", [])
        )
    return sorted(found, key=lambda d: (d.plant_id, d.module_id))


def _poisson(rng: random.Random, mean: float) -> int:
    """Draw a Poisson count (Knuth's method, split so that large means stay exact)."""
    count = 0
    while mean > 30.0:
        count += _poisson(rng, 30.0)
        mean -= 30.0
    limit, product = math.exp(-mean), rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _moment(rng: random.Random, weights: Sequence[float]) -> float:
    """Draw a second of a day, the hours weighted."""
    hour = rng.choices(range(len(weights)), weights=weights)[0]
    return hour * HOUR + rng.random() * HOUR


def generate(
    household: Household,
    found: Sequence[Device],
    *,
    seed: int,
    days: int,
    start: float = 0.0,
) -> list[Change]:
    """Return the changes of `days` days (seconds from the first midnight), after `start`.

    The draws come from one generator seeded by the seed and the profile's name only.
    """
    rng = random.Random(f"{seed}:{household.name}")
    changes: list[Change] = []
    plants: dict[str, list[Device]] = {}
    for device in found:
        plants.setdefault(device.plant_id, []).append(device)
    for day in range(days):
        weights = household.weights(day)
        base = day * DAY
        for members in plants.values():
            if household.clustered and members[0].family != "thermostat":
                changes.extend(
                    _scenes(
                        rng,
                        household,
                        members=members,
                        day=day,
                        weights=weights,
                        base=base,
                    )
                )
                continue
            for device in members:
                mean = DAILY_CHANGES.get(device.family, 0.0) * household.level(day)
                changes.extend(
                    Change(
                        round(base + _moment(rng, weights), 1),
                        device.module_id,
                        device.family,
                    )
                    for _ in range(_poisson(rng, mean))
                )
    kept = [change for change in changes if change.at >= start]
    return sorted(kept, key=lambda change: (change.at, change.module_id))


def _scenes(
    rng: random.Random,
    household: Household,
    *,
    members: Sequence[Device],
    day: int,
    weights: Sequence[float],
    base: float,
) -> list[Change]:
    """Return a day of scenes on one plant: each flips several modules within a minute."""
    daily = sum(DAILY_CHANGES.get(d.family, 0.0) for d in members) * household.level(
        day
    )
    size = sum(min(len(members), c) for c in CLUSTER_SIZES) / len(CLUSTER_SIZES)
    changes: list[Change] = []
    for _ in range(_poisson(rng, daily / size)):
        at = base + _moment(rng, weights)
        picked = rng.sample(list(members), min(len(members), rng.choice(CLUSTER_SIZES)))
        changes.extend(
            Change(round(at + rng.random() * CLUSTER_SPREAD, 1), d.module_id, d.family)
            for d in picked
        )
    return changes


def usual_rates(
    household: Household, found: Sequence[Device]
) -> dict[str, list[float]]:
    """Return each source's changes a second on the household's usual day, hour by hour."""
    usual = Household(name=household.name, description="", hours=household.hours)
    return source_rates(usual, found, 0)


def source_rates(
    household: Household, found: Sequence[Device], day: int
) -> dict[str, list[float]]:
    """Return each source's true changes a second, hour by hour, of one day.

    A source is what one read sees: a Home + Control plant (its modules' changes summed) or a
    thermostat. In a clustered household the changes come in scenes, at the same mean rate.
    """
    rates: dict[str, list[float]] = {}
    for device in found:
        hours = rates.setdefault(device.plant_id, [0.0] * 24)
        for hour in range(24):
            hours[hour] += household.rate(device.family, day, hour)
    return rates

"""Tests for the benchmark's households: profiles drawn from the seed alone, at their rates."""

from __future__ import annotations

import itertools

from bench.households import DAY, HOUSEHOLDS, Device, generate, source_rates


def _devices() -> list[Device]:
    """Return two plants of lights and a thermostat."""
    found = [Device(f"p{p}", f"p{p}m{m}", "light") for p in range(2) for m in range(8)]
    return [*found, Device("t", "t", "thermostat")]


def test_the_same_seed_gives_the_same_week() -> None:
    """Both sides and every run see the same changes; another seed gives another week."""
    for household in HOUSEHOLDS.values():
        first = generate(household, _devices(), seed=1, days=3)
        assert first == generate(household, _devices(), seed=1, days=3)
        assert first != generate(household, _devices(), seed=2, days=3)


def test_each_profile_draws_changes_at_its_true_rates() -> None:
    """Over many days, the changes of each hour follow the rates the limit is computed from."""
    found = _devices()
    for household in HOUSEHOLDS.values():
        days = 7
        changes = generate(household, found, seed=3, days=days)
        expected = sum(
            rate * 3600
            for day in range(days)
            for hours in source_rates(household, found, day).values()
            for rate in hours
        )
        assert abs(len(changes) - expected) < 0.2 * expected + 10, household.name
        night = sum(1 for c in changes if (c.at % DAY) < 6 * 3600)
        if household.name == "night-shift":
            assert night > 0.3 * len(changes)
        if household.name == "evening":
            assert night < 0.1 * len(changes)


def test_a_clustered_household_flips_modules_within_a_minute() -> None:
    """A scene flips several modules of one plant within a minute."""
    changes = generate(HOUSEHOLDS["clustered"], _devices(), seed=4, days=2)
    lights = [c for c in changes if c.family == "light"]
    bursts = sum(
        1
        for first, second in itertools.pairwise(lights)
        if second.at - first.at <= 60 and first.module_id[:2] == second.module_id[:2]
    )
    assert bursts > 0.5 * len(lights)


def test_away_is_quiet_then_bursts() -> None:
    """Days away hold almost nothing; the day back holds more than a usual day."""
    changes = generate(HOUSEHOLDS["away"], _devices(), seed=5, days=7)
    per_day = [sum(1 for c in changes if int(c.at // DAY) == d) for d in range(7)]
    assert max(per_day[2:5]) < 0.2 * per_day[0]
    assert per_day[5] > per_day[0]

"""Tests for the day's seeded changes and how a change is made and judged."""

from __future__ import annotations

from bench.changes import DAY, HOUR_WEIGHTS, by_family, devices_of, generate_changes
from bench.observe import Pending, change_body
from simulator.generate import generate_scenario


def test_devices_are_the_touchable_ones() -> None:
    """Lights, plugs, shutters and thermostats are touched; remotes and meters are not."""
    scenario = generate_scenario(1, 7, thermostat_plants=1, thermostats=2)
    families = [family for _id, family in devices_of(scenario)]
    assert sorted(families) == sorted(
        ["plug", "light", "light", "shutter", "plug", "thermostat", "thermostat"]
    )


def test_the_same_seed_gives_the_same_day() -> None:
    """Both sides and every run see the same changes; another seed gives another day."""
    devices = [(f"m{i}", "light") for i in range(20)]
    first = generate_changes(devices, seed=1)
    assert first == generate_changes(devices, seed=1)
    assert first != generate_changes(devices, seed=2)
    assert [c.at for c in first] == sorted(c.at for c in first)


def test_changes_follow_the_rates_and_stay_in_the_window() -> None:
    """A light changes about 4 times a day, within the window, mostly when people are awake."""
    devices = [(f"m{i}", "light") for i in range(200)]
    changes = generate_changes(devices, seed=3, start=900.0, end=DAY - 60)
    assert 700 <= len(changes) <= 900
    assert all(900.0 <= c.at < DAY - 60 for c in changes)
    night = sum(1 for c in changes if c.at < 6 * 3600)
    evening = sum(1 for c in changes if 18 * 3600 <= c.at < 21 * 3600)
    assert night < evening
    assert by_family(changes) == {"light": len(changes)}
    assert len(HOUR_WEIGHTS) == 24


def test_a_change_toggles_or_moves_to_the_other_end() -> None:
    """Switches toggle, shutters go to the far end, thermostats take a new set point."""
    assert change_body("plug", {"status": "on"}, 0) == ({"status": "off"}, False)
    assert change_body("light", {"status": "off"}, 0) == ({"status": "on"}, True)
    assert change_body("shutter", {"position": 80.0}, 0) == ({"level": 0}, 0)
    assert change_body("shutter", {"position": 10.0}, 0) == ({"level": 100}, 100)
    body, value = change_body("thermostat", {"set_point": 18.0}, 0)
    assert body == {"mode": "manual", "setPoint": 18.5}
    assert value == 18.5


def test_pending_changes_are_seen_when_the_side_shows_the_latest() -> None:
    """A change overtaken by another on the same device is seen when the latest one is."""
    pending = Pending()
    pending.add("a", "light", 10.0, True)
    pending.add("a", "light", 20.0, False)
    pending.add("b", "thermostat", 30.0, 21.5)
    shown = {"a": True, "b": 21.5000001}
    assert pending.check(shown.get, 40.0) == 1
    assert len(pending) == 1
    shown["a"] = False
    assert pending.check(shown.get, 50.0) == 2
    assert [item.seen_at for item in pending.observed] == [50.0, 50.0, 40.0]

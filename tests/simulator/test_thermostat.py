"""Thermostat evolution: the room follows the load, timed modes expire, programs set the target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from hypothesis import given, settings, strategies as st
import pytest

from simulator import CLOUD, SimulatedCloud
from simulator.schedule import parse_program
from simulator.thermostat import Command, Physics, Thermostat

from .conftest import MakeClient
from .helpers import CAMERA, SOGGIORNO, headers, thermostat_path, thermostat_status

ROME = ZoneInfo("Europe/Rome")
# A Wednesday at 10:00 in Rome.
START = datetime(2026, 11, 25, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def start_time() -> datetime:
    """Start the simulator on that Wednesday morning."""
    return START


async def _set(
    client: TestClient[Any, Any],
    cloud: SimulatedCloud,
    body: dict[str, Any],
    module_id: str = SOGGIORNO,
) -> None:
    """Send a set-status command that must succeed."""
    response = await client.post(
        thermostat_path(module_id), json=body, headers=headers(cloud)
    )
    assert response.status == 200


def _temperature(status: dict[str, Any]) -> float:
    """Return the measured temperature."""
    return float(status["thermometer"]["measures"][0]["value"])


async def test_room_warms_toward_a_manual_set_point(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """With the load on the room warms; once past the set point the load stops."""
    sim_cloud.clock.set(START)
    await _set(
        client,
        sim_cloud,
        {
            "function": "heating",
            "mode": "manual",
            "setPoint": {"value": "21.0", "unit": "C"},
        },
    )
    start = await thermostat_status(client, sim_cloud)
    assert start["loadState"] == "ACTIVE"
    sim_cloud.clock.advance(20 * 60)
    warmer = await thermostat_status(client, sim_cloud)
    assert _temperature(warmer) > _temperature(start) + 0.5
    sim_cloud.clock.advance(3 * 3600)
    settled = await thermostat_status(client, sim_cloud)
    assert 20.6 <= _temperature(settled) <= 21.2


async def test_room_cools_when_cooling(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A cooling thermostat above its set point runs the load and the room cools."""
    sim_cloud.clock.set(START)
    before = await thermostat_status(client, sim_cloud, CAMERA)
    assert before["loadState"] == "ACTIVE"
    sim_cloud.clock.advance(20 * 60)
    assert (
        _temperature(await thermostat_status(client, sim_cloud, CAMERA))
        < _temperature(before) - 0.5
    )


async def test_room_drifts_to_outside_when_off(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Off: no load, the room slowly drifts toward the outside temperature."""
    sim_cloud.clock.set(START)
    await _set(client, sim_cloud, {"function": "heating", "mode": "off"})
    sim_cloud.clock.advance(6 * 3600)
    status = await thermostat_status(client, sim_cloud)
    assert status["loadState"] == "INACTIVE"
    assert 16.0 < _temperature(status) < 18.0


async def test_boost_expires_back_to_the_program(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A 30 min boost ends at its activation time; the thermostat returns to program 1."""
    sim_cloud.clock.set(START)
    end = START + timedelta(minutes=30)
    await _set(
        client,
        sim_cloud,
        {
            "function": "heating",
            "mode": "boost",
            "activationTime": f"{START:%Y-%m-%dT%H:%M:%S}Z/{end:%Y-%m-%dT%H:%M:%S}Z",
        },
    )
    sim_cloud.clock.advance(29 * 60)
    assert (await thermostat_status(client, sim_cloud))["mode"] == "BOOST"
    sim_cloud.clock.advance(2 * 60)
    after = await thermostat_status(client, sim_cloud)
    assert (after["mode"], after["programs"], after["setPoint"]["value"]) == (
        "AUTOMATIC",
        [{"number": 1}],
        "18.00000",
    )
    assert "activationTime" not in after


async def test_timed_manual_and_off_expire(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Manual-until and off-until also return to the program."""
    sim_cloud.clock.set(START)
    until = f"{START + timedelta(hours=1):%Y-%m-%dT%H:%M:%S}Z"
    await _set(
        client,
        sim_cloud,
        {
            "function": "heating",
            "mode": "manual",
            "setPoint": {"value": 23, "unit": "C"},
            "activationTime": until,
        },
    )
    sim_cloud.clock.advance(3601)
    assert (await thermostat_status(client, sim_cloud))["mode"] == "AUTOMATIC"
    until = f"{sim_cloud.clock.now() + timedelta(minutes=10):%Y-%m-%dT%H:%M:%S}Z"
    await _set(
        client,
        sim_cloud,
        {"function": "heating", "mode": "off", "activationTime": until},
    )
    sim_cloud.clock.advance(11 * 60)
    assert (await thermostat_status(client, sim_cloud))["mode"] == "AUTOMATIC"


async def test_program_follows_the_weekly_schedule(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Automatic mode's set point changes with the hour and the day of the week."""
    expected = {
        datetime(2026, 11, 25, 6, 0, tzinfo=UTC): "20.50000",
        datetime(2026, 11, 25, 9, 0, tzinfo=UTC): "18.00000",
        datetime(2026, 11, 25, 18, 0, tzinfo=UTC): "21.00000",
        datetime(2026, 11, 25, 23, 0, tzinfo=UTC): "17.00000",
        datetime(2026, 11, 28, 9, 0, tzinfo=UTC): "21.00000",
    }
    for moment, setpoint in expected.items():
        sim_cloud.clock.set(moment)
        assert (await thermostat_status(client, sim_cloud))["setPoint"][
            "value"
        ] == setpoint


async def test_frozen_time_moves_the_simulator(
    make_client: MakeClient, freezer: FrozenDateTimeFactory
) -> None:
    """The clock reads datetime.now, so frozen and moved time drives the simulator."""
    freezer.move_to(START)
    client = await make_client()
    cloud: SimulatedCloud = client.app[CLOUD]
    assert (await thermostat_status(client, cloud))[
        "time"
    ] == "2026-11-25T10:00:00+01:00"
    freezer.tick(timedelta(minutes=5))
    assert (await thermostat_status(client, cloud))[
        "time"
    ] == "2026-11-25T10:05:00+01:00"


async def test_clock_control_api(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The clock can be set, advanced and read; bad bodies are refused."""
    answer = await (
        await client.post("/_sim/clock", json={"set": "2026-11-25T12:00:00+00:00"})
    ).json()
    assert answer["now"].startswith("2026-11-25T12:00:0")
    advanced = await (await client.post("/_sim/clock", json={"advance": 90})).json()
    assert advanced["now"].startswith("2026-11-25T12:01:3")
    read = await (await client.get("/_sim/clock")).json()
    assert read["now"].startswith("2026-11-25T12:01:3")
    for body in (
        {"advance": -5},
        {"advance": "soon"},
        {"set": "noon"},
        {"set": "2026-11-25T12:00:00"},
        {"set": 5},
        {},
        {"advance": 1e300},
    ):
        assert (await client.post("/_sim/clock", json=body)).status == 400


def _thermostat() -> Thermostat:
    """Return a heating thermostat in automatic mode, for model-level checks."""
    program = parse_program(
        {
            "number": 1,
            "name": "At Home",
            "schedule": {"all": [["00:00", 17.0], ["06:00", 21.0], ["22:00", 17.0]]},
        }
    )
    return Thermostat(
        id="t",
        name="T",
        plant_id="p",
        receiver_id="r",
        function="heating",
        mode="automatic",
        program=1,
        setpoint=20.0,
        temperature=18.0,
        humidity=50.0,
        updated_at=START,
        programs={1: program},
        physics=Physics(),
    )


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=12 * 3600), max_size=8))
def test_state_does_not_depend_on_when_it_is_read(reads: list[int]) -> None:
    """Reading at any intermediate times gives the same state as reading once at the end."""
    end = START + timedelta(hours=12)
    once = _thermostat()
    once.evolve(end, ROME)
    often = _thermostat()
    for seconds in sorted(reads):
        often.evolve(START + timedelta(seconds=seconds), ROME)
    often.evolve(end, ROME)
    assert abs(once.temperature - often.temperature) < 1e-6
    assert once.load_active == often.load_active


def test_going_back_in_time_changes_nothing() -> None:
    """A clock set to the past leaves the state as it was."""
    thermostat = _thermostat()
    thermostat.evolve(START + timedelta(hours=1), ROME)
    temperature = thermostat.temperature
    thermostat.evolve(START, ROME)
    assert thermostat.temperature == temperature


def test_long_absence_is_bounded() -> None:
    """Weeks without a read are caught up quickly and expire a boost."""
    thermostat = _thermostat()
    thermostat.apply(
        Command(function="heating", mode="boost", end=START + timedelta(minutes=30)),
        START,
        ROME,
    )
    thermostat.evolve(START + timedelta(days=30), ROME)
    assert thermostat.mode == "automatic"
    assert 15.0 < thermostat.temperature < 22.0

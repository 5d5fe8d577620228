"""Smarther's answers: a thermostat's status read tolerantly, programs and subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import logging
from typing import Any
import uuid

import pytest

from custom_components.legrand_eliot.eliot.const import (
    LoadState,
    ThermostatFunction,
    ThermostatMode,
)
from custom_components.legrand_eliot.eliot.exceptions import EliotResponseError
from custom_components.legrand_eliot.eliot.ids import hashed_id
from custom_components.legrand_eliot.eliot.smarther_models import (
    ActivationTime,
    parse_programs,
    parse_subscriptions,
    parse_thermostat_status,
)

from .conftest import ENDPOINT, load_fixture


def thermostat(**fields: Any) -> dict[str, Any]:
    """Return a status answer with one thermostat of the given fields."""
    base: dict[str, Any] = {"function": "HEATING", "mode": "AUTOMATIC"}
    return {"chronothermostats": [{**base, **fields}]}


def status(**fields: Any) -> Any:
    """Parse a one-thermostat status answer."""
    return parse_thermostat_status(thermostat(**fields), "plant", "module", ENDPOINT)


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2019-11-17T02:00:47Z", None, datetime(2019, 11, 17, 2, 0, 47, tzinfo=UTC)),
        ("2019-02-20T23:30:00", None, datetime(2019, 2, 20, 23, 30)),
        (
            "2021-02-27T22:49:32+02:00",
            None,
            datetime(2021, 2, 27, 22, 49, 32, tzinfo=timezone(timedelta(hours=2))),
        ),
        (
            "2025-11-21T10:00:00/2025-11-21T11:00:00",
            datetime(2025, 11, 21, 10, 0),
            datetime(2025, 11, 21, 11, 0),
        ),
        (
            "2025-1-5T9:00:00Z/2025-1-5T9:30:00Z",
            datetime(2025, 1, 5, 9, 0, tzinfo=UTC),
            datetime(2025, 1, 5, 9, 30, tzinfo=UTC),
        ),
        (
            "2018-01-25T22:12:19.4556811Z",
            None,
            datetime(2018, 1, 25, 22, 12, 19, 455681, tzinfo=UTC),
        ),
        ("2025-11-21T10:00", None, datetime(2025, 11, 21, 10, 0)),
    ],
)
def test_activation_time_formats(
    raw: str, start: datetime | None, end: datetime
) -> None:
    """Every format the reference lists: zoned, zone-less, with seconds or not, and ranges."""
    parsed = status(mode="BOOST", activationTime=raw).activation_time

    assert parsed == ActivationTime(start=start, end=end)


@pytest.mark.parametrize("raw", ["", None])
def test_no_activation_time_is_forever(raw: Any) -> None:
    """An empty or missing activation time means the mode has no end."""
    assert status(mode="MANUAL", activationTime=raw).activation_time is None


@pytest.mark.parametrize(
    "raw",
    [
        "tomorrow",
        "2025-13-01T10:00:00",
        "2025-11-21T25:00:00",
        "2025-11-21T10:00:00+99:00",
        5,
        "x/y",
        "9999-12-31T23:59:59",
        "0001-01-01T00:00:00Z",
    ],
)
def test_bad_activation_time_is_unknown(raw: Any) -> None:
    """A time that cannot be read, or no real date, is unknown; the rest of the state stays."""
    parsed = status(mode="BOOST", activationTime=raw, setPoint={"value": "21"})

    assert parsed.activation_time is None
    assert parsed.mode is ThermostatMode.BOOST
    assert parsed.set_point == 21.0


@pytest.mark.parametrize(
    ("fields", "function", "mode", "load"),
    [
        (
            {"function": "heating", "mode": "manual", "loadState": "active"},
            "heating",
            "manual",
            "active",
        ),
        (
            {"function": "Cooling", "mode": "Boost", "loadState": "Inactive"},
            "cooling",
            "boost",
            "inactive",
        ),
        (
            {"function": "DRYING", "mode": "ECO", "loadState": "SLEEPING"},
            "unknown",
            "unknown",
            "unknown",
        ),
    ],
)
def test_enums_in_any_case_and_unknown_values(
    fields: dict[str, str], function: str, mode: str, load: str
) -> None:
    """Enum words are read in any case; an unknown word is kept as unknown, not an error."""
    parsed = status(**fields)

    assert parsed.function is ThermostatFunction(function)
    assert parsed.mode is ThermostatMode(mode)
    assert parsed.load_state is LoadState(load)


def test_missing_mode_is_an_error() -> None:
    """Without a mode nothing sensible can be shown."""
    with pytest.raises(EliotResponseError, match="mode"):
        parse_thermostat_status(
            {"chronothermostats": [{"function": "heating"}]}, "p", "m", ENDPOINT
        )


@pytest.mark.parametrize(("raw", "expected"), [(1, 1), ("3", 3), ("0", 0), (2.0, 2)])
def test_program_number_int_or_string(raw: Any, expected: int) -> None:
    """Status answers send the program as an int, push events as a string."""
    assert status(programs=[{"number": raw}]).program == expected


@pytest.mark.parametrize("raw", ["one", 1.5, None, True])
def test_bad_program_number(raw: Any) -> None:
    """A program number that is not a whole number leaves the program unknown, not the state."""
    parsed = status(programs=[{"number": raw}], mode="AUTOMATIC")

    assert parsed.program is None
    assert parsed.mode is ThermostatMode.AUTOMATIC


@pytest.mark.parametrize(
    ("raw", "expected"), [("18.00000", 18.0), (21.5, 21.5), ("7,5", 7.5), (20, 20.0)]
)
def test_set_point_numbers_as_strings(raw: Any, expected: float) -> None:
    """Set points arrive as strings with five decimals, or as numbers."""
    assert status(setPoint={"value": raw, "unit": "C"}).set_point == expected


@pytest.mark.parametrize(
    "raw", ["NaN", "inf", "warm", [], {}, 1e308, -500, "2.9", 40.5]
)
def test_bad_set_point(raw: Any) -> None:
    """A set point that is not a number within the documented 3-40 °C is unknown."""
    parsed = status(setPoint={"value": raw, "unit": "C"}, loadState="ACTIVE")

    assert parsed.set_point is None
    assert parsed.load_state is LoadState.ACTIVE


def test_set_point_in_fahrenheit_is_checked_in_celsius() -> None:
    """A set point in °F is within range when its °C value is."""
    assert status(setPoint={"value": "68", "unit": "F"}).set_point == 68.0
    assert status(setPoint={"value": "30", "unit": "F"}).set_point is None


@pytest.mark.parametrize(
    ("field", "value", "attribute"),
    [
        ("time", "yesterday", "time"),
        ("time", "1900-01-01T00:00:00Z", "time"),
        ("loadState", 5, "load_state"),
        ("hygrometer", "wet", "humidity"),
        ("hygrometer", {"measures": [{"value": "104", "unit": "%"}]}, "humidity"),
        ("thermometer", {"measures": [{"value": "-500", "unit": "C"}]}, "temperature"),
        ("thermometer", {"measures": [{"value": 1e308, "unit": "C"}]}, "temperature"),
        ("programs", [{"number": None}], "program"),
        ("activationTime", "x/y", "activation_time"),
        ("online", "maybe", "online"),
        ("temperatureFormat", 7.5, "temperature_format"),
        ("function", 3, "function"),
    ],
)
def test_one_bad_field_is_unknown_the_rest_is_used(
    field: str, value: Any, attribute: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One malformed or impossible optional field: that value unknown, logged once."""
    fields = {
        "mode": "MANUAL",
        "setPoint": {"value": "21.5", "unit": "C"},
        "thermometer": {"measures": [{"value": "20.1", "unit": "C"}]},
        "hygrometer": {"measures": [{"value": "45", "unit": "%"}]},
        field: value,
    }
    # A module of its own: each module's field is logged once for the whole run.
    module = str(uuid.uuid4())
    first = parse_thermostat_status(thermostat(**fields), "plant", module, ENDPOINT)
    parse_thermostat_status(thermostat(**fields), "plant", module, ENDPOINT)

    assert getattr(first, attribute) in (None, ThermostatFunction.UNKNOWN)
    assert first.mode is ThermostatMode.MANUAL
    assert first.set_point == 21.5
    if attribute != "temperature":
        assert first.temperature is not None
        assert first.temperature.value == 20.1
    lines = [r for r in caplog.records if field in r.getMessage()]
    assert len(lines) == 1


def test_a_bad_field_can_keep_the_value_of_an_earlier_state() -> None:
    """A field that was there but unreadable is named; keeping takes it from an earlier state."""
    earlier = status(
        mode="MANUAL",
        setPoint={"value": "19.5", "unit": "C"},
        hygrometer={"measures": [{"value": "45", "unit": "%"}]},
    )
    later = status(
        mode="MANUAL",
        setPoint={"value": float("nan"), "unit": "C"},
        hygrometer="wet",
        loadState="ACTIVE",
    )
    absent = status(mode="MANUAL")

    assert later.unreadable == {"setPoint", "hygrometer"}
    assert (later.set_point, later.humidity) == (None, None)
    kept = later.keep_readable(earlier)
    assert (kept.set_point, kept.set_point_unit) == (19.5, "C")
    assert kept.humidity == earlier.humidity
    assert kept.load_state is LoadState.ACTIVE
    assert kept.unreadable == set()
    # What is left out of an answer is unknown, not unreadable: nothing is kept for it.
    assert absent.unreadable == set()
    assert absent.keep_readable(earlier).set_point is None
    # Unreadable in both: still unknown, and still unreadable for a later state to fill.
    assert later.keep_readable(later).unreadable == later.unreadable
    assert later.keep_readable(None) is later


def test_mode_of_another_type_is_unknown() -> None:
    """A mode that is not a word is unknown; the thermostat stays."""
    assert status(mode=12).mode is ThermostatMode.UNKNOWN


def test_status_without_optional_fields() -> None:
    """A bare status keeps its mode and leaves the rest unknown."""
    parsed = parse_thermostat_status(
        {"chronothermostats": [{"mode": "OFF"}]}, "plant", "module", ENDPOINT
    )

    assert (parsed.plant_id, parsed.module_id) == ("plant", "module")
    assert parsed.function is ThermostatFunction.UNKNOWN
    assert parsed.mode is ThermostatMode.OFF
    assert (parsed.set_point, parsed.temperature, parsed.humidity, parsed.program) == (
        None,
        None,
        None,
        None,
    )
    assert parsed.load_state is None
    assert parsed.online is None


def test_online_and_empty_measures() -> None:
    """Online is read as a boolean; empty measure lists give no reading."""
    parsed = status(
        online="false",
        thermometer={"measures": []},
        hygrometer={"measures": [{"value": ""}]},
    )

    assert parsed.online is False
    assert parsed.temperature is None
    assert parsed.humidity is None


def test_program_lists_empty_or_bare() -> None:
    """Program lists may be empty or bare."""
    assert parse_programs({"chronothermostats": []}, ENDPOINT) == []
    assert [
        p.number for p in parse_programs({"programs": [{"number": "3"}]}, ENDPOINT)
    ] == [3]


def test_subscriptions_keys_in_any_case() -> None:
    """Subscription keys are matched without regard to case; push plant ids lose their prefix."""
    parsed = parse_subscriptions(
        {
            "subscriptions": [
                {
                    "PlantId": "bs_cloud_p1",
                    "SubscriptionId": "s1",
                    "endPointUrl": "https://x/y",
                }
            ]
        },
        ENDPOINT,
    )

    assert [(s.plant_id, s.subscription_id, s.endpoint_url) for s in parsed] == [
        ("p1", "s1", "https://x/y")
    ]


def test_fixture_status_round_trip() -> None:
    """The reference's own status sample parses completely."""
    parsed = parse_thermostat_status(
        load_fixture("thermostat_status.json"), "x", "y", ENDPOINT
    )

    # Filed under the ids asked for, not the ones its sender names.
    assert (parsed.plant_id, parsed.module_id) == ("x", "y")
    assert parsed.time == datetime(2021, 2, 27, 20, 49, 32, tzinfo=UTC)


def _sender(plant_id: str, module_id: str) -> dict[str, Any]:
    """Return a sender object naming a plant and a module."""
    return {"plant": {"id": plant_id, "module": {"id": module_id}}}


@pytest.mark.parametrize(
    ("sender_plant", "sender_module"),
    [
        ("fakeid", "fakeid"),
        ("PLANT-A", "THERMO-1"),
        ("plant-a", "another-thermostat"),
        ("another-plant", "thermo-1"),
    ],
)
def test_a_status_is_filed_under_the_ids_asked_for(
    caplog: pytest.LogCaptureFixture, sender_plant: str, sender_module: str
) -> None:
    """A placeholder, another spelling or another id in the sender: the asked ids, logged once."""
    plant_id, module_id = "plant-a", f"thermo-1-{uuid.uuid4()}"
    if sender_module == "thermo-1":
        sender_module = module_id
    answer = thermostat(mode="MANUAL", sender=_sender(sender_plant, sender_module))
    caplog.set_level(logging.DEBUG)

    for _ in range(3):
        parsed = parse_thermostat_status(answer, plant_id, module_id, ENDPOINT)
        assert (parsed.plant_id, parsed.module_id) == (plant_id, module_id)
        assert parsed.mode is ThermostatMode.MANUAL

    lines = [r.getMessage() for r in caplog.records if "sender" in r.getMessage()]
    assert len(lines) == 1
    assert hashed_id(module_id) in lines[0]
    for raw in (plant_id, module_id, sender_plant, sender_module):
        assert raw not in lines[0]


def test_a_status_naming_its_own_ids_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The sender agrees: nothing to say."""
    caplog.set_level(logging.DEBUG)
    answer = thermostat(sender=_sender("bs_cloud_p", "m"))

    parsed = parse_thermostat_status(answer, "p", "m", ENDPOINT)

    assert (parsed.plant_id, parsed.module_id) == ("p", "m")
    assert not caplog.records

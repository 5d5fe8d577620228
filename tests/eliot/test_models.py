"""Tolerant parsing where the API varies, strict where nothing sensible can be done."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
import logging
from typing import Any
from unittest.mock import patch
import uuid

import pytest

from custom_components.legrand_eliot.eliot import (
    ActivationTime,
    DeviceKind,
    EliotResponseError,
    LoadState,
    ThermostatFunction,
    ThermostatMode,
    parse_token_response,
)
from custom_components.legrand_eliot.eliot.ids import hashed_id
from custom_components.legrand_eliot.eliot.models import (
    ModuleState,
    StatusMemo,
    guarded,
    parse_module_status,
    parse_plant_status,
    parse_plants,
    parse_programs,
    parse_scenes,
    parse_subscriptions,
    parse_thermostat_status,
    parse_topology,
)

from .conftest import load_fixture

ENDPOINT = "GET /test/{plantId}"


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


def test_topology_modules_without_rooms_and_duplicates() -> None:
    """A module listed in a room and at the top level appears once, with its room."""
    data = {
        "plant": {
            "ambients": [{"id": "a1", "modules": [{"id": "m1", "device": "Light"}]}],
            "modules": [
                {"id": "m1", "device": "light"},
                {"id": "m2", "device": "Energy_Meter"},
            ],
        }
    }

    topology = parse_topology(data, "plant-from-request", ENDPOINT)

    assert topology.plant_id == "plant-from-request"
    assert [(m.id, m.device, m.ambient_id) for m in topology.modules] == [
        ("m1", DeviceKind.LIGHT, "a1"),
        ("m2", DeviceKind.ENERGYMETER, None),
    ]
    assert topology.module("m3") is None


def test_plant_status_tolerates_unknown_lists_and_string_numbers() -> None:
    """A status list the client does not know is kept; numbers may be strings."""
    data = {
        "modules": {
            "gateways": [
                {
                    "reachable": "true",
                    "fw": "3.1.2",
                    "sender": {"plant": {"module": {"id": "g1"}}},
                }
            ],
            "automations": [{"level": "45.4", "id": "s1"}],
            "plugs": [
                {
                    "status": "ON",
                    "consumptions": [{"unit": "kW", "value": "1.2"}],
                    "id": "p1",
                }
            ],
            "heaters": None,
        }
    }

    parsed = parse_plant_status(data, "plant", ENDPOINT)

    assert parsed.state("g1").kind is DeviceKind.UNKNOWN
    assert parsed.state("g1").firmware == "3.1.2"
    assert parsed.state("s1").level == 45
    assert parsed.state("s1").reachable is True
    assert parsed.state("p1").on is True
    assert parsed.state("p1").power == 1200.0


@pytest.mark.parametrize(
    ("kind", "reading", "power"),
    [
        (DeviceKind.PLUG, {"unit": "watt", "value": 3680}, 3680.0),
        (DeviceKind.PLUG, {"unit": "kW", "value": "4.6"}, 4600.0),
        (DeviceKind.PLUG, {"unit": "watt", "value": 4601}, None),
        (DeviceKind.PLUG, {"unit": "watt", "value": -5}, None),
        (DeviceKind.PLUG, {"unit": "kW", "value": 1e300}, None),
        (DeviceKind.LIGHT, {"unit": "watt", "value": 1e6}, None),
        (DeviceKind.HEATER, {"unit": "watt", "value": 5000}, None),
        (DeviceKind.ENERGYMETER, {"unit": "kW", "value": 43.6}, 43600.0),
        (DeviceKind.ENERGYMETER, {"unit": "watt", "value": 100_000}, 100_000.0),
        (DeviceKind.ENERGYMETER, {"unit": "kW", "value": 150}, None),
        (DeviceKind.ENERGYMETER, {"unit": "watt", "value": -1}, None),
    ],
)
def test_power_outside_physical_bounds_is_unknown(
    kind: DeviceKind, reading: dict[str, Any], power: float | None
) -> None:
    """A negative power, or more than the module can carry, is unknown; the rest is used."""
    element = {"id": "m", "status": "on", "fw": 42, "consumptions": [reading]}

    state = parse_module_status({f"{kind}s": [element]}, "m", kind, ENDPOINT)

    assert state.power == power
    assert (state.on, state.firmware) == (True, "42")


def test_power_ignores_other_units() -> None:
    """Only a reading in a power unit becomes the power."""
    data = {"plugs": [{"id": "p1", "consumptions": [{"unit": "Wh", "value": 500}]}]}

    assert parse_module_status(data, "p1", DeviceKind.PLUG, ENDPOINT).power is None


@pytest.mark.parametrize(
    ("data", "what"),
    [
        ({"modules": []}, "status modules"),
        ({"modules": {"plugs": "none"}}, "plugs status list"),
    ],
)
def test_plant_status_errors_say_what(data: Any, what: str) -> None:
    """The response error says which part could not be read."""
    with pytest.raises(EliotResponseError, match=what):
        parse_plant_status(data, "plant", ENDPOINT)


@pytest.mark.parametrize(
    ("element", "attribute"),
    [
        ({"id": "p", "level": 250}, "level"),
        ({"id": "p", "level": -7}, "level"),
        ({"id": "p", "status": 1}, "on"),
        ({"id": "p", "reachable": "maybe"}, "reachable"),
        ({"id": "p", "step": "x"}, "step"),
        ({"id": "p", "consumptions": "lots"}, "power"),
    ],
)
def test_plant_status_bad_field_is_unknown(element: Any, attribute: str) -> None:
    """One bad field of a module is unknown; its other fields and the other modules stay."""
    data = {
        "modules": {
            "plugs": [{"status": "on", "battery": "low", **element}, {"status": "on"}],
            "lights": [{"id": "l", "status": "off"}],
        }
    }
    parsed = parse_plant_status(data, "plant", ENDPOINT)

    assert getattr(parsed.state("p"), attribute) is None
    assert parsed.state("p").battery == "low"
    assert parsed.state("l").on is False


def test_plants_bare_list_and_204() -> None:
    """Plants may come wrapped or bare; no body is no plants."""
    assert [
        plant.id for plant in parse_plants([{"id": 17, "type": "home"}], ENDPOINT)
    ] == ["17"]
    assert parse_plants(None, ENDPOINT) == []
    with pytest.raises(EliotResponseError):
        parse_plants({"plants": [{"name": "no id"}]}, ENDPOINT)


def test_scenes_and_programs_edge_cases() -> None:
    """Scenes name themselves by sender or id; program lists may be empty or bare."""
    assert [
        scene.id for scene in parse_scenes({"scenes": [{"id": "s1"}]}, ENDPOINT)
    ] == ["s1"]
    assert parse_scenes({}, ENDPOINT) == []
    assert parse_programs({"chronothermostats": []}, ENDPOINT) == []
    assert [
        p.number for p in parse_programs({"programs": [{"number": "3"}]}, ENDPOINT)
    ] == [3]
    with pytest.raises(EliotResponseError):
        parse_scenes({"scenes": [{"name": "no id"}]}, ENDPOINT)


def test_a_scene_listed_twice_is_one_scene() -> None:
    """The same scene id twice in a scenes answer: the first one, once."""
    answer = {
        "scenes": [
            {"id": "s1", "name": "Bonjour"},
            {"id": "s2", "name": "Bonne nuit"},
            {"sender": {"plant": {"module": {"id": "s1"}}}, "name": "Bonjour bis"},
        ]
    }

    assert [(s.id, s.name) for s in parse_scenes(answer, ENDPOINT)] == [
        ("s1", "Bonjour"),
        ("s2", "Bonne nuit"),
    ]


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


def test_token_response_fills_both_expiries() -> None:
    """Either expiry field gives the other one; neither gives one hour."""
    now = 1_700_000_000.0

    only_on = parse_token_response(
        {"access_token": "a", "expires_on": "1700003600"}, now
    )
    only_in = parse_token_response({"access_token": "a", "expires_in": 1800}, now)
    neither = parse_token_response({"access_token": "a", "refresh_token": "r"}, now)

    assert (only_on["expires_in"], only_on["expires_on"]) == (3600, 1_700_003_600)
    assert (only_in["expires_in"], only_in["expires_on"]) == (1800, 1_700_001_800)
    assert (neither["expires_in"], neither["refresh_token"]) == (3600, "r")


def test_token_fields_of_null_are_left_out() -> None:
    """A token field that is null is as if absent: Home Assistant keeps the one it had."""
    token = parse_token_response(
        {
            "access_token": "a",
            "refresh_token": None,
            "token_type": None,
            "id_token": None,
            "scope": None,
            "expires_in": 60,
        },
        0,
    )

    assert token == {"access_token": "a", "expires_in": 60, "expires_on": 60}


def test_token_scope_as_text_or_words() -> None:
    """The granted scope may come as one text or as a list of words."""
    for scope in ("comfort.read plug.read", ["comfort.read", "plug.read"]):
        answer = {"access_token": "a", "token_type": "Bearer", "scope": scope}
        assert parse_token_response(answer, 0)["scope"] == scope


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"access_token": ""},
        {"access_token": "secret-token", "expires_in": "soon"},
        [],
        {"access_token": 12345},
        {"access_token": ["secret-token"]},
        {"access_token": "secret-token", "refresh_token": 7},
        {"access_token": "secret-token", "refresh_token": {"value": "r"}},
        {"access_token": "secret-token", "refresh_token": ""},
        {"access_token": "secret-token", "token_type": True},
        {"access_token": "secret-token", "id_token": ["a", "b"]},
        {"access_token": "secret-token", "scope": 3},
        {"access_token": "secret-token", "scope": ["comfort.read", 3]},
    ],
)
def test_bad_token_response(data: Any) -> None:
    """A token answer without a token, or with a nonsense lifetime, is a response error."""
    with pytest.raises(EliotResponseError) as caught:
        parse_token_response(data, 0)

    assert caught.value.endpoint == "POST /token"
    assert "secret-token" not in str(caught.value)


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


@pytest.mark.parametrize("sender", ["PLUG-1", "fakeid", None])
def test_a_module_status_is_filed_under_the_module_asked_for(
    caplog: pytest.LogCaptureFixture, sender: str | None
) -> None:
    """A one-module answer naming another spelling or a placeholder is the module's state."""
    module_id = f"plug-1-{uuid.uuid4()}"
    element: dict[str, Any] = {"status": "on", "reachable": True}
    if sender is not None:
        element["sender"] = {"plant": {"module": {"id": sender}}}
    caplog.set_level(logging.DEBUG)

    state = parse_module_status(
        {"plugs": [element]}, module_id, DeviceKind.PLUG, ENDPOINT
    )

    assert (state.module_id, state.on, state.reachable) == (module_id, True, True)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == (0 if sender is None else 1)
    assert all(module_id not in line for line in lines)


def test_a_module_status_prefers_the_element_of_the_module_asked_for() -> None:
    """Of several elements, the one naming the module; none at all: it did not answer."""
    answer = {
        "plugs": [
            {"status": "off", "sender": {"plant": {"module": {"id": "other"}}}},
            {"status": "on", "sender": {"plant": {"module": {"id": "p1"}}}},
        ]
    }

    assert parse_module_status(answer, "p1", DeviceKind.PLUG, ENDPOINT).on is True
    # Neither names it: the first one stands for it.
    first = parse_module_status(answer, "P1", DeviceKind.PLUG, ENDPOINT)
    assert (first.module_id, first.on) == ("P1", False)
    empty = parse_module_status({"plugs": []}, "p1", DeviceKind.PLUG, ENDPOINT)
    assert (empty.module_id, empty.reachable) == ("p1", False)


def test_a_foreign_parse_failure_does_not_quote_the_payload() -> None:
    """An unexpected exception inside a parser becomes the response error, naming only its type."""

    def broken(data: dict[str, str]) -> str:
        return data["secret-value"]

    with pytest.raises(EliotResponseError, match=r"\(KeyError\)") as caught:
        guarded(ENDPOINT, broken, {})

    assert "secret-value" not in str(caught.value)


def test_a_status_read_again_reads_only_the_elements_that_changed() -> None:
    """With the plant's last answer kept, an unchanged element is not read again."""
    answer = load_fixture("hc_plant_status.json")
    memo: StatusMemo = {}
    first = parse_plant_status(answer, "plant", ENDPOINT, memo)
    changed = copy.deepcopy(answer)
    plug = changed["modules"]["plugs"][0]
    plug["status"] = "off" if plug.get("status") == "on" else "on"
    plug_id = plug["sender"]["plant"]["module"]["id"]

    with patch.object(ModuleState, "from_dict", wraps=ModuleState.from_dict) as read:
        again = parse_plant_status(copy.deepcopy(answer), "plant", ENDPOINT, memo)
        assert read.call_count == 0
        after = parse_plant_status(changed, "plant", ENDPOINT, memo)
        assert read.call_count == 1

    assert again == first
    assert after == parse_plant_status(changed, "plant", ENDPOINT)
    assert after.modules[plug_id].on is not first.modules[plug_id].on


def test_each_state_names_the_answer_it_was_read_from() -> None:
    """Answers are numbered; an unchanged element keeps its answer's number, power or not.

    The client says what it read and from which answer: whether a reading counts again (an
    energy total grows with each) is not its call.
    """
    answer = load_fixture("hc_plant_status.json")
    memo: StatusMemo = {}
    first = parse_plant_status(answer, "plant", ENDPOINT, memo, read=1)
    drawing = {key for key, state in first.modules.items() if state.power}
    assert drawing
    assert first.read == 1
    assert {state.read for state in first.modules.values()} == {1}
    changed = copy.deepcopy(answer)
    plug = changed["modules"]["plugs"][0]
    plug["status"] = "off" if plug.get("status") == "on" else "on"
    plug_id = plug["sender"]["plant"]["module"]["id"]

    again = parse_plant_status(changed, "plant", ENDPOINT, memo, read=2)

    assert again.read == 2
    assert again.modules[plug_id].read == 2
    for key, state in again.modules.items():
        if key != plug_id:
            assert state == first.modules[key]
            assert state.read == 1
    assert again != first

"""Home + Control's answers: a plant's status, one module's status and the scenes."""

from __future__ import annotations

import copy
import logging
from typing import Any
from unittest.mock import patch
import uuid

import pytest

from custom_components.legrand_eliot.eliot.const import DeviceKind
from custom_components.legrand_eliot.eliot.exceptions import EliotResponseError
from custom_components.legrand_eliot.eliot.home_control_models import (
    ModuleState,
    StatusMemo,
    parse_module_status,
    parse_plant_status,
    parse_scenes,
)

from .conftest import ENDPOINT, load_fixture


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


def test_scenes_edge_cases() -> None:
    """Scenes name themselves by sender or id; no list is no scenes; a scene needs an id."""
    assert [
        scene.id for scene in parse_scenes({"scenes": [{"id": "s1"}]}, ENDPOINT)
    ] == ["s1"]
    assert parse_scenes({}, ENDPOINT) == []
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

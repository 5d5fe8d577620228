"""Push events: the Event Grid array, a bare object, and the validation handshake."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.legrand_eliot.eliot import (
    EliotResponseError,
    EventType,
    LoadState,
    ThermostatMode,
    parse_push_events,
    validation_response,
)

from .conftest import load_fixture

PLANT = "2d8a1e3c-5a7b-4c2d-9e8f-112233445566"
MODULE = "9a8b7c6d-1111-2222-3333-444455556666"


def test_event_grid_array() -> None:
    """The array form carries thermostat states parsed by the status model."""
    events = parse_push_events(load_fixture("push_event.json"))

    assert len(events) == 1
    event = events[0]
    assert event.event_type == EventType.DEVICE_TO_CLOUD
    assert event.plant_id == PLANT
    assert not event.is_validation
    assert validation_response(events) is None
    (state,) = event.thermostats
    assert (state.plant_id, state.module_id) == (PLANT, MODULE)
    assert state.mode is ThermostatMode.BOOST
    assert state.program == 1
    assert state.load_state is LoadState.ACTIVE
    assert state.online is False
    assert state.activation_time is not None
    assert state.activation_time.start is not None
    assert state.activation_time.end is not None
    assert (
        state.activation_time.end - state.activation_time.start
    ).total_seconds() == 3600


@pytest.mark.parametrize("encode", [False, True])
def test_bare_object_and_raw_bytes(encode: bool) -> None:
    """One event object without the array, as text or bytes, is read the same way."""
    event = load_fixture("push_event.json")[0]
    payload: Any = json.dumps(event).encode() if encode else event

    (parsed,) = parse_push_events(payload)

    assert parsed.thermostats[0].module_id == MODULE


def test_bare_data_object() -> None:
    """A body that is only the data object is a device event."""
    data = load_fixture("push_event.json")[0]["data"]

    (parsed,) = parse_push_events(data)

    assert parsed.event_type == EventType.DEVICE_TO_CLOUD
    assert parsed.thermostats[0].module_id == MODULE


def test_plant_from_the_subject_when_the_sender_has_none() -> None:
    """Without a sender plant, the event's subject names the plant."""
    event = load_fixture("push_event.json")[0]
    del event["subjectElements"]
    del event["data"]["chronothermostats"][0]["sender"]["plant"]["id"]

    (parsed,) = parse_push_events([event])

    assert parsed.plant_id == PLANT
    assert parsed.thermostats[0].plant_id == PLANT


def test_validation_handshake() -> None:
    """The subscription validation event is answered with its code."""
    events = parse_push_events(load_fixture("push_validation.json"))

    assert events[0].is_validation
    assert validation_response(events) == {
        "validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"
    }


def test_other_event_types_are_kept_empty() -> None:
    """An event type the client does not know carries no thermostat state."""
    (parsed,) = parse_push_events([{"eventType": "Something.Else", "data": {"x": 1}}])

    assert parsed.thermostats == ()
    assert parsed.event_type == "Something.Else"


def test_empty_array() -> None:
    """An empty array is no events."""
    assert parse_push_events([]) == []


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xfe",
        "not json",
        42,
        [{"data": {}}],
        [{"eventType": EventType.SUBSCRIPTION_VALIDATION.value, "data": {}}],
        [
            {
                "eventType": "DeviceToCloud",
                "data": {"chronothermostats": [{"mode": "off"}]},
            }
        ],
        [{"eventType": "DeviceToCloud", "data": []}],
    ],
)
def test_malformed_push_bodies(payload: Any) -> None:
    """Anything malformed raises the response error naming the push endpoint."""
    with pytest.raises(EliotResponseError) as caught:
        parse_push_events(payload)

    assert caught.value.endpoint == "push event"

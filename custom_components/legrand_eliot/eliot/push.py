"""Parse the push (C2C) events Legrand posts to a subscribed endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
import json
import re
from typing import Any

from .const import PUSH_ENDPOINT, EventType
from .parsing import (
    ParseError,
    dig,
    guarded,
    mapping,
    optional_sequence,
    optional_text,
    optional_timestamp,
    sequence,
    text,
)
from .plant_models import bare_plant_id
from .smarther_models import ThermostatStatus

# "///bs_cloud_<plantUuid>//": the plant named by an event's subject.
_SUBJECT_PLANT = re.compile(r"bs_cloud_([^/]+)")


@dataclass(frozen=True, slots=True, kw_only=True)
class PushEvent:
    """One Event Grid event: thermostat states, or the endpoint validation handshake."""

    event_type: str
    id: str | None = None
    subject: str | None = None
    event_time: datetime | None = None
    plant_id: str | None = None
    thermostats: tuple[ThermostatStatus, ...] = ()
    validation_code: str | None = None

    @property
    def is_validation(self) -> bool:
        """Return whether this is the subscription validation handshake."""
        return self.event_type == EventType.SUBSCRIPTION_VALIDATION

    @classmethod
    def from_dict(cls, data: Any) -> PushEvent:
        """Build an event from one element of the pushed array."""
        obj = mapping(data, "event")
        if "chronothermostats" in obj and "data" not in obj:
            # A bare data object without the Event Grid envelope.
            obj = {"eventType": EventType.DEVICE_TO_CLOUD.value, "data": obj}
        event_type = text(obj.get("eventType"), "eventType")
        subject = optional_text(obj.get("subject"), "subject")
        plant_id = _event_plant_id(obj, subject)
        payload = obj.get("data")
        if event_type == EventType.SUBSCRIPTION_VALIDATION:
            return cls(
                event_type=event_type,
                id=optional_text(obj.get("id"), "event id"),
                subject=subject,
                event_time=optional_timestamp(obj.get("eventTime"), "eventTime"),
                plant_id=plant_id,
                validation_code=text(dig(payload, "validationCode"), "validationCode"),
            )
        raw_thermostats: Sequence[Any] = ()
        if payload is not None:
            raw_thermostats = optional_sequence(
                mapping(payload, "event data").get("chronothermostats"),
                "chronothermostats",
            )
        return cls(
            event_type=event_type,
            id=optional_text(obj.get("id"), "event id"),
            subject=subject,
            event_time=optional_timestamp(obj.get("eventTime"), "eventTime"),
            plant_id=plant_id,
            thermostats=tuple(
                ThermostatStatus.from_dict(raw, plant_id) for raw in raw_thermostats
            ),
        )


def _event_plant_id(obj: Mapping[str, Any], subject: str | None) -> str | None:
    """Return the plant an event is about, from `subjectElements` or the subject."""
    element = optional_text(
        dig(obj, "subjectElements", "plantId"), "subjectElements plantId"
    )
    if element is not None:
        return bare_plant_id(element)
    if subject is not None and (match := _SUBJECT_PLANT.search(subject)):
        return match.group(1)
    return None


def _events(payload: Any) -> list[PushEvent]:
    """Parse an array of events or one bare event."""
    if isinstance(payload, bytes | bytearray | str):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError) as err:
            raise ParseError("push body is not JSON") from err
    if isinstance(payload, Mapping):
        return [PushEvent.from_dict(payload)]
    return [PushEvent.from_dict(raw) for raw in sequence(payload, "events")]


def parse_push_events(payload: Any) -> list[PushEvent]:
    """
    Parse a push body: the Event Grid array, or one bare event object.

    The body may be raw bytes or text, or already-decoded JSON. Anything malformed raises
    `EliotResponseError`.
    """
    return guarded(PUSH_ENDPOINT, _events, payload)


def validation_response(events: Sequence[PushEvent]) -> dict[str, str] | None:
    """Return the answer to a validation handshake, or None when there is none to answer."""
    for event in events:
        if event.is_validation and event.validation_code is not None:
            return {"validationResponse": event.validation_code}
    return None

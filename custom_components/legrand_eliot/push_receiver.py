"""Push intake: the webhook Legrand posts thermostat changes to, and what a delivery becomes.

A delivery is refused when too large or holding no event; its states are checked against the
entry's thermostats, put in order, and written once per burst by the coordinator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from http import HTTPStatus
import json

from aiohttp import web
from aiohttp.hdrs import METH_POST
from homeassistant.components import webhook
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .coordinator import LegrandEliotCoordinator
from .data import state_time
from .eliot import (
    EliotError,
    EliotResponseError,
    PushEvent,
    ThermostatStatus,
    parse_push_events,
    validation_response,
)

WEBHOOK_NAME = "Legrand Eliot"
# A Legrand delivery of hundreds of thermostat states stays far below this; a larger body is
# refused unread.
MAX_BODY_BYTES = 1024 * 1024
# The touch bar sends a burst of states in a second: Home Assistant writes the last one once.
COALESCE_DELAY = 1.0


async def _async_read_capped(request: web.Request, limit: int) -> bytes | None:
    """Read a body of at most `limit` bytes; None when it is longer (the rest is never read)."""
    # A cloudhook's request builds a new reader on each access to `content`: take it once.
    stream = request.content
    body = bytearray()
    while len(body) <= limit:
        chunk = await stream.read(limit + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
    return None


def _decode_events(body: bytes) -> tuple[list[PushEvent], int] | None:
    """
    Parse a body: the Event Grid array or one bare event; None when it holds no event at all.

    A malformed event beside good ones is skipped and counted (the second value).
    """
    try:
        raw = json.loads(body)
    except ValueError, RecursionError:
        return None
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        return None
    events: list[PushEvent] = []
    malformed = 0
    for raw_event in raw:
        try:
            if not isinstance(raw_event, Mapping):
                raise EliotResponseError("An event is not an object")
            events.extend(parse_push_events(raw_event))
        except EliotError as err:
            malformed += 1
            LOGGER.debug("Ignoring a malformed push event: %s", err)
    if malformed and not events:
        return None
    return events, malformed


def _older(
    state: tuple[ThermostatStatus, datetime | None],
    queued: tuple[ThermostatStatus, datetime | None],
    utc_offset: timedelta | None,
) -> bool:
    """Return whether a pushed state is older than one queued for the same thermostat."""
    now = dt_util.utcnow()
    new_time = state_time(*state, now, utc_offset)
    queued_time = state_time(*queued, now, utc_offset)
    return new_time is None or (queued_time is not None and new_time < queued_time)


class PushReceiver:
    """The webhook of one entry: takes deliveries, queues their states, writes bursts once."""

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: LegrandEliotCoordinator,
        webhook_id: str,
        heard_again: Callable[[str], None],
    ) -> None:
        """Prepare the intake; `heard_again` is told of a plant whose silence a state ended."""
        self.hass = hass
        self.webhook_id = webhook_id
        self.coordinator = coordinator
        self.health = coordinator.push
        self._heard_again = heard_again
        self._pending: dict[str, tuple[ThermostatStatus, datetime | None]] = {}
        self._cancel_flush: CALLBACK_TYPE | None = None
        self._stopped = False

    @callback
    def async_start(self) -> None:
        """Register the webhook: Home Assistant hands it every delivery from now on."""
        webhook.async_register(
            self.hass,
            DOMAIN,
            WEBHOOK_NAME,
            self.webhook_id,
            self.async_handle,
            allowed_methods=[METH_POST],
        )

    @callback
    def async_stop(self) -> None:
        """Unregister the webhook and drop the states not written yet (on unload)."""
        self._stopped = True
        webhook.async_unregister(self.hass, self.webhook_id)
        if self._cancel_flush is not None:
            self._cancel_flush()
            self._cancel_flush = None
        self._pending.clear()

    async def async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Take a delivery and answer at once: states are queued, written a moment later."""
        body = await _async_read_capped(request, MAX_BODY_BYTES)
        if body is None:
            self.health.note_refused()
            LOGGER.debug("Refused a push body over %s bytes", MAX_BODY_BYTES)
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        decoded = _decode_events(body)
        if decoded is None:
            self.health.note_refused()
            LOGGER.debug("Refused a push body that holds no events")
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        events, malformed = decoded
        self.health.note_refused(malformed)
        if (answer := validation_response(events)) is not None:
            LOGGER.debug("Answering the push endpoint validation")
            return web.json_response(answer)
        self.health.note_delivery(dt_util.utcnow())
        for event in events:
            self._accept(event)
        return web.Response(status=HTTPStatus.OK)

    @callback
    def _accept(self, event: PushEvent) -> None:
        """Queue the states of known thermostats; ignore the others."""
        data = self.coordinator.data
        for status in event.thermostats:
            plant = data.smarther.get(status.plant_id)
            if (
                self._stopped
                or plant is None
                or plant.topology.module(status.module_id) is None
                or (event.plant_id is not None and event.plant_id != status.plant_id)
            ):
                self.health.note_ignored()
                LOGGER.debug("Ignoring a pushed state of a thermostat this entry lacks")
                continue
            if self.health.note_state(
                status.plant_id, dt_util.utcnow(), event.event_time
            ):
                self._heard_again(plant.plant.name or "A Smarther plant")
            queued = self._pending.get(status.module_id)
            if queued is not None and _older(
                (status, event.event_time), queued, plant.utc_offset
            ):
                # Delivered out of order: the queued state is the newer one.
                continue
            if queued is not None:
                # A field this event could not read keeps the one of the burst before it.
                status = status.keep_readable(queued[0])
            self._pending[status.module_id] = (status, event.event_time)
        if self._pending and self._cancel_flush is None:
            self._cancel_flush = async_call_later(
                self.hass, COALESCE_DELAY, self._flush
            )

    @callback
    def _flush(self, _now: datetime) -> None:
        """Write the last queued state of each thermostat, once for the whole burst."""
        self._cancel_flush = None
        pending = list(self._pending.values())
        self._pending.clear()
        self.coordinator.apply_pushed(pending)

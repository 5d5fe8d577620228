"""The C2C push emitter: Azure Event Grid deliveries to subscribed endpoints, with the ban rule.

Deliveries never block the request that caused them: each is a task the emitter tracks, awaited
by `flush` and cancelled by `close`. Deliveries to one URL keep their order.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import json
import logging
from typing import Any
import uuid

from aiohttp import ClientError, ClientSession, ClientTimeout
from yarl import URL

from .clock import Clock
from .options import Options
from .timefmt import utc_z
from .world import Subscription

_LOGGER = logging.getLogger(__name__)

VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent"
DEVICE_EVENT = "DeviceToCloud"
# The ban rule Legrand states: every 20 failures ban the endpoint one more minute, at most 20.
FAILURES_PER_BAN_MINUTE = 20
MAX_BAN_MINUTES = 20


def device_event(
    plant_id: str, chronothermostats: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """Return one Event Grid event carrying thermostat states."""
    return {
        "id": str(uuid.uuid4()),
        "eventType": DEVICE_EVENT,
        "subject": f"///bs_cloud_{plant_id}//",
        "eventTime": utc_z(now),
        "data": {"chronothermostats": chronothermostats},
        "subjectElements": {"plantId": f"bs_cloud_{plant_id}"},
    }


def validation_event(
    subscription: Subscription, code: str, now: datetime
) -> dict[str, Any]:
    """Return the Event Grid subscription validation event."""
    return {
        "id": str(uuid.uuid4()),
        "topic": f"/plants/{subscription.plant_id}/subscriptions/{subscription.id}",
        "subject": "",
        "data": {"validationCode": code},
        "eventType": VALIDATION_EVENT,
        "eventTime": utc_z(now),
        "metadataVersion": "1",
        "dataVersion": "1",
    }


@dataclass
class _Outcome:
    """What an endpoint answered to one delivery."""

    status: int | None
    duration: float
    body: bytes = b""
    error: str | None = None


@dataclass(kw_only=True)
class PushEmitter:
    """Sends events to subscribed endpoints and keeps a log of every delivery."""

    clock: Clock
    options: Callable[[], Options]
    log: list[dict[str, Any]] = field(default_factory=list)
    drop_next: int = 0
    # While on, every delivery is lost, as when Legrand's push went silent for days in
    # December 2025 while the API still answered and subscriptions were still listed.
    silent: bool = False
    delay: float | None = None
    failures: Counter[str] = field(default_factory=Counter)
    banned_until: dict[str, datetime] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _session: ClientSession | None = None

    def send(self, subscription: Subscription, events: list[dict[str, Any]]) -> None:
        """Schedule the delivery of events to one subscription's endpoint."""
        lost: str | None = None
        if self.silent:
            lost = "silent"
        elif self.drop_next > 0:
            self.drop_next -= 1
            lost = "dropped"
        self._spawn(self._deliver_events(subscription, events, lost=lost))

    def validate(
        self, subscription: Subscription, on_done: Callable[[bool], None]
    ) -> None:
        """Schedule the validation handshake of a new subscription."""
        self._spawn(self._handshake(subscription, on_done))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a delivery as a tracked task; without a running loop nothing can be sent."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            work.close()
            _LOGGER.warning("Push delivery skipped: no running event loop")
            return
        task = loop.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Wait until every scheduled delivery is done."""
        # Ask each task whether it is done: a done task can stay in the set until its callback
        # runs, and waiting for the set to empty could then spin without end.
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        """Cancel pending deliveries and close the HTTP session."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def reset(self) -> None:
        """Forget the log, the ban counters and the drop, silence and delay settings."""
        self.log.clear()
        self.drop_next = 0
        self.silent = False
        self.delay = None
        self.failures.clear()
        self.banned_until.clear()

    def is_banned(self, url: str) -> bool:
        """Return whether the ban rule currently drops events for an endpoint."""
        until = self.banned_until.get(url)
        return until is not None and self.clock.now() < until

    async def _deliver_events(
        self,
        subscription: Subscription,
        events: list[dict[str, Any]],
        *,
        lost: str | None,
    ) -> None:
        """Deliver events (after the configured delay), unless lost, banned or unvalidated.

        `lost` says why a delivery never leaves: "dropped" on its own, or "silent".
        """
        delay = self.delay if self.delay is not None else self.options().push_delay
        if delay > 0 and lost is None:
            await asyncio.sleep(delay)
        url = subscription.url
        async with self._locks.setdefault(url, asyncio.Lock()):
            entry = self._entry(subscription, DEVICE_EVENT, events)
            if lost is not None or subscription.validated is False:
                entry["dropped"] = True
                entry["error"] = lost or "endpoint not validated"
            elif self.options().push_ban_rule and self.is_banned(url):
                entry["dropped"] = entry["banned"] = True
            else:
                outcome = await self._post(url, events, "Notification")
                self._record(entry, outcome)
                self._judge(url, outcome)
            self.log.append(entry)

    async def _handshake(
        self, subscription: Subscription, on_done: Callable[[bool], None]
    ) -> None:
        """Send the validation event and check the endpoint echoes the code."""
        code = str(uuid.uuid4())
        events = [validation_event(subscription, code, self.clock.now())]
        async with self._locks.setdefault(subscription.url, asyncio.Lock()):
            entry = self._entry(subscription, VALIDATION_EVENT, events)
            outcome = await self._post(
                subscription.url, events, "SubscriptionValidation"
            )
            self._record(entry, outcome)
            valid = outcome.status == 200 and _echoes(outcome.body, code)
            entry["validated"] = valid
            on_done(valid)
            self.log.append(entry)

    def _entry(
        self, subscription: Subscription, event_type: str, events: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Start a log entry for one delivery."""
        return {
            "url": subscription.url,
            "subscription": subscription.id,
            "plant_id": subscription.plant_id,
            "event_type": event_type,
            "time": self.clock.now().isoformat(),
            "status": None,
            "duration": None,
            "banned": False,
            "dropped": False,
            "error": None,
            "events": events,
        }

    async def _post(
        self, url: str, events: list[dict[str, Any]], kind: str
    ) -> _Outcome:
        """POST an Event Grid array and time the answer."""
        if self._session is None:
            self._session = ClientSession()
        loop = asyncio.get_running_loop()
        started = loop.time()
        timeout = ClientTimeout(total=self.options().push_timeout)
        try:
            async with self._session.post(
                url,
                data=json.dumps(events),
                headers={"Content-Type": "application/json", "aeg-event-type": kind},
                timeout=timeout,
            ) as response:
                body = await response.read()
                return _Outcome(response.status, loop.time() - started, body)
        except (ClientError, TimeoutError, ValueError) as err:
            _LOGGER.debug("Push to %s failed: %s", URL(url).host, type(err).__name__)
            return _Outcome(None, loop.time() - started, error=type(err).__name__)

    @staticmethod
    def _record(entry: dict[str, Any], outcome: _Outcome) -> None:
        """Write what the endpoint answered into a log entry."""
        entry["status"] = outcome.status
        entry["duration"] = round(outcome.duration, 4)
        entry["error"] = outcome.error

    def _judge(self, url: str, outcome: _Outcome) -> None:
        """Apply the ban rule: slow or non-2xx answers count as failures; each 20 add a minute."""
        options = self.options()
        failed = (
            outcome.status is None
            or not 200 <= outcome.status < 300
            or outcome.duration >= options.push_slow_threshold
        )
        if not failed or not options.push_ban_rule:
            return
        self.failures[url] += 1
        count = self.failures[url]
        if count % FAILURES_PER_BAN_MINUTE == 0:
            minutes = min(count // FAILURES_PER_BAN_MINUTE, MAX_BAN_MINUTES)
            self.banned_until[url] = self.clock.now() + timedelta(minutes=minutes)
            _LOGGER.info(
                "Push endpoint on %s banned for %s min", URL(url).host, minutes
            )


def _echoes(body: bytes, code: str) -> bool:
    """Return whether a validation answer carries the validation code back."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("validationResponse") == code

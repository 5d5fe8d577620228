"""Push: the webhook Legrand posts thermostat changes to, and the subscriptions that feed it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
import json
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError, web
from aiohttp.hdrs import METH_POST
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_WEBHOOK_ID, EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util

from .const import CONF_CLOUD_URL, LOGGER
from .coordinator import LegrandEliotCoordinator
from .data import state_time
from .eliot import (
    EliotClient,
    EliotConflictError,
    EliotError,
    EliotResponseError,
    PushEvent,
    Subscription,
    ThermostatStatus,
    parse_push_events,
    validation_response,
)
from .eliot.ids import hashed_id
from .issues import ISSUE_NO_PUSH_URL, ISSUE_PUSH_SILENT, clear_issue, raise_issue
from .push_health import PushState

if TYPE_CHECKING:
    from homeassistant.components.cloud import CloudConnectionState

# The address the entry last subscribed with: subscriptions to it are this entry's even when
# the address itself (a cloudhook) does not name the webhook.
CONF_PUSH_URL = "push_url"
WEBHOOK_NAME = "Legrand Eliot"
# A Legrand delivery of hundreds of thermostat states stays far below this; a larger body is
# refused unread.
MAX_BODY_BYTES = 1024 * 1024
# The touch bar sends a burst of states in a second: Home Assistant writes the last one once.
COALESCE_DELAY = 1.0
# Plants whose subscription failed are tried again this much later; polling covers them meanwhile.
RETRY_DELAY = timedelta(minutes=15)


class UrlKind(StrEnum):
    """The kind of address Legrand posts events to."""

    CLOUDHOOK = "cloudhook"
    EXTERNAL = "external"
    # The simulated cloud of a development entry posts to a plain http address.
    DEVELOPMENT = "development"


def _cloud_active(hass: HomeAssistant) -> bool:
    """Return whether Home Assistant Cloud is loaded and its subscription is active."""
    if "cloud" not in hass.config.components:
        return False
    # Imported only when loaded: the cloud integration pulls in a lot.
    from homeassistant.components import cloud

    return cloud.async_active_subscription(hass)


async def async_endpoint_url(
    hass: HomeAssistant, webhook_id: str, *, development: bool
) -> tuple[str, UrlKind] | None:
    """
    Return the address Legrand should post to, and its kind; None when there is none.

    A cloudhook when Home Assistant Cloud is active, else the external https address. A
    development entry also accepts the configured external or internal address over http.
    """
    if _cloud_active(hass):
        from homeassistant.components import cloud

        try:
            return await cloud.async_get_or_create_cloudhook(
                hass, webhook_id
            ), UrlKind.CLOUDHOOK
        except cloud.CloudNotAvailable:
            LOGGER.debug("Home Assistant Cloud is not connected: no cloudhook for now")
    path = webhook.async_generate_path(webhook_id)
    try:
        base = get_url(
            hass, allow_internal=False, require_ssl=True, prefer_external=True
        )
    except NoURLAvailableError:
        pass
    else:
        return f"{base}{path}", UrlKind.EXTERNAL
    if development:
        for configured in (hass.config.external_url, hass.config.internal_url):
            if configured:
                return f"{configured.rstrip('/')}{path}", UrlKind.DEVELOPMENT
    return None


def _is_ours(subscription: Subscription, urls: set[str], webhook_id: str) -> bool:
    """Return whether a subscription posts to this entry: one of its addresses, or its webhook."""
    url = subscription.endpoint_url
    if not url:
        return False
    return url in urls or url.rstrip("/").endswith(
        webhook.async_generate_path(webhook_id)
    )


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


class EliotPush:
    """Push for one entry: the webhook, each Smarther plant's subscription, coalesced writes."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        coordinator: LegrandEliotCoordinator,
    ) -> None:
        """Prepare push for an entry whose first refresh is done; nothing is sent yet."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.health = coordinator.push
        self.webhook_id: str = entry.data[CONF_WEBHOOK_ID]
        self._url: str | None = None
        self._pending: dict[str, tuple[ThermostatStatus, datetime | None]] = {}
        self._cancel_flush: CALLBACK_TYPE | None = None
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._lock = asyncio.Lock()
        self._stopped = False
        self._plants_seen: frozenset[str] = frozenset()
        self._no_url_logged = False

    @property
    def _subscribed(self) -> dict[str, str]:
        """Return the subscription id of each subscribed plant."""
        return self.health.subscriptions

    @callback
    def async_start(self) -> None:
        """Register the webhook now; subscribe once Home Assistant serves it, and on changes."""
        webhook.async_register(
            self.hass,
            self.entry.domain,
            WEBHOOK_NAME,
            self.webhook_id,
            self.async_handle,
            allowed_methods=[METH_POST],
        )
        entry = self.entry
        entry.async_on_unload(async_at_started(self.hass, self._async_started))
        entry.async_on_unload(
            self.coordinator.async_add_listener(self._coordinator_updated)
        )
        entry.async_on_unload(
            self.hass.bus.async_listen(
                EVENT_CORE_CONFIG_UPDATE, self._core_config_updated
            )
        )
        if _cloud_active(self.hass):
            from homeassistant.components import cloud

            entry.async_on_unload(
                cloud.async_listen_connection_change(self.hass, self._cloud_changed)
            )

    async def _async_started(self, _hass: HomeAssistant) -> None:
        """Subscribe once Home Assistant answers on its addresses (a validation may come)."""
        self._schedule_sync()

    @callback
    def _schedule_sync(self) -> None:
        """Bring the subscriptions in line, in the background."""
        if not self._stopped:
            self.entry.async_create_task(
                self.hass, self.async_sync(), "legrand_eliot push subscriptions"
            )

    @callback
    def _coordinator_updated(self) -> None:
        """Subscribe plants that appeared, drop plants that left; renew silent ones."""
        if frozenset(self.coordinator.data.smarther) != self._plants_seen:
            self._schedule_sync()
        if self.health.silent:
            self._watch_silence()

    @callback
    def _core_config_updated(self, _event: Event[Any]) -> None:
        """Try again with the new addresses: push may become possible, or move."""
        self._schedule_sync()

    @callback
    def _cloud_changed(self, state: CloudConnectionState) -> None:
        """Move to a cloudhook once Home Assistant Cloud connects."""
        from homeassistant.components.cloud import CloudConnectionState

        if (
            state is CloudConnectionState.CLOUD_CONNECTED
            and self.health.url_kind != UrlKind.CLOUDHOOK
        ):
            self._schedule_sync()

    @callback
    def _retry(self, _now: datetime) -> None:
        """Try the failed subscriptions again."""
        self._cancel_retry = None
        self._schedule_sync()

    async def async_sync(self) -> None:
        """Subscribe every Smarther plant to the current address, and only those."""
        async with self._lock:
            if self._stopped:
                return
            if self._cancel_retry is not None:
                self._cancel_retry()
                self._cancel_retry = None
            await self._async_sync()

    async def _async_sync(self) -> None:
        """Do the work of `async_sync` under its lock."""
        plants = {
            # Logged by name, or by the id's stand-in: never by the id itself.
            plant_id: plant.plant.name or hashed_id(plant_id)
            for plant_id, plant in self.coordinator.data.smarther.items()
        }
        self._plants_seen = frozenset(plants)
        found = (
            await async_endpoint_url(
                self.hass,
                self.webhook_id,
                development=bool(self.entry.data.get(CONF_CLOUD_URL)),
            )
            if plants
            else None
        )
        if found is None:
            await self._async_unsubscribe_all()
            self._url = self.health.url_kind = None
            self._no_url(bool(plants))
            return
        clear_issue(self.hass, self.entry, ISSUE_NO_PUSH_URL)
        self._no_url_logged = False
        url, kind = found
        if url != self._url:
            # Subscriptions to a former address of ours would post nowhere: replace them all.
            await self._async_unsubscribe_all()
            self._url = url
        self.health.url_kind = kind
        for plant_id in [p for p in self._subscribed if p not in plants]:
            await self._async_unsubscribe(plant_id)
        missing = [plant_id for plant_id in plants if plant_id not in self._subscribed]
        if missing:
            await self._async_clean_and_adopt(url, missing)
            for plant_id in missing:
                if plant_id not in self._subscribed:
                    await self._async_subscribe(plant_id, plants[plant_id], url)
        if self._subscribed and self.entry.data.get(CONF_PUSH_URL) != url:
            self.hass.config_entries.async_update_entry(
                self.entry, data={**self.entry.data, CONF_PUSH_URL: url}
            )
        self._settle(set(plants))

    @callback
    def _no_url(self, has_plants: bool) -> None:
        """No address to give Legrand: poll only, and tell the user how to get push."""
        if not has_plants:
            self.health.state = PushState.OFF
            clear_issue(self.hass, self.entry, ISSUE_NO_PUSH_URL)
            return
        self.health.state = PushState.NO_URL
        raise_issue(
            self.hass,
            self.entry,
            ISSUE_NO_PUSH_URL,
            severity=ir.IssueSeverity.WARNING,
        )
        if not self._no_url_logged:
            self._no_url_logged = True
            LOGGER.info(
                "Thermostat push is off: Home Assistant has no https address on the "
                "internet; polling only"
            )

    @callback
    def _settle(self, plants: set[str]) -> None:
        """Record how the subscriptions stand; failed plants are tried again later."""
        failed = plants - set(self._subscribed)
        self.health.failed_plants = failed
        self.health.state = self._subscribed_state()
        if not failed:
            return
        self._cancel_retry = async_call_later(self.hass, RETRY_DELAY, self._retry)

    def _subscribed_state(self) -> PushState:
        """Return where push stands once the subscriptions are settled."""
        if self.health.silent:
            return PushState.SILENT
        if not self.health.failed_plants:
            return PushState.ACTIVE
        return PushState.PARTIAL if self._subscribed else PushState.FAILED

    async def _async_listing(self) -> list[Subscription] | None:
        """Return the account's subscriptions; None when they cannot be read now."""
        try:
            return await self.coordinator.client.subscriptions()
        except (EliotError, HomeAssistantError, ClientError) as err:
            LOGGER.debug("Push subscriptions could not be listed: %s", err)
            return None

    async def _async_clean_and_adopt(self, url: str, missing: list[str]) -> None:
        """Keep our live subscriptions to this address; delete our stale ones, not others'."""
        listing = await self._async_listing()
        ours = {url}
        if isinstance(recorded := self.entry.data.get(CONF_PUSH_URL), str):
            ours.add(recorded)
        for subscription in listing or []:
            if not _is_ours(subscription, ours, self.webhook_id):
                continue
            if (
                subscription.endpoint_url == url
                and subscription.plant_id in missing
                and subscription.plant_id not in self._subscribed
            ):
                # Left by a restart: it posts here already.
                self._subscribed[subscription.plant_id] = subscription.subscription_id
                self.health.receiving.discard(subscription.plant_id)
            elif subscription.subscription_id not in self._subscribed.values():
                await self._async_delete(subscription.plant_id, subscription)

    async def _async_subscribe(self, plant_id: str, name: str, url: str) -> None:
        """Subscribe one plant; on 409, replace the subscription already there."""
        client = self.coordinator.client
        try:
            try:
                subscription_id = await client.subscribe(plant_id, url)
            except EliotConflictError:
                LOGGER.debug(
                    "%s is already subscribed: replacing the subscription", name
                )
                for subscription in await self._async_listing() or []:
                    if subscription.plant_id == plant_id and _is_ours(
                        subscription, {url}, self.webhook_id
                    ):
                        await self._async_delete(plant_id, subscription)
                subscription_id = await client.subscribe(plant_id, url)
        except (EliotError, HomeAssistantError, ClientError) as err:
            LOGGER.info(
                "Push for %s could not be set up, polling instead: %s", name, err
            )
            return
        self._subscribed[plant_id] = subscription_id
        self.health.receiving.discard(plant_id)
        self.health.watching(plant_id, dt_util.utcnow())
        LOGGER.debug("Push set up for %s", name)

    async def _async_delete(self, plant_id: str, subscription: Subscription) -> None:
        """Delete one stale subscription of ours, if the cloud lets us."""
        try:
            await self.coordinator.client.unsubscribe(
                plant_id, subscription.subscription_id
            )
        except (EliotError, HomeAssistantError, ClientError) as err:
            LOGGER.debug("A stale push subscription could not be deleted: %s", err)

    async def _async_unsubscribe(self, plant_id: str) -> bool:
        """Delete a plant's subscription; return whether the cloud no longer has it."""
        subscription_id = self._subscribed.pop(plant_id)
        self.health.receiving.discard(plant_id)
        try:
            await self.coordinator.client.unsubscribe(plant_id, subscription_id)
        except (EliotError, HomeAssistantError, ClientError) as err:
            LOGGER.debug("A push subscription could not be deleted: %s", err)
            return False
        return True

    async def _async_unsubscribe_all(self) -> bool:
        """Delete every subscription of ours; return whether all of them are gone."""
        results = [await self._async_unsubscribe(p) for p in list(self._subscribed)]
        return all(results)

    async def async_stop(self) -> None:
        """Stop push: unregister the webhook and delete the subscriptions (on unload)."""
        self._stopped = True
        webhook.async_unregister(self.hass, self.webhook_id)
        for cancel in (self._cancel_flush, self._cancel_retry):
            if cancel is not None:
                cancel()
        self._cancel_flush = self._cancel_retry = None
        self._pending.clear()
        async with self._lock:
            all_gone = await self._async_unsubscribe_all()
        self.health.state = PushState.STOPPED
        if all_gone and CONF_PUSH_URL in self.entry.data:
            # Nothing posts to the recorded address any more: removal has nothing to clean.
            self.hass.config_entries.async_update_entry(
                self.entry,
                data={k: v for k, v in self.entry.data.items() if k != CONF_PUSH_URL},
            )
        await self.coordinator.async_save_budget_now()

    async def async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Take a delivery and answer at once: states are queued, written a moment later."""
        body = await _async_read_capped(request, MAX_BODY_BYTES)
        if body is None:
            self.health.rejected += 1
            LOGGER.debug("Refused a push body over %s bytes", MAX_BODY_BYTES)
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        decoded = _decode_events(body)
        if decoded is None:
            self.health.rejected += 1
            LOGGER.debug("Refused a push body that holds no events")
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        events, malformed = decoded
        self.health.rejected += malformed
        if (answer := validation_response(events)) is not None:
            LOGGER.debug("Answering the push endpoint validation")
            return web.json_response(answer)
        self.health.deliveries += 1
        self.health.last_delivery = dt_util.utcnow()
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
                self.health.ignored += 1
                LOGGER.debug("Ignoring a pushed state of a thermostat this entry lacks")
                continue
            self.health.events += 1
            now = self.health.last_event = dt_util.utcnow()
            if event.event_time is not None:
                self.health.last_event_lag = now - event.event_time
            if status.plant_id in self._subscribed:
                self.health.receiving.add(status.plant_id)
                if self.health.heard(status.plant_id, now):
                    self._silence_ended(plant.plant.name or "A Smarther plant")
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
    def _watch_silence(self) -> None:
        """Tell of plants whose push fell silent, and renew their subscriptions now and then."""
        health = self.health
        plants = self.coordinator.data.smarther
        # Homes that left, or push that stopped for want of an address: nothing is silent.
        for plant_id in [p for p in health.silent if p not in plants or not self._url]:
            health.silent.pop(plant_id)
        if not health.silent:
            self._silence_ended(None)
            return
        names = sorted(plants[p].plant.name or "?" for p in health.silent)
        if health.state is not PushState.SILENT:
            health.state = PushState.SILENT
            LOGGER.warning(
                "Legrand stopped pushing thermostat changes of %s; polling them instead",
                ", ".join(names),
            )
        raise_issue(
            self.hass,
            self.entry,
            ISSUE_PUSH_SILENT,
            {"homes": ", ".join(names)},
            severity=ir.IssueSeverity.WARNING,
        )
        now = dt_util.utcnow()
        due = [p for p in health.silent if health.resubscribe_due(p, now)]
        for plant_id in due:
            health.resubscribed_at[plant_id] = now
        if due and not self._stopped:
            self.entry.async_create_task(
                self.hass, self._async_resubscribe(due), "legrand_eliot push renewal"
            )

    async def _async_resubscribe(self, plant_ids: list[str]) -> None:
        """Replace the subscriptions of silent plants: a fresh one may be delivered again."""
        async with self._lock:
            # After a stop nothing is left subscribed: nothing to delete.
            for plant_id in set(plant_ids) & set(self._subscribed):
                await self._async_unsubscribe(plant_id)
        # A stop in between is seen here: nothing is subscribed again.
        await self.async_sync()

    @callback
    def _silence_ended(self, name: str | None) -> None:
        """Push delivers again (or the silent plants left): clear the notice."""
        if self.health.silent:
            return
        clear_issue(self.hass, self.entry, ISSUE_PUSH_SILENT)
        if self.health.state is PushState.SILENT:
            self.health.state = self._subscribed_state()
            if name is not None:
                LOGGER.info("Legrand pushes thermostat changes of %s again", name)

    @callback
    def _flush(self, _now: datetime) -> None:
        """Write the last queued state of each thermostat, once for the whole burst."""
        self._cancel_flush = None
        pending = list(self._pending.values())
        self._pending.clear()
        self.coordinator.apply_pushed(pending)


@callback
def async_setup_push(
    hass: HomeAssistant,
    entry: ConfigEntry,
    coordinator: LegrandEliotCoordinator,
) -> EliotPush:
    """Start push for a loaded entry: its webhook id is created once and kept in the entry."""
    if not isinstance(entry.data.get(CONF_WEBHOOK_ID), str):
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_WEBHOOK_ID: webhook.async_generate_id()}
        )
    push = EliotPush(hass, entry, coordinator)
    push.async_start()
    entry.async_on_unload(push.async_stop)
    return push


async def async_remove_push(
    hass: HomeAssistant,
    entry: ConfigEntry,
    client_factory: Callable[[], Awaitable[EliotClient]],
) -> None:
    """Clean up after a removed entry: its cloudhook, and subscriptions an unload left behind."""
    webhook_id = entry.data.get(CONF_WEBHOOK_ID)
    if not isinstance(webhook_id, str):
        return
    if _cloud_active(hass):
        from homeassistant.components import cloud

        try:
            await cloud.async_delete_cloudhook(hass, webhook_id)
        except cloud.CloudNotAvailable:
            LOGGER.debug("Home Assistant Cloud is not available: cloudhook kept")
    recorded = entry.data.get(CONF_PUSH_URL)
    if not isinstance(recorded, str):
        return
    try:
        client = await client_factory()
        for subscription in await client.subscriptions():
            if _is_ours(subscription, {recorded}, webhook_id):
                await client.unsubscribe(
                    subscription.plant_id, subscription.subscription_id
                )
    except (EliotError, HomeAssistantError, ClientError) as err:
        LOGGER.debug("Push subscriptions of a removed entry stay: %s", err)

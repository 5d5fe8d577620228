"""Push subscriptions: the address Legrand posts to, and each Smarther plant's subscription.

Every Smarther plant of the account is subscribed to one address of this entry's webhook (a
cloudhook, else the external https address); plants that come or go are subscribed or
unsubscribed, failed ones retried, and the subscription of a plant whose push fell silent is
renewed now and then. Without an address push is off and a repair issue tells how to get it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID, EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util

from .const import CONF_CLOUD_URL, LOGGER
from .coordinator import LegrandEliotConfigEntry, LegrandEliotCoordinator
from .eliot import EliotClient, EliotConflictError, EliotError, Subscription
from .eliot.ids import hashed_id
from .issues import ISSUE_NO_PUSH_URL, clear_issue, raise_issue
from .push_receiver import PushReceiver
from .push_silence import SilenceWatch

if TYPE_CHECKING:
    from homeassistant.components.cloud import CloudConnectionState

# The address the entry last subscribed with: subscriptions to it are this entry's even when
# the address itself (a cloudhook) does not name the webhook.
CONF_PUSH_URL = "push_url"
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


class PushSubscriptions:
    """The subscriptions of one entry's Smarther plants to the address of its webhook."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: LegrandEliotConfigEntry,
        coordinator: LegrandEliotCoordinator,
    ) -> None:
        """Prepare push for an entry whose first refresh is done; nothing is sent yet."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.health = coordinator.push
        self.webhook_id: str = entry.data[CONF_WEBHOOK_ID]
        self._url: str | None = None
        self._cancel_retry: CALLBACK_TYPE | None = None
        self.lock = asyncio.Lock()
        self._stopped = False
        self._plants_seen: frozenset[str] = frozenset()
        self._no_url_logged = False
        self.silence = SilenceWatch(hass, entry, coordinator, self)

    @property
    def url(self) -> str | None:
        """Return the address the plants are subscribed to; None before the first sync."""
        return self._url

    @property
    def stopped(self) -> bool:
        """Return whether push stopped (the entry unloads)."""
        return self._stopped

    @property
    def _subscribed(self) -> dict[str, str]:
        """Return the subscription id of each subscribed plant."""
        return self.health.subscriptions

    @callback
    def async_start(self) -> None:
        """Subscribe once Home Assistant serves the webhook, and again on changes."""
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
            self.silence.watch()

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
        async with self.lock:
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
            self._url = None
            self._no_url(bool(plants))
            return
        clear_issue(self.hass, self.entry, ISSUE_NO_PUSH_URL)
        self._no_url_logged = False
        url, kind = found
        if url != self._url:
            # Subscriptions to a former address of ours would post nowhere: replace them all.
            await self._async_unsubscribe_all()
            self._url = url
        self.health.note_address(kind)
        for plant_id in [p for p in self._subscribed if p not in plants]:
            await self.async_unsubscribe(plant_id)
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
        self.health.note_no_address(has_plants)
        if not has_plants:
            clear_issue(self.hass, self.entry, ISSUE_NO_PUSH_URL)
            return
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
        if self.health.settle(plants):
            self._cancel_retry = async_call_later(self.hass, RETRY_DELAY, self._retry)

    async def async_listing(self) -> list[Subscription] | None:
        """Return the account's subscriptions; None when they cannot be read now."""
        try:
            return await self.coordinator.client.subscriptions()
        except (EliotError, HomeAssistantError, ClientError) as err:
            LOGGER.debug("Push subscriptions could not be listed: %s", err)
            return None

    async def _async_clean_and_adopt(self, url: str, missing: list[str]) -> None:
        """Keep our live subscriptions to this address; delete our stale ones, not others'."""
        listing = await self.async_listing()
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
                self.health.note_adopted(
                    subscription.plant_id, subscription.subscription_id
                )
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
                for subscription in await self.async_listing() or []:
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
        self.health.note_subscribed(plant_id, subscription_id, dt_util.utcnow())
        LOGGER.debug("Push set up for %s", name)

    async def _async_delete(self, plant_id: str, subscription: Subscription) -> None:
        """Delete one stale subscription of ours, if the cloud lets us."""
        try:
            await self.coordinator.client.unsubscribe(
                plant_id, subscription.subscription_id
            )
        except (EliotError, HomeAssistantError, ClientError) as err:
            LOGGER.debug("A stale push subscription could not be deleted: %s", err)

    async def async_unsubscribe(self, plant_id: str) -> bool:
        """Delete a plant's subscription; return whether the cloud no longer has it."""
        subscription_id = self.health.note_unsubscribed(plant_id)
        try:
            await self.coordinator.client.unsubscribe(plant_id, subscription_id)
        except (EliotError, HomeAssistantError, ClientError) as err:
            LOGGER.debug("A push subscription could not be deleted: %s", err)
            return False
        return True

    async def _async_unsubscribe_all(self) -> bool:
        """Delete every subscription of ours; return whether all of them are gone."""
        results = [await self.async_unsubscribe(p) for p in list(self._subscribed)]
        return all(results)

    async def async_stop(self) -> None:
        """Stop push: delete the subscriptions (on unload)."""
        self._stopped = True
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        async with self.lock:
            all_gone = await self._async_unsubscribe_all()
        self.health.note_stopped()
        if all_gone and CONF_PUSH_URL in self.entry.data:
            # Nothing posts to the recorded address any more: removal has nothing to clean.
            self.hass.config_entries.async_update_entry(
                self.entry,
                data={k: v for k, v in self.entry.data.items() if k != CONF_PUSH_URL},
            )
        await self.coordinator.async_save_stores_now()


@callback
def async_setup_push(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
    coordinator: LegrandEliotCoordinator,
) -> PushSubscriptions:
    """Start push for a loaded entry: its webhook id is created once and kept in the entry."""
    if not isinstance(entry.data.get(CONF_WEBHOOK_ID), str):
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_WEBHOOK_ID: webhook.async_generate_id()}
        )
    subscriptions = PushSubscriptions(hass, entry, coordinator)
    receiver = PushReceiver(
        hass, coordinator, subscriptions.webhook_id, subscriptions.silence.ended
    )
    receiver.async_start()
    subscriptions.async_start()

    async def async_stop() -> None:
        """Stop push on unload: no delivery is taken any more, then no plant is subscribed."""
        receiver.async_stop()
        await subscriptions.async_stop()

    entry.async_on_unload(async_stop)
    return subscriptions


async def async_remove_push(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
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

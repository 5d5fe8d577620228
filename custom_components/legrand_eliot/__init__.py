"""The Legrand Eliot integration: Works with Legrand devices in Home Assistant."""

from __future__ import annotations

import asyncio

from aiohttp import ClientError
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import OAuth2TokenRequestBaseError
from homeassistant.helpers import config_entry_oauth2_flow, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util

from .cloud import api_base_url
from .const import (
    CONF_DAILY_BUDGET,
    CONF_SUBSCRIPTION_KEY,
    DEFAULT_DAILY_BUDGET,
    DOMAIN,
    LOGGER,
)
from .coordinator import (
    LegrandEliotConfigEntry,
    LegrandEliotCoordinator,
    LegrandEliotRuntimeData,
)
from .eliot import EliotClient, QuotaBudget
from .error_mapping import setup_error
from .oauth import EliotOAuth2Session
from .push_subscriptions import async_remove_push, async_setup_push
from .stores import EntryStores
from .takeover import async_watch_takeover

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.CLIMATE,
    Platform.COVER,
    Platform.LIGHT,
    Platform.SCENE,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]


async def async_setup_entry(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry
) -> bool:
    """Set up Legrand Eliot from a config entry, to the end even if its caller goes away.

    Home Assistant sets a new entry up inside the HTTP request of the flow's last step, and that
    request is cancelled when the page closes (often in the seconds after the Legrand consent).
    A cancelled setup would leave the entry failed, never retried, and the flow half-finished.
    The setup therefore runs in a task of its own that such a cancellation does not reach; only
    Home Assistant stopping cancels it.
    """
    setup = hass.async_create_task(
        _async_setup_entry(hass, entry),
        f"{DOMAIN} setup {entry.entry_id}",
        eager_start=True,
    )
    while True:
        try:
            return await asyncio.shield(setup)
        except asyncio.CancelledError:
            if hass.is_stopping:
                setup.cancel()
                raise
            current = asyncio.current_task()
            assert current is not None  # a coroutine runs in a task
            current.uncancel()
            LOGGER.debug("The setup goes on after its caller went away")


async def _async_setup_entry(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry
) -> bool:
    """Set up the entry: its client, coordinator, first data, push and platforms."""
    client = await _async_client(hass, entry)
    coordinator = LegrandEliotCoordinator(hass, entry, client)
    # Told the moment any call meets the quota or a token the account no longer accepts.
    client.on_quota = coordinator.quota_refused
    client.on_auth_failure = lambda _err: entry.async_start_reauth(hass)
    await coordinator.async_restore_budget()
    await coordinator.async_restore_learned()
    entry.async_on_unload(coordinator.async_save_stores_now)
    # With the account kept from the last run, entities come at once (unavailable until the
    # first poll), and that first refresh only polls; without it, the first refresh reads it.
    restored = await coordinator.async_restore_account()
    if not restored:
        await coordinator.async_config_entry_first_refresh()
    entry.async_on_unload(coordinator.async_save_account_now)

    entry.runtime_data = LegrandEliotRuntimeData(client=client, coordinator=coordinator)
    async_setup_push(hass, entry, coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Entities of other Smarther integrations for these thermostats: offer to take them over.
    async_watch_takeover(hass, entry, coordinator)
    if restored:
        entry.async_create_task(
            hass, coordinator.async_refresh(), "legrand_eliot first refresh"
        )
    return True


async def _async_client(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry
) -> EliotClient:
    """Build the entry's client around a valid token; token problems become setup errors."""
    try:
        implementation = (
            await config_entry_oauth2_flow.async_get_config_entry_implementation(
                hass, entry
            )
        )
    except config_entry_oauth2_flow.ImplementationUnavailableError as err:
        raise setup_error(err) from err
    session = EliotOAuth2Session(hass, entry, implementation)
    try:
        await session.async_ensure_token_valid()
    except (OAuth2TokenRequestBaseError, ClientError) as err:
        raise setup_error(err) from err
    return EliotClient(
        session=async_get_clientsession(hass),
        token_callback=session.async_access_token,
        refresh_callback=session.async_refresh_refused,
        subscription_key=entry.data[CONF_SUBSCRIPTION_KEY],
        base_url=api_base_url(entry.data),
        budget=QuotaBudget(
            daily_limit=entry.options.get(CONF_DAILY_BUDGET, DEFAULT_DAILY_BUDGET),
            time_zone=dt_util.get_default_time_zone(),
            clock=dt_util.utcnow,
        ),
    )


async def async_unload_entry(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry
) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry
) -> None:
    """Forget every store of a removed entry (budget, schedule, account); clean up its push."""
    await EntryStores(hass, entry.entry_id).async_remove()

    async def client() -> EliotClient:
        """Build a client, only when subscriptions are left to delete."""
        return await _async_client(hass, entry)

    await async_remove_push(hass, entry, client)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Let the user remove a device only once the account no longer has it."""
    known = entry.runtime_data.coordinator.data.device_ids()
    return not any(
        identifier in known
        for domain, identifier in device_entry.identifiers
        if domain == DOMAIN
    )

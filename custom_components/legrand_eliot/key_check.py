"""The subscription-key check: whether a token and key can read an account's plants.

The config flow checks a new account with it, and the flow that replaces a refused key (a
repair, a reconfiguration) checks the new key with the entry's linked account.
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
from typing import TYPE_CHECKING

from aiohttp import ClientError
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import OAuth2TokenRequestBaseError
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .cloud import api_base_url
from .const import CONF_SUBSCRIPTION_KEY
from .eliot import EliotClient
from .eliot.exceptions import (
    EliotAuthError,
    EliotConnectionError,
    EliotError,
    EliotNotFoundError,
    EliotQuotaExceededError,
    EliotServerError,
)
from .eliot.plant_models import Plant
from .error_mapping import flow_error
from .oauth import EliotOAuth2Session

if TYPE_CHECKING:
    from .coordinator import LegrandEliotConfigEntry

_LOGGER = logging.getLogger(__name__)

KEY_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SUBSCRIPTION_KEY): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
    }
)


@dataclass(frozen=True, slots=True)
class Account:
    """An account the token and key can read, with the client that read it."""

    client: EliotClient
    home_control: list[Plant]
    smarther: list[Plant]


class AccountCheckError(Exception):
    """The account cannot be used with this token and key; `reason` is the flow's error key."""

    def __init__(self, reason: str) -> None:
        """Remember the error key the form shows."""
        super().__init__(reason)
        self.reason = reason


async def async_read_account(
    hass: HomeAssistant, access_token: str, subscription_key: str, base_url: str
) -> Account:
    """Call both plants endpoints with this token and key; raise AccountCheckError if unusable.

    An account with no plant at all in either API cannot give Home Assistant anything to show.
    A 404 on the Home + Control plants list means that API is retired for the account: the
    Smarther plants may still be there.
    """

    async def token() -> str:
        return access_token

    client = EliotClient(
        session=async_get_clientsession(hass),
        token_callback=token,
        subscription_key=subscription_key,
        base_url=base_url,
    )
    try:
        try:
            home_control = await client.hc_plants()
        except EliotNotFoundError:
            home_control = []
        smarther = await client.smarther_plants()
    except EliotAuthError as err:
        _LOGGER.debug("The test call was refused: %s", err)
        raise AccountCheckError(flow_error(err)) from err
    except EliotQuotaExceededError as err:
        _LOGGER.debug("The test call hit the quota: %s", err)
        raise AccountCheckError("quota_exceeded") from err
    except (EliotConnectionError, EliotServerError) as err:
        _LOGGER.debug("The Legrand cloud could not be reached: %s", err)
        raise AccountCheckError("cannot_connect") from err
    except EliotError as err:
        _LOGGER.warning("Unexpected answer to the test call: %s", err)
        raise AccountCheckError("unknown") from err
    if not home_control and not smarther:
        raise AccountCheckError("no_plants")
    return Account(client, home_control, smarther)


async def async_check_account(
    hass: HomeAssistant, access_token: str, subscription_key: str, base_url: str
) -> str | None:
    """Test a token and key on both plants endpoints; return an error key, or None if usable."""
    try:
        await async_read_account(hass, access_token, subscription_key, base_url)
    except AccountCheckError as err:
        return err.reason
    return None


async def async_check_entry_key(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry, subscription_key: str
) -> str | None:
    """Test a new subscription key with an entry's linked account; return an error key or None."""
    try:
        access_token = await _async_entry_token(hass, entry)
    except (
        config_entry_oauth2_flow.ImplementationUnavailableError,
        OAuth2TokenRequestBaseError,
        ClientError,
    ) as err:
        return flow_error(err)
    error = await async_check_account(
        hass, access_token, subscription_key, api_base_url(entry.data)
    )
    # The key works even when the account has no plant left.
    return None if error == "no_plants" else error


async def _async_entry_token(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry
) -> str:
    """
    Return a valid access token of an entry.

    A loaded entry's own session gives it: a refresh then takes that session's lock, so a
    rotating refresh token is never redeemed twice by the entry and the flow at once.
    """
    if entry.state is ConfigEntryState.LOADED:
        return await entry.runtime_data.client.token_callback()
    implementation = (
        await config_entry_oauth2_flow.async_get_config_entry_implementation(
            hass, entry
        )
    )
    return await EliotOAuth2Session(hass, entry, implementation).async_access_token()

"""Config flow for Legrand Eliot: subscription key, account linking, reauth, reconfigure, options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import logging
from typing import Any, override

from aiohttp import ClientError
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .areas import async_create_areas, async_read_room_names
from .cloud import api_base_url, cloud_url_override, login_base_url
from .const import (
    CONF_CLOUD_URL,
    CONF_DAILY_BUDGET,
    CONF_SUBSCRIPTION_KEY,
    DEFAULT_DAILY_BUDGET,
    DEVELOPER_PORTAL_URL,
    DOMAIN,
    MAX_DAILY_BUDGET,
    MIN_DAILY_BUDGET,
    NETATMO_INTEGRATION_URL,
)
from .eliot import EliotClient
from .eliot.exceptions import (
    EliotAuthError,
    EliotConnectionError,
    EliotError,
    EliotNotFoundError,
    EliotQuotaExceededError,
    EliotServerError,
)
from .eliot.models import Plant
from .identity import IdentityError, async_account_subject
from .oauth import EliotOAuth2Session

_LOGGER = logging.getLogger(__name__)

KEY_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SUBSCRIPTION_KEY): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
    }
)
PLACEHOLDERS = {"developer_portal_url": DEVELOPER_PORTAL_URL}


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
        raise AccountCheckError(
            "invalid_subscription_key"
            if err.invalid_subscription_key
            else "invalid_auth"
        ) from err
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
    hass: HomeAssistant, entry: ConfigEntry, subscription_key: str
) -> str | None:
    """Test a new subscription key with an entry's linked account; return an error key or None."""
    try:
        access_token = await _async_entry_token(hass, entry)
    except OAuth2TokenRequestReauthError:
        return "invalid_auth"
    except (
        config_entry_oauth2_flow.ImplementationUnavailableError,
        OAuth2TokenRequestBaseError,
        ClientError,
    ):
        return "cannot_connect"
    error = await async_check_account(
        hass, access_token, subscription_key, api_base_url(entry.data)
    )
    # The key works even when the account has no plant left.
    return None if error == "no_plants" else error


async def _async_entry_token(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """
    Return a valid access token of an entry.

    A loaded entry's own session gives it: a refresh then takes that session's lock, so a
    rotating refresh token is never redeemed twice by the entry and the flow at once.
    """
    if entry.state is ConfigEntryState.LOADED:
        client: EliotClient = entry.runtime_data.client
        return await client.token_callback()
    implementation = (
        await config_entry_oauth2_flow.async_get_config_entry_implementation(
            hass, entry
        )
    )
    return await EliotOAuth2Session(hass, entry, implementation).async_access_token()


class LegrandEliotFlowHandler(
    config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN
):
    """Link a Legrand account: subscription key first, then the Legrand login."""

    DOMAIN = DOMAIN
    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing known about the account."""
        super().__init__()
        self._subscription_key: str | None = None
        self._oauth_data: dict[str, Any] | None = None

    @property
    @override
    def logger(self) -> logging.Logger:
        """Return the logger of the flow."""
        return _LOGGER

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow: the daily call budget."""
        return LegrandEliotOptionsFlow()

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the subscription key of the developer account, then link the account.

        Without application credentials the flow stops before asking anything: Home Assistant
        then asks for the client ID and secret and starts the flow again, so the key is asked
        once, after them, in the order the README gives.
        """
        if user_input is not None:
            self._subscription_key = user_input[CONF_SUBSCRIPTION_KEY].strip()
            return await self.async_step_pick_implementation()
        if not await self._has_implementation():
            return await self.async_step_pick_implementation()
        return self.async_show_form(
            step_id="user",
            data_schema=KEY_SCHEMA,
            description_placeholders=PLACEHOLDERS,
        )

    async def _has_implementation(self) -> bool:
        """Return whether application credentials to sign in with exist."""
        try:
            return bool(
                await config_entry_oauth2_flow.async_get_implementations(
                    self.hass, DOMAIN
                )
            )
        except config_entry_oauth2_flow.ImplementationUnavailableError:
            return False

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Sign in again when Legrand no longer accepts the stored tokens."""
        self._subscription_key = entry_data[CONF_SUBSCRIPTION_KEY]
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain why signing in again is needed."""
        if user_input is None:
            return self.async_show_form(step_id="reauth_confirm")
        return await self.async_step_pick_implementation()

    @override
    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Identify the account from the id_token, then test the token with the key."""
        implementation = self.flow_impl
        if not isinstance(
            implementation, config_entry_oauth2_flow.LocalOAuth2Implementation
        ):
            return self.async_abort(reason="invalid_id_token")
        try:
            subject = await async_account_subject(
                async_get_clientsession(self.hass),
                login_base_url(),
                implementation.client_id,
                data[CONF_TOKEN].get("id_token"),
            )
        except IdentityError as err:
            _LOGGER.warning("The account could not be identified: %s", err)
            return self.async_abort(reason=err.reason)

        await self.async_set_unique_id(subject)
        if self.source == SOURCE_REAUTH:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
        else:
            self._abort_if_unique_id_configured()
        self._oauth_data = data
        return await self.async_step_check()

    async def async_step_check(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Test the new token and the key on both plants endpoints before saving anything.

        A new entry first gets the account's rooms as areas (one topology read per plant).
        """
        assert self._oauth_data is not None and self._subscription_key is not None
        if user_input is not None:
            self._subscription_key = user_input[CONF_SUBSCRIPTION_KEY].strip()
        cloud_url = cloud_url_override()
        try:
            account = await async_read_account(
                self.hass,
                self._oauth_data[CONF_TOKEN][CONF_ACCESS_TOKEN],
                self._subscription_key,
                api_base_url(),
            )
        except AccountCheckError as err:
            if err.reason == "no_plants":
                return self.async_abort(
                    reason="no_plants",
                    description_placeholders={"netatmo_url": NETATMO_INTEGRATION_URL},
                )
            # The login went well: only the key (or the network) needs another try.
            return self.async_show_form(
                step_id="check",
                data_schema=KEY_SCHEMA,
                errors={"base": err.reason},
                description_placeholders=PLACEHOLDERS,
            )

        data = {**self._oauth_data, CONF_SUBSCRIPTION_KEY: self._subscription_key}
        if cloud_url is not None:
            data[CONF_CLOUD_URL] = cloud_url
        if self.source == SOURCE_REAUTH:
            return self.async_update_reload_and_abort(
                self._get_reauth_entry(), data_updates=data
            )
        # The rooms become areas before the entry (and its devices) exist: see areas.py.
        async_create_areas(
            self.hass,
            await async_read_room_names(
                account.client, account.home_control, account.smarther
            ),
        )
        return self.async_create_entry(title="Legrand Eliot", data=data)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Replace the subscription key, tested with the entry's current token first."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            key = user_input[CONF_SUBSCRIPTION_KEY].strip()
            if (error := await async_check_entry_key(self.hass, entry, key)) is None:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_SUBSCRIPTION_KEY: key}
                )
            errors["base"] = error
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=KEY_SCHEMA,
            errors=errors,
            description_placeholders=PLACEHOLDERS,
        )


class LegrandEliotOptionsFlow(OptionsFlowWithReload):
    """Options: the daily call budget of the developer subscription; saving reloads."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the daily budget (500 for the free Starter Kit)."""
        if user_input is not None:
            return self.async_create_entry(
                data={CONF_DAILY_BUDGET: int(user_input[CONF_DAILY_BUDGET])}
            )
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_DAILY_BUDGET,
                    default=self.config_entry.options.get(
                        CONF_DAILY_BUDGET, DEFAULT_DAILY_BUDGET
                    ),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_DAILY_BUDGET,
                        max=MAX_DAILY_BUDGET,
                        step=1,
                        mode=NumberSelectorMode.BOX,
                    )
                )
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)

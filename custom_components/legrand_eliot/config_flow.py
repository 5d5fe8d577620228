"""Config flow for Legrand Eliot: subscription key, account linking, reauth, reconfigure, options."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import logging
import time
from typing import Any, override

from aiohttp import ClientError
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_TOKEN
from homeassistant.core import callback
from homeassistant.exceptions import (
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
from homeassistant.setup import async_setup_component
import probatio as vol

from .areas import async_create_areas, async_read_rooms
from .cloud import api_base_url, cloud_url_override, login_base_url
from .const import (
    CONF_CLOUD_URL,
    CONF_DAILY_BUDGET,
    CONF_SUBSCRIPTION_KEY,
    DEFAULT_DAILY_BUDGET,
    DOMAIN,
    MAX_DAILY_BUDGET,
    MIN_DAILY_BUDGET,
    NETATMO_INTEGRATION_URL,
)
from .credentials_flow import (
    CHECK_ERRORS,
    EXPIRED_SECRET,
    PLACEHOLDERS,
    CredentialsFlow,
    forgotten_when_cancelled,
)
from .identity import IdentityError, async_account_subject
from .key_check import (
    KEY_SCHEMA,
    AccountCheckError,
    async_check_entry_key,
    async_read_account,
)
from .oauth import ClientCheck, ClientCredentialRefusedError

_LOGGER = logging.getLogger(__name__)

# How long the code exchange may take, as Home Assistant's own OAuth2 flow allows it.
TOKEN_EXCHANGE_TIMEOUT = 30


class LegrandEliotFlowHandler(CredentialsFlow, domain=DOMAIN):
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
    @forgotten_when_cancelled
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the subscription key of the developer account, then link the account.

        Without application credentials the flow stops before asking anything: Home Assistant
        then asks for the client ID and secret and starts the flow again, so the key is asked
        once, after them, in the order the README gives. With one set of credentials, Legrand
        is asked first whether it knows them, so that a wrong client ID or secret is corrected
        before the key and the sign-in, not after.
        """
        if user_input is not None:
            self._subscription_key = user_input[CONF_SUBSCRIPTION_KEY].strip()
            if self._replaced is not None:
                # Credentials corrected in this flow: sign in with them.
                return await self.async_step_auth()
            return await self.async_step_pick_implementation()
        implementations = await self._implementations()
        if not implementations:
            return await self.async_step_pick_implementation()
        if len(implementations) == 1:
            (implementation,) = implementations.values()
            if (error := await self._async_client_problem(implementation)) is not None:
                self.flow_impl = implementation
                return await self._async_ask_credentials(error)
        return self._show_key_form()

    def _show_key_form(self) -> ConfigFlowResult:
        """Show the form that asks for the subscription key."""
        return self.async_show_form(
            step_id="user",
            data_schema=KEY_SCHEMA,
            description_placeholders=PLACEHOLDERS,
        )

    @override
    async def _async_go_on(self) -> ConfigFlowResult:
        """Go on after corrected credentials: ask for the key, or sign in once it is known."""
        if self._subscription_key is None:
            return self._show_key_form()
        return await self.async_step_auth()

    async def _implementations(
        self,
    ) -> dict[str, config_entry_oauth2_flow.AbstractOAuth2Implementation]:
        """Return the application credentials to sign in with (none when unavailable)."""
        try:
            return await config_entry_oauth2_flow.async_get_implementations(
                self.hass, DOMAIN
            )
        except config_entry_oauth2_flow.ImplementationUnavailableError:
            return {}

    @forgotten_when_cancelled
    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Sign in again when Legrand no longer accepts the stored tokens.

        When it is the application's client secret that Legrand no longer accepts (secrets
        expire), signing in again cannot help: the flow asks for a new secret instead.
        """
        self._subscription_key = entry_data[CONF_SUBSCRIPTION_KEY]
        try:
            implementation = (
                await config_entry_oauth2_flow.async_get_config_entry_implementation(
                    self.hass, self._get_reauth_entry()
                )
            )
        except config_entry_oauth2_flow.ImplementationUnavailableError, ValueError:
            # Gone or unavailable credentials: the sign-in asks for them.
            return await self.async_step_reauth_confirm()
        if (error := await self._async_client_problem(implementation)) is not None:
            self.flow_impl = implementation
            return await self._async_ask_credentials(
                EXPIRED_SECRET if error == "invalid_client_secret" else error
            )
        return await self.async_step_reauth_confirm()

    @forgotten_when_cancelled
    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain why signing in again is needed."""
        if user_input is None:
            return self.async_show_form(step_id="reauth_confirm")
        if self._replaced is not None:
            # Credentials corrected in this flow: sign in with them.
            return await self.async_step_auth()
        return await self.async_step_pick_implementation()

    @override
    @forgotten_when_cancelled
    async def async_step_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Send the person to Legrand's sign-in, once Legrand accepts the credentials."""
        if user_input is None and (
            error := await self._async_client_problem(self.flow_impl)
        ):
            return await self._async_ask_credentials(
                EXPIRED_SECRET
                if error == "invalid_client_secret" and self.source == SOURCE_REAUTH
                else error
            )
        return await super().async_step_auth(user_input)

    @override
    @forgotten_when_cancelled
    async def async_step_creation(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Exchange the code for tokens; a refused client ID or secret is asked for again.

        Legrand checks the client before the code, so after a correction the same code is
        tried again; if it is no longer valid, the person signs in again.
        """
        try:
            async with asyncio.timeout(TOKEN_EXCHANGE_TIMEOUT):
                token = await self.flow_impl.async_resolve_external_data(
                    self.external_data
                )
        except TimeoutError:
            _LOGGER.warning("The Legrand login did not answer the code exchange")
            return self.async_abort(reason="oauth_timeout")
        except ClientCredentialRefusedError as err:
            _LOGGER.warning("Legrand refused the application's %s", err.refused)
            return await self._async_ask_credentials(
                EXPIRED_SECRET
                if err.refused == "client_secret" and self.source == SOURCE_REAUTH
                else CHECK_ERRORS[ClientCheck(err.refused.value)]
            )
        except OAuth2TokenRequestReauthError:
            if self._replaced is not None:
                # The code did not outlive the correction: sign in again.
                self.external_data = None
                return await self.async_step_auth()
            _LOGGER.warning("Legrand refused the code of the sign-in")
            return self.async_abort(reason="oauth_unauthorized")
        except OAuth2TokenRequestError, OAuth2TokenRequestBaseError, ClientError:
            _LOGGER.warning(
                "The Legrand login's answer to the code exchange was unusable"
            )
            return self.async_abort(reason="oauth_failed")
        # The answer is normalised (oauth.py): `expires_in` is there, a whole number.
        token["expires_at"] = time.time() + token["expires_in"]
        return await self.async_oauth_create_entry(
            {"auth_implementation": self.flow_impl.domain, CONF_TOKEN: token}
        )

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

    @forgotten_when_cancelled
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
            result = self.async_update_reload_and_abort(
                self._get_reauth_entry(), data_updates=data
            )
            await self._async_forget_replaced()
            return result
        # The rooms become areas before the entry (and its devices) exist: see areas.py.
        async_create_areas(
            self.hass,
            await async_read_rooms(
                account.client, account.home_control, account.smarther
            ),
        )
        # Home Assistant sets the new entry up inside this step's request, which a closing page
        # cancels. For the integration's first entry it would do so through the integration's
        # own setup, which cannot stop such a cancellation from ending this flow half-way (the
        # flow would then keep the account's unique id). Set up now, while it has no entry
        # (nothing to do), it lets the first setup run where async_setup_entry sees it through.
        await async_setup_component(self.hass, DOMAIN, {})
        return self.async_create_entry(title="Legrand Eliot", data=data)

    @forgotten_when_cancelled
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

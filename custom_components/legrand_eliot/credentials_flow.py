"""The config flow's application credentials: ask Legrand about them, take corrected ones.

Legrand checks the client ID and secret before anything else; one it refuses (a typo, a secret
that expired) cannot be fixed by signing in again. `CredentialsFlow` is the flow's base: it asks
Legrand about the credentials once a flow, shows the credentials form with what was refused,
stores accepted ones in place of the refused ones and goes on where the flow stopped. The flow
itself (config_flow.py) says where that is. A step wrapped in `forgotten_when_cancelled`
removes its flow when the page that asked for it closes.
"""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from collections.abc import Awaitable, Callable, Coroutine
import contextlib
import functools
from typing import Any, Concatenate

from aiohttp import ClientError
from homeassistant.components.application_credentials import ClientCredential
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import UnknownFlow
from homeassistant.exceptions import OAuth2TokenRequestBaseError
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .application_credentials import async_get_authorization_server
from .client_secret import secret_renewed
from .const import DEVELOPER_PORTAL_URL, DOMAIN
from .credentials import async_forget_credential, async_store_credential
from .oauth import ClientCheck, LegrandOAuth2Implementation

CREDENTIALS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_CLIENT_ID): TextSelector(),
        vol.Required(CONF_CLIENT_SECRET): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        ),
    }
)
PLACEHOLDERS = {"developer_portal_url": DEVELOPER_PORTAL_URL}
# The form error that says what Legrand refused of the application credentials.
CHECK_ERRORS = {
    ClientCheck.CLIENT_ID_REFUSED: "invalid_client_id",
    ClientCheck.CLIENT_SECRET_REFUSED: "invalid_client_secret",
    ClientCheck.UNREACHABLE: "cannot_connect",
}
# A secret refused during re-authentication was accepted before: it has expired (or was
# replaced on the portal).
EXPIRED_SECRET = "client_secret_expired"


async def async_check_credentials(
    hass: HomeAssistant, client_id: str, client_secret: str
) -> ClientCheck:
    """Ask Legrand about a client ID and secret before anything is stored."""
    candidate = LegrandOAuth2Implementation(
        hass,
        DOMAIN,
        ClientCredential(client_id, client_secret),
        await async_get_authorization_server(hass),
    )
    return await candidate.async_check_client()


async def async_refreshed_token(
    implementation: config_entry_oauth2_flow.AbstractOAuth2Implementation,
    entry: ConfigEntry,
) -> dict[str, Any] | None:
    """Refresh the entry's token with new credentials; None when Legrand refuses it too.

    A refresh token belongs to the account and the client ID, not to the secret: after an
    expired secret is replaced, the entry usually needs no new sign-in at all.
    """
    try:
        return await implementation.async_refresh_token(dict(entry.data[CONF_TOKEN]))
    except OAuth2TokenRequestBaseError, ClientError:
        return None


def forgotten_when_cancelled[F: CredentialsFlow, **P](
    step: Callable[Concatenate[F, P], Awaitable[ConfigFlowResult]],
) -> Callable[Concatenate[F, P], Coroutine[Any, Any, ConfigFlowResult]]:
    """Make a step remove its flow when the task running it is cancelled.

    Home Assistant runs a step inside the HTTP request that asked for it, and that request is
    cancelled when its page closes. A flow left in progress then keeps the account's unique id,
    and every new attempt to add the account is refused as "already in progress".
    """

    async def run(flow: F, /, *args: P.args, **kwargs: P.kwargs) -> ConfigFlowResult:
        try:
            return await step(flow, *args, **kwargs)
        except asyncio.CancelledError:
            flow.async_forget()
            raise

    functools.update_wrapper(run, step)
    return run


class CredentialsFlow(config_entry_oauth2_flow.AbstractOAuth2FlowHandler):
    """A Legrand sign-in flow that asks again for the application credentials Legrand refuses."""

    def __init__(self) -> None:
        """Start with no credentials asked about."""
        super().__init__()
        # Implementations (auth domains) whose client id and secret Legrand accepted.
        self._accepted: set[str] = set()
        # What the credentials form says Legrand refused, and the refused credential the
        # corrected one replaced (deleted once no entry uses it).
        self._credentials_error = "invalid_client_secret"
        self._replaced: str | None = None

    @callback
    def async_forget(self) -> None:
        """Remove this flow from the flows in progress: the account's unique id is free again."""
        self.logger.debug("The flow's page went away: the flow is forgotten")
        with contextlib.suppress(UnknownFlow):
            self.hass.config_entries.flow.async_abort(self.flow_id)

    async def _async_client_problem(
        self, implementation: config_entry_oauth2_flow.AbstractOAuth2Implementation
    ) -> str | None:
        """Return the form error for credentials Legrand refuses; None if it accepts them.

        Credentials are asked about once per flow. When the login server cannot be reached,
        nothing is said: the sign-in goes on, and the code exchange tells the rest.
        """
        if implementation.domain in self._accepted or not isinstance(
            implementation, LegrandOAuth2Implementation
        ):
            return None
        check = await implementation.async_check_client()
        if check is ClientCheck.ACCEPTED:
            self._accepted.add(implementation.domain)
        if check in (ClientCheck.ACCEPTED, ClientCheck.UNREACHABLE):
            return None
        return CHECK_ERRORS[check]

    async def _async_ask_credentials(self, error: str) -> ConfigFlowResult:
        """Show the credentials form, saying what Legrand refused."""
        self._credentials_error = error
        return await self.async_step_credentials()

    @forgotten_when_cancelled
    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take a corrected client ID and secret; once Legrand accepts them, store them.

        They replace the refused application credentials (Home Assistant cannot change stored
        ones: a new one is added and the refused one deleted once nothing uses it), and the
        flow goes on where it stopped, the subscription key kept.
        """
        errors = {"base": self._credentials_error}
        if user_input is not None:
            client_id = user_input[CONF_CLIENT_ID].strip()
            client_secret = user_input[CONF_CLIENT_SECRET].strip()
            check = await async_check_credentials(self.hass, client_id, client_secret)
            if check is ClientCheck.ACCEPTED:
                return await self._async_use_credentials(client_id, client_secret)
            errors["base"] = CHECK_ERRORS[check]
        current = self.flow_impl
        return self.async_show_form(
            step_id="credentials",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA,
                {
                    CONF_CLIENT_ID: current.client_id
                    if isinstance(current, LegrandOAuth2Implementation)
                    else ""
                },
            ),
            errors=errors,
            description_placeholders={**PLACEHOLDERS, "name": current.name},
        )

    async def _async_use_credentials(
        self, client_id: str, client_secret: str
    ) -> ConfigFlowResult:
        """Store accepted credentials in place of the refused ones and go on with the flow."""
        replaced = self.flow_impl.domain
        self.flow_impl = await async_store_credential(
            self.hass, replaced, client_id, client_secret
        )
        self._accepted.add(self.flow_impl.domain)
        self._replaced = replaced
        if self.source != SOURCE_REAUTH:
            # No entry of this flow uses the refused credentials.
            await async_forget_credential(self.hass, replaced)
        if self.external_data is not None:
            return await self.async_step_creation()
        if self.source == SOURCE_REAUTH:
            return await self._async_reauth_with_new_credentials()
        return await self._async_go_on()

    async def _async_reauth_with_new_credentials(self) -> ConfigFlowResult:
        """Refresh the entry's token with the new credentials; sign in only if that fails."""
        entry = self._get_reauth_entry()
        if (token := await async_refreshed_token(self.flow_impl, entry)) is None:
            self.logger.debug("The stored sign-in was refused too: signing in again")
            return await self.async_step_reauth_confirm()
        secret_renewed(self.hass, entry)
        result = self.async_update_reload_and_abort(
            entry,
            data_updates={
                "auth_implementation": self.flow_impl.domain,
                CONF_TOKEN: token,
            },
            reason="credentials_replaced",
        )
        await self._async_forget_replaced()
        return result

    async def _async_forget_replaced(self) -> None:
        """Delete the refused credentials this flow replaced, unless an entry still uses them."""
        if self._replaced is not None:
            await async_forget_credential(self.hass, self._replaced)

    @abstractmethod
    async def _async_go_on(self) -> ConfigFlowResult:
        """Go on where the flow stopped for the credentials (no code yet, not a reauth)."""

    @abstractmethod
    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask to sign in again: the stored sign-in is refused with the new credentials too."""

"""The integration's own OAuth2 handling: every token answer normalised, one refresh at a time."""

from __future__ import annotations

import time
from typing import Any, override

from homeassistant.components.application_credentials import AuthImplementation
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.exceptions import (
    OAuth2TokenRequestConnectionError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import config_entry_oauth2_flow

from .const import LOGGER
from .eliot import parse_token_response
from .eliot.exceptions import EliotResponseError


class LegrandOAuth2Implementation(AuthImplementation):
    """
    Application credentials whose token answers are normalised before Home Assistant reads them.

    Legrand's login has answered with `expires_in`, with `expires_on` (Unix seconds, as a number
    or a numeric string), with both or with neither; Home Assistant needs `expires_in` and logs a
    whole answer it cannot read. Both fields are filled here, for linking and for every refresh.
    """

    @override
    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        """Make a token request (code or refresh) and normalise its answer."""
        try:
            answer = await super()._token_request(data)
        except ValueError as err:
            # The answer is not JSON; nothing of it is logged.
            LOGGER.debug("The token answer is not JSON")
            raise OAuth2TokenRequestConnectionError(domain=self.service_domain) from err
        try:
            return parse_token_response(answer, time.time())
        except EliotResponseError as err:
            # The error names the endpoint and what was wrong, never a value of the answer.
            LOGGER.debug("Unusable token answer: %s", err)
            raise OAuth2TokenRequestConnectionError(domain=self.service_domain) from err


class EliotOAuth2Session(config_entry_oauth2_flow.OAuth2Session):
    """
    The entry's token, refreshed by one caller at a time.

    A refresh near expiry (Home Assistant's own) and a refresh forced by a gateway 401 share the
    session's lock: concurrent callers wait for the refresh in flight and use its token, so a
    rotating refresh token is never redeemed twice.
    """

    async def async_access_token(self) -> str:
        """Return a valid access token, refreshed first when it nears expiry."""
        await self.async_ensure_token_valid()
        return str(self.token[CONF_ACCESS_TOKEN])

    async def async_refresh_refused(self, refused: str) -> str:
        """Return a token newer than `refused`, refreshing only if no one did it meanwhile."""
        async with self._token_lock:
            if self.token[CONF_ACCESS_TOKEN] != refused:
                return str(self.token[CONF_ACCESS_TOKEN])
            try:
                new_token = await self.implementation.async_refresh_token(self.token)
            except OAuth2TokenRequestReauthError:
                # The refresh token is dead: the user must sign in again, whoever asked.
                self.config_entry.async_start_reauth(self.hass)
                raise
            self.hass.config_entries.async_update_entry(
                self.config_entry, data={**self.config_entry.data, "token": new_token}
            )
            return str(new_token[CONF_ACCESS_TOKEN])

"""The integration's own OAuth2 handling: token answers read without a trace, one refresh at a time."""

from __future__ import annotations

import asyncio
from enum import StrEnum
import json
import secrets
import time
from typing import Any, override

from aiohttp import ClientError, ClientResponseError, ClientTimeout
from homeassistant.components.application_credentials import AuthImplementation
from homeassistant.const import CONF_ACCESS_TOKEN
from homeassistant.exceptions import (
    OAuth2TokenRequestConnectionError,
    OAuth2TokenRequestError,
    OAuth2TokenRequestReauthError,
    OAuth2TokenRequestTransientError,
)
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .client_secret import check_secret_age, secret_accepted, secret_refused
from .const import LOGGER
from .eliot import RefusedPart, TokenRefusal, parse_token_refusal, parse_token_response
from .eliot.exceptions import EliotResponseError

TOKEN_TIMEOUT = ClientTimeout(total=30)
CHECK_TIMEOUT = 20


class ClientCheck(StrEnum):
    """What the login server says of an application credential before anyone signs in."""

    ACCEPTED = "accepted"
    CLIENT_ID_REFUSED = "client_id"
    CLIENT_SECRET_REFUSED = "client_secret"
    UNREACHABLE = "unreachable"


class ClientCredentialRefusedError(OAuth2TokenRequestReauthError):
    """The login server refused the application credential (client id or secret), not a grant."""

    def __init__(self, *, refused: RefusedPart, domain: str, **kwargs: Any) -> None:
        """Remember which part of the credential was refused."""
        super().__init__(domain=domain, **kwargs)
        self.refused = refused


class LegrandOAuth2Implementation(AuthImplementation):
    """
    Application credentials whose token requests are made and read here, not by Home Assistant.

    Legrand's login has answered with `expires_in`, with `expires_on` (Unix seconds, as a number
    or a numeric string), with both or with neither; Home Assistant needs `expires_in`. Both
    fields are filled here, for linking and for every refresh. A refusal is read for its OAuth
    error and B2C code only: its text (which may quote the client id) is never logged, and a
    refused client id or secret is told apart from a refused grant.
    """

    @override
    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        """Make a token request (code or refresh) and normalise its answer."""
        form = {**data, "client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        refused: ClientResponseError | None = None
        try:
            async with async_get_clientsession(self.hass).post(
                self.token_url, data=form, timeout=TOKEN_TIMEOUT
            ) as response:
                body = await response.read()
                try:
                    response.raise_for_status()
                except ClientResponseError as err:
                    refused = err
        except ClientError as err:
            LOGGER.debug("No answer to a token request: %s", type(err).__name__)
            raise OAuth2TokenRequestConnectionError(domain=self.service_domain) from err
        if refused is not None:
            refusal = parse_token_refusal(refused.status, body)
            LOGGER.debug("The login server refused a token request: %s", refusal)
            raise self._refusal_error(refusal, refused) from refused
        try:
            return parse_token_response(json.loads(body), time.time())
        except (ValueError, EliotResponseError) as err:
            # Not JSON, or not a usable token answer: what was wrong, never a value of it.
            LOGGER.debug("Unusable token answer: %s", err)
            raise OAuth2TokenRequestConnectionError(domain=self.service_domain) from err

    def _refusal_error(
        self, refusal: TokenRefusal, refused: ClientResponseError
    ) -> OAuth2TokenRequestError:
        """Return Home Assistant's error for a refusal: passing, of the credential, of a grant."""
        kwargs: dict[str, Any] = {
            "request_info": refused.request_info,
            "history": refused.history,
            "status": refused.status,
            "message": refused.message,
            "headers": refused.headers,
            "domain": self.service_domain,
        }
        if refused.status == 429 or refused.status >= 500:
            return OAuth2TokenRequestTransientError(**kwargs)
        if (part := refusal.refused_part) is not None:
            return ClientCredentialRefusedError(refused=part, **kwargs)
        return OAuth2TokenRequestReauthError(**kwargs)

    async def async_check_client(self) -> ClientCheck:
        """
        Ask the login server whether it accepts this client id and secret, before any sign-in.

        The request redeems a code never issued: B2C checks the client before the grant, so the
        answer names a refused client id or secret, or else refuses only the made-up code.
        """
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await self._token_request(
                    {
                        "grant_type": "authorization_code",
                        "code": secrets.token_urlsafe(32),
                    }
                )
        except ClientCredentialRefusedError as err:
            return (
                ClientCheck.CLIENT_ID_REFUSED
                if err.refused is RefusedPart.CLIENT_ID
                else ClientCheck.CLIENT_SECRET_REFUSED
            )
        except (
            TimeoutError,
            OAuth2TokenRequestTransientError,
            OAuth2TokenRequestConnectionError,
        ):
            return ClientCheck.UNREACHABLE
        except OAuth2TokenRequestError:
            # Only the made-up code was refused: the client passed.
            return ClientCheck.ACCEPTED
        return ClientCheck.ACCEPTED


class EliotOAuth2Session(config_entry_oauth2_flow.OAuth2Session):
    """
    The entry's token, refreshed by one caller at a time.

    A refresh near expiry (Home Assistant's own) and a refresh forced by a gateway 401 share the
    session's lock: concurrent callers wait for the refresh in flight and use its token, so a
    rotating refresh token is never redeemed twice. Every token request passes here, so here the
    client secret's repairs are raised (a refresh refused for the secret) and cleared (a token
    obtained), and the secret's age is looked at.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Start with the secret's age not looked at yet."""
        super().__init__(*args, **kwargs)
        self._age_checked = False

    @override
    async def async_ensure_token_valid(self) -> None:
        """Refresh the token when it nears expiry; tell the secret's repairs what happened."""
        before = self.token[CONF_ACCESS_TOKEN]
        try:
            await super().async_ensure_token_valid()
        except ClientCredentialRefusedError as err:
            self._credential_refused(err)
            raise
        self._token_in_hand(obtained=self.token[CONF_ACCESS_TOKEN] != before)

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
            except OAuth2TokenRequestReauthError as err:
                # The refresh token (or the client secret) is refused: the user must act,
                # whoever asked.
                if isinstance(err, ClientCredentialRefusedError):
                    self._credential_refused(err)
                self.config_entry.async_start_reauth(self.hass)
                raise
            self.hass.config_entries.async_update_entry(
                self.config_entry, data={**self.config_entry.data, "token": new_token}
            )
        self._token_in_hand(obtained=True)
        return str(new_token[CONF_ACCESS_TOKEN])

    def _token_in_hand(self, *, obtained: bool) -> None:
        """Clear the expired secret's repair on a new token; look at the secret's age with each.

        Tokens last an hour or so: that is often enough to see a year end. The token an entry
        starts with was obtained before, with a secret that worked then: its age only is looked at.
        """
        if obtained:
            secret_accepted(self.hass, self.config_entry)
        elif not self._age_checked:
            check_secret_age(self.hass, self.config_entry)
        self._age_checked = True

    def _credential_refused(self, err: ClientCredentialRefusedError) -> None:
        """Raise the expired secret's repair when a refresh was refused for the secret."""
        if err.refused is RefusedPart.CLIENT_SECRET:
            secret_refused(self.hass, self.config_entry)

"""Application credentials for Legrand Eliot: the Legrand login server and its token handling."""

from __future__ import annotations

from homeassistant.components.application_credentials import (
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_entry_oauth2_flow

from .cloud import login_base_url
from .const import DEVELOPER_PORTAL_URL, OAUTH_REDIRECT_URL
from .oauth import LegrandOAuth2Implementation


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Return the Legrand authorization server (the simulated one in development)."""
    base = login_base_url()
    return AuthorizationServer(
        authorize_url=f"{base}/authorize", token_url=f"{base}/token"
    )


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> config_entry_oauth2_flow.AbstractOAuth2Implementation:
    """Return the implementation that normalises Legrand's token answers."""
    return LegrandOAuth2Implementation(
        hass, auth_domain, credential, await async_get_authorization_server(hass)
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Tell the user where to register the application and which reply URL to give."""
    return {
        "developer_portal_url": DEVELOPER_PORTAL_URL,
        "redirect_url": OAUTH_REDIRECT_URL,
    }

"""Application credentials for Legrand Eliot: the OAuth2 endpoints of the Legrand login server."""

from __future__ import annotations

from homeassistant.components.application_credentials import AuthorizationServer
from homeassistant.core import HomeAssistant

from .cloud import login_base_url
from .const import DEVELOPER_PORTAL_URL, OAUTH_REDIRECT_URL


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Return the Legrand authorization server (the simulated one in development)."""
    base = login_base_url()
    return AuthorizationServer(
        authorize_url=f"{base}/authorize", token_url=f"{base}/token"
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Tell the user where to register the application and which reply URL to give."""
    return {
        "developer_portal_url": DEVELOPER_PORTAL_URL,
        "redirect_url": OAUTH_REDIRECT_URL,
    }

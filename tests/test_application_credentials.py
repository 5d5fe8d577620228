"""Tests for the application credentials: where Legrand signs in, what the dialog tells."""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from custom_components.legrand_eliot import application_credentials


async def test_authorization_server_points_at_legrand_login(
    hass: HomeAssistant,
) -> None:
    """The application credentials use Legrand's authorize and token URLs."""
    server = await application_credentials.async_get_authorization_server(hass)
    assert server.authorize_url == "https://partners-login.eliotbylegrand.com/authorize"
    assert server.token_url == "https://partners-login.eliotbylegrand.com/token"


async def test_credentials_dialog_names_portal_and_reply_url(
    hass: HomeAssistant,
) -> None:
    """The credentials dialog tells where to register the app and which reply URL to give."""
    placeholders = await application_credentials.async_get_description_placeholders(
        hass
    )
    assert placeholders == {
        "developer_portal_url": "https://developer.legrand.com",
        "redirect_url": "https://my.home-assistant.io/redirect/oauth",
    }

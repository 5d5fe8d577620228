"""Tests for setting up and unloading a Legrand Eliot config entry."""

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

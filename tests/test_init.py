"""Tests for setting up and unloading a Legrand Eliot config entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot import application_credentials
from custom_components.legrand_eliot.const import DOMAIN


async def test_setup_and_unload_entry(hass: HomeAssistant) -> None:
    """A config entry loads, and unloading it leaves it not loaded."""
    assert await async_setup_component(hass, "application_credentials", {})
    entry = MockConfigEntry(domain=DOMAIN, title="Legrand Eliot", data={})
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_authorization_server_points_at_legrand_login(
    hass: HomeAssistant,
) -> None:
    """The application credentials use Legrand's authorize and token URLs."""
    server = await application_credentials.async_get_authorization_server(hass)
    assert server.authorize_url == "https://partners-login.eliotbylegrand.com/authorize"
    assert server.token_url == "https://partners-login.eliotbylegrand.com/token"

"""Tests for setting up, unloading and removing a Legrand Eliot config entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot import application_credentials
from simulator import SimulatedCloud


async def test_setup_reads_the_account(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: SimulatedCloud
) -> None:
    """Setting up reads both APIs: every plant, its rooms and devices, their states."""
    assert init_integration.state is ConfigEntryState.LOADED
    data = init_integration.runtime_data.coordinator.data
    assert [plant.plant.name for plant in data.home_control.values()] == ["Maison"]
    assert [plant.plant.name for plant in data.smarther.values()] == ["Casa"]
    maison = next(iter(data.home_control.values()))
    assert maison.available
    assert len(maison.topology.modules) >= 10
    casa = next(iter(data.smarther.values()))
    assert {module.name for module in casa.topology.modules} == {"Soggiorno", "Camera"}
    assert len(casa.thermostats) == 2
    assert all(casa.programs.values())


async def test_unload(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Unloading leaves the entry not loaded."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED


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

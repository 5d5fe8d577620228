"""The stored application credentials: corrected ones in place of the refused ones."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

from custom_components.legrand_eliot.const import ENV_CLOUD_URL
from custom_components.legrand_eliot.credentials import (
    async_forget_credential,
    async_store_credential,
)
from simulator import SimulatedCloud

from .flows import stored_credentials


async def test_credentials_of_no_stored_item(
    hass: HomeAssistant,
    cloud: SimulatedCloud,
    cloud_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Credentials that replace nothing stored get no name; nothing unknown is deleted."""
    # The login at the simulated cloud, with no application credentials yet.
    monkeypatch.setenv(ENV_CLOUD_URL, cloud_url)
    assert await async_setup_component(hass, "application_credentials", {})
    implementation = await async_store_credential(
        hass, "registered-elsewhere", cloud.client_id, cloud.client_secret
    )

    assert implementation.name == cloud.client_id
    assert stored_credentials(hass) == [(cloud.client_id, cloud.client_secret)]
    assert not await async_forget_credential(hass, "registered-elsewhere")

"""The stored application credentials: corrected ones in place of the refused ones."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest

from custom_components.legrand_eliot.credentials import (
    async_forget_credential,
    async_store_credential,
)
from simulator import SimulatedCloud

from .flows import stored_credentials


@pytest.mark.usefixtures("login_at_the_simulator")
async def test_credentials_of_no_stored_item(
    hass: HomeAssistant, cloud: SimulatedCloud
) -> None:
    """Credentials that replace nothing stored get no name; nothing unknown is deleted."""
    implementation = await async_store_credential(
        hass, "registered-elsewhere", cloud.client_id, cloud.client_secret
    )

    assert implementation.name == cloud.client_id
    assert stored_credentials(hass) == [(cloud.client_id, cloud.client_secret)]
    assert not await async_forget_credential(hass, "registered-elsewhere")

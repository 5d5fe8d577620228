"""The entry's OAuth2 session and the client secret: refused refreshes, new tokens, its age."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.client_secret import (
    CONF_SECRET_FIRST_USED,
    SECRET_LIFETIME,
    WARNING_AHEAD,
)
from custom_components.legrand_eliot.const import DOMAIN
from simulator import SimulatedCloud

from .flows import flows_in_progress
from .moments import START
from .polling import next_refresh, polling_coordinator
from .secrets_expiry import (
    EXPIRED,
    EXPIRING,
    expire_the_entry_token,
    expire_the_secret,
    reload_meeting_the_expired_secret,
    secret_issue,
    year_long_sign_ins,
)


@pytest.fixture
async def forced_refresh_met_the_expired_secret(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    freezer: FrozenDateTimeFactory,
    secrets: set[str],
) -> MockConfigEntry:
    """Let the secret expire, then the gateway refuse the token: the forced refresh fails.

    Return the entry it happened to.
    """
    coordinator = polling_coordinator(init_integration)
    await expire_the_secret(sim, cloud, secrets)
    assert (await sim.post("/_sim/tokens/expire", json={})).status == 200
    await next_refresh(hass, freezer, coordinator)
    return init_integration


async def test_the_first_token_records_when_the_secret_was_first_used(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Set up with a token: the credential and the moment are recorded, no secret."""
    assert init_integration.data[CONF_SECRET_FIRST_USED] == {
        "credential": DOMAIN,
        "first_used": START.isoformat(),
    }
    assert secret_issue(hass, init_integration, EXPIRING) is None


async def test_a_refresh_refused_for_the_secret_raises_its_repair(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    secrets: set[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The token nears expiry and Legrand refuses the secret: a repair, and the reauth."""
    entry = init_integration

    await reload_meeting_the_expired_secret(hass, entry, sim, cloud, secrets)

    assert [flow["source"] for flow in flows_in_progress(hass)] == [SOURCE_REAUTH]
    assert "AADB2C90085" in caplog.text
    assert "internal error" not in caplog.text


async def test_a_forced_refresh_refused_for_the_secret_raises_its_repair(
    hass: HomeAssistant, forced_refresh_met_the_expired_secret: MockConfigEntry
) -> None:
    """The gateway refuses the token (401), and the refresh it forces is refused too."""
    entry = forced_refresh_met_the_expired_secret

    assert secret_issue(hass, entry, EXPIRED) is not None
    assert [flow["source"] for flow in flows_in_progress(hass)] == [SOURCE_REAUTH]


async def test_a_dead_sign_in_is_not_an_expired_secret(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """The refresh token alone is refused: the reauth, and no secret repair."""
    assert (await sim.post("/_sim/tokens/revoke", json={})).status == 200
    expire_the_entry_token(hass, init_integration)

    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.SETUP_ERROR
    assert secret_issue(hass, init_integration, EXPIRED) is None


async def test_a_new_token_clears_the_expired_secrets_repair(
    hass: HomeAssistant,
    forced_refresh_met_the_expired_secret: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """Legrand accepts the secret again: the next token obtained (here at a reload) clears it."""
    entry = forced_refresh_met_the_expired_secret
    assert secret_issue(hass, entry, EXPIRED) is not None

    cloud.app_registration.expired_secrets.clear()
    expire_the_entry_token(hass, entry)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED

    assert secret_issue(hass, entry, EXPIRED) is None


@pytest.fixture
def cloud_options(hass: HomeAssistant) -> dict[str, Any]:
    """Keep sign-ins alive for more than a year (the tests below move time that far)."""
    return year_long_sign_ins(hass)


async def test_the_year_of_the_secret_is_warned_of_with_a_new_token(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Tokens are refreshed hourly: the one after the warning is due raises the warning."""
    entry = init_integration
    coordinator = polling_coordinator(entry)
    freezer.move_to(START + SECRET_LIFETIME - WARNING_AHEAD - timedelta(hours=2))
    await next_refresh(hass, freezer, coordinator)
    assert secret_issue(hass, entry, EXPIRING) is None

    freezer.tick(timedelta(hours=2))
    await next_refresh(hass, freezer, coordinator)

    warning = secret_issue(hass, entry, EXPIRING)
    assert warning is not None
    assert warning.translation_placeholders["first_used"] == "2026-01-14"

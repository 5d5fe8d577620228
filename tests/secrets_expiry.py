"""The client secret in tests: its repairs, an expired secret and a year of sign-ins."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.const import DOMAIN
from simulator import SimulatedCloud

EXPIRED = "client_secret_expired"
EXPIRING = "client_secret_expiring"


def secret_issue(
    hass: HomeAssistant, entry: MockConfigEntry, key: str
) -> ir.IssueEntry | None:
    """Return one of the secret's repair issues of the entry, if raised."""
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{key}_{entry.entry_id}")


def year_long_sign_ins(hass: HomeAssistant) -> dict[str, Any]:
    """Return cloud options keeping sign-ins alive for more than a year, as use keeps them."""
    return {
        "quota_timezone": hass.config.time_zone,
        "refresh_token_lifetime": 400 * 86400,
    }


def expire_the_entry_token(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Make the entry's access token expire, so that its next use refreshes it."""
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**entry.data["token"], "expires_at": 0}}
    )


async def expire_the_secret(
    sim: TestClient, cloud: SimulatedCloud, secrets: set[str]
) -> None:
    """Let the application's secret expire on the portal (and watch the logs for it)."""
    secrets.add(cloud.client_secret)
    assert (await sim.post("/_sim/app/secret", json={"expire": True})).status == 200


async def new_secret(sim: TestClient) -> str:
    """Make a new secret for the application on the portal; return it."""
    answer = await sim.post("/_sim/app/secret", json={"renew": True})
    return str((await answer.json())["client_secret"])


async def reload_meeting_the_expired_secret(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    secrets: set[str],
) -> None:
    """Let the secret expire and the entry's reload refresh its token: refused, repaired."""
    await expire_the_secret(sim, cloud, secrets)
    expire_the_entry_token(hass, entry)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert secret_issue(hass, entry, EXPIRED) is not None

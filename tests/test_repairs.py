"""Repair flows: a new client secret renews the entry in place, against the simulated cloud."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import RepairsFlowManager, repairs_flow_manager
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.client_secret import (
    CONF_SECRET_FIRST_USED,
    SECRET_LIFETIME,
    WARNING_AHEAD,
)
from custom_components.legrand_eliot.const import CONF_SUBSCRIPTION_KEY, DOMAIN
from simulator import SimulatedCloud

from .flows import flows_in_progress, stored_credentials
from .moments import START
from .polling import next_refresh, polling_coordinator
from .secrets_expiry import (
    EXPIRED,
    EXPIRING,
    new_secret,
    reload_meeting_the_expired_secret,
    secret_issue,
    year_long_sign_ins,
)


class Fix:
    """A repair's fix flow, driven as the Repairs dialog drives it."""

    def __init__(self, manager: RepairsFlowManager, step: Any) -> None:
        """Keep the repairs' flow manager and the flow's first step."""
        self.manager = manager
        self.step = step

    @classmethod
    async def start(cls, hass: HomeAssistant, issue_id: str) -> Fix:
        """Open the fix flow of an issue."""
        assert await async_setup_component(hass, "repairs", {})
        manager = repairs_flow_manager(hass)
        assert manager is not None
        return cls(
            manager, await manager.async_init(DOMAIN, data={"issue_id": issue_id})
        )

    async def submit(self, hass: HomeAssistant, secret: str) -> Any:
        """Enter a secret; return the flow's answer once what it started is done."""
        self.step = await self.manager.async_configure(
            self.step["flow_id"], {CONF_CLIENT_SECRET: secret}
        )
        await hass.async_block_till_done()
        return self.step


async def refused_secret(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    secrets: set[str],
) -> str:
    """Let the secret expire and the entry's next refresh meet it; return a new secret."""
    await reload_meeting_the_expired_secret(hass, entry, sim, cloud, secrets)
    return await new_secret(sim)


@pytest.fixture
async def renewed_secret(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    secrets: set[str],
) -> str:
    """Return a new secret, the entry's next refresh having met the expired one."""
    return await refused_secret(hass, init_integration, sim, cloud, secrets)


async def test_an_expired_secret_is_renewed_in_place(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    device_registry: dr.DeviceRegistry,
    secrets: set[str],
) -> None:
    """The repair takes the new secret: same entry, same devices, no sign-in, nothing left.

    A wrong secret and the expired one itself are refused before anything is stored.
    """
    entry = init_integration
    devices = {
        d.id for d in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    }
    expired = cloud.client_secret
    renewed = await refused_secret(hass, entry, sim, cloud, secrets)
    secrets.add("a-secret-legrand-never-issued")

    fix = await Fix.start(hass, f"{EXPIRED}_{entry.entry_id}")
    assert fix.step["step_id"] == "confirm"
    assert fix.step["description_placeholders"]["name"]
    result = await fix.submit(hass, "a-secret-legrand-never-issued")
    assert result["errors"] == {"base": "invalid_client_secret"}
    result = await fix.submit(hass, expired)
    assert result["errors"] == {"base": "same_client_secret"}
    assert stored_credentials(hass) == [(cloud.client_id, expired)]

    result = await fix.submit(hass, f" {renewed} ")

    assert result["type"] == "create_entry"
    assert entry.state is ConfigEntryState.LOADED
    assert stored_credentials(hass) == [(cloud.client_id, renewed)]
    assert entry.data["auth_implementation"] != DOMAIN
    assert secret_issue(hass, entry, EXPIRED) is None
    assert flows_in_progress(hass) == []
    assert hass.config_entries.async_entries(DOMAIN) == [entry]
    assert {
        d.id for d in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    } == devices
    assert (
        entry.data[CONF_SECRET_FIRST_USED]["credential"]
        == entry.data["auth_implementation"]
    )


async def test_a_secret_is_not_renewed_while_the_login_is_out_of_reach(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    renewed_secret: str,
) -> None:
    """Legrand must accept the new secret first: out of reach, it is asked for again."""
    entry = init_integration
    renewed = renewed_secret
    fix = await Fix.start(hass, f"{EXPIRED}_{entry.entry_id}")
    fault = {"target": "token", "status": 503, "count": 1}
    assert (await sim.post("/_sim/faults", json=fault)).status == 201

    result = await fix.submit(hass, renewed)

    assert result["errors"] == {"base": "cannot_connect"}
    assert secret_issue(hass, entry, EXPIRED) is not None
    assert (await fix.submit(hass, renewed))["type"] == "create_entry"


@pytest.mark.usefixtures("current_request_with_host")
async def test_a_dead_sign_in_too_asks_to_sign_in_with_the_new_secret(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    renewed_secret: str,
) -> None:
    """The secret is renewed; the sign-in refused too starts a reauth that needs no secret."""
    entry = init_integration
    renewed = renewed_secret
    assert (await sim.post("/_sim/tokens/revoke", json={})).status == 200
    fix = await Fix.start(hass, f"{EXPIRED}_{entry.entry_id}")

    result = await fix.submit(hass, renewed)

    assert result["type"] == "abort"
    assert result["reason"] == "sign_in_needed"
    assert stored_credentials(hass) == [(cloud.client_id, renewed)]
    assert secret_issue(hass, entry, EXPIRED) is None
    (reauth,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert reauth["context"]["source"] == SOURCE_REAUTH
    assert reauth["step_id"] == "reauth_confirm"


@pytest.fixture
def cloud_options(hass: HomeAssistant) -> dict[str, Any]:
    """Keep sign-ins alive for more than a year (the tests below move time that far)."""
    return year_long_sign_ins(hass)


async def test_the_warning_is_fixed_by_a_new_secret_ahead_of_time(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    freezer: FrozenDateTimeFactory,
    secrets: set[str],
) -> None:
    """Eleven months on: the warning names the dates; a new secret clears it, ageing anew."""
    entry = init_integration
    coordinator = polling_coordinator(entry)
    freezer.move_to(START + SECRET_LIFETIME - WARNING_AHEAD + timedelta(days=1))
    await next_refresh(hass, freezer, coordinator)
    assert secret_issue(hass, entry, EXPIRING) is not None
    secrets.add(cloud.client_secret)
    renewed = await new_secret(sim)

    fix = await Fix.start(hass, f"{EXPIRING}_{entry.entry_id}")
    assert fix.step["description_placeholders"]["first_used"] == "2026-01-14"
    assert fix.step["description_placeholders"]["expires"] == "2027-01-14"
    result = await fix.submit(hass, renewed)

    assert result["type"] == "create_entry"
    assert entry.state is ConfigEntryState.LOADED
    assert secret_issue(hass, entry, EXPIRING) is None
    first_used = entry.data[CONF_SECRET_FIRST_USED]["first_used"]
    assert first_used > START.isoformat()


async def test_invalid_subscription_key_raises_fixable_issue(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client: ClientSessionGenerator,
) -> None:
    """A refused key: a repair issue whose fix asks for a new key, tests it and reloads."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_SUBSCRIPTION_KEY: "0" * 32}
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    issue_id = f"invalid_subscription_key_{config_entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable

    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}",
        json={CONF_SUBSCRIPTION_KEY: "1" * 32},
    )
    result = await response.json()
    assert result["errors"] == {"base": "invalid_subscription_key"}
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}",
        json={CONF_SUBSCRIPTION_KEY: cloud.subscription_key},
    )
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done()
    assert config_entry.data[CONF_SUBSCRIPTION_KEY] == cloud.subscription_key
    assert config_entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None

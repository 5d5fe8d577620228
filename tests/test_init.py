"""Tests for setting up, unloading and removing a Legrand Eliot config entry."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.config_entry_oauth2_flow import (
    ImplementationUnavailableError,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.legrand_eliot.const import CONF_DAILY_BUDGET, DOMAIN
from simulator import SimulatedCloud

from .pauses import Pause, cancel_at


async def set_up_with_an_expired_token(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """Add the entry with its access token expired, and try to set it up."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry,
        data={
            **config_entry.data,
            "token": {**config_entry.data["token"], "expires_at": 0},
        },
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()


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


async def test_setup_without_credentials_asks_to_sign_in(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """With the application credentials deleted, the user is asked to link the account again."""
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_setup_with_credentials_unavailable_is_not_ready(
    hass: HomeAssistant, credentials: None, config_entry: MockConfigEntry
) -> None:
    """Credentials that are only unavailable for now: the entry retries later."""
    config_entry.add_to_hass(hass)
    with patch(
        "custom_components.legrand_eliot.config_entry_oauth2_flow."
        "async_get_config_entry_implementation",
        side_effect=ImplementationUnavailableError("provider down"),
    ):
        await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_with_dead_refresh_token_starts_reauth(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    sim: TestClient,
) -> None:
    """An expired access token whose refresh token was revoked: reauth, not a retry loop."""
    await sim.post("/_sim/tokens/revoke", json={})
    await set_up_with_an_expired_token(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_setup_with_login_server_down_is_not_ready(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A token refresh that fails for a passing reason retries later."""
    await sim.post("/_sim/faults", json={"target": "token", "status": 503, "count": 5})
    await set_up_with_an_expired_token(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_quota_gone_at_start_is_not_ready(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    sim: TestClient,
) -> None:
    """No data yet and the quota used up: the entry waits, with the repair issue raised."""
    await sim.post(
        "/_sim/faults",
        json={
            "status": 403,
            "count": 1,
            "message": "Out of call volume quota. Quota will be replenished in 05:00:00.",
        },
    )
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{config_entry.entry_id}"
    )


async def test_new_daily_budget_applies_through_a_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Raising the budget in the options reloads the entry: shorter interval, same count."""
    coordinator = init_integration.runtime_data.coordinator
    before = coordinator.update_interval
    spent = coordinator.budget.calls_used
    assert before is not None
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DAILY_BUDGET: 5000}
    )
    await hass.async_block_till_done()
    reloaded = init_integration.runtime_data.coordinator
    assert reloaded is not coordinator
    assert reloaded.budget.daily_limit == 5000
    assert reloaded.budget.calls_used > spent
    assert reloaded.update_interval is not None
    assert reloaded.update_interval < before


async def test_dead_devices_can_be_removed_live_ones_not(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """A device the account still has stays; one it no longer has can be removed."""
    assert await async_setup_component(hass, "config", {})
    registry = dr.async_get(hass)
    plant = next(
        iter(init_integration.runtime_data.coordinator.data.home_control.values())
    )
    live = registry.async_get_or_create(
        config_entry_id=init_integration.entry_id,
        identifiers={(DOMAIN, plant.topology.modules[0].id)},
    )
    dead = registry.async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={(DOMAIN, "gone-module")}
    )
    client = await hass_ws_client(hass)
    for device, removable in ((live, False), (dead, True)):
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": init_integration.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        assert response["success"] is removable


async def test_removing_the_entry_forgets_its_budget(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """The stored call budget goes away with the entry."""
    key = f"{DOMAIN}.{init_integration.entry_id}.quota"
    await hass.config_entries.async_unload(init_integration.entry_id)
    assert key in hass_storage
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


# Every await of a first setup that can wait on something, in order: the entry's stores, its
# first reads (plants lists, rooms, scenes, thermostats, statuses), then its platforms.
SETUP_AWAITS = [
    *(("stored data", nth) for nth in range(1, 4)),
    *(("API call", nth) for nth in range(1, 11)),
    ("platforms", 1),
]


async def start_setup(
    hass: HomeAssistant, entry: MockConfigEntry
) -> asyncio.Task[bool]:
    """Start setting a new entry up as a flow does: the integration itself is set up already."""
    assert await async_setup_component(hass, DOMAIN, {})
    entry.add_to_hass(hass)
    return asyncio.ensure_future(hass.config_entries.async_setup(entry.entry_id))


@pytest.mark.usefixtures("credentials")
async def test_the_setup_awaits_listed_are_all_of_them(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """A first setup passes exactly the awaits the cancellation test stops at."""
    pause = Pause()
    with pause.installed():
        assert await start_setup(hass, config_entry)
        await hass.async_block_till_done()
    assert pause.passed == [kind for kind, _ in SETUP_AWAITS]


@pytest.mark.parametrize(
    ("kind", "nth"), SETUP_AWAITS, ids=[f"{kind}-{nth}" for kind, nth in SETUP_AWAITS]
)
@pytest.mark.usefixtures("credentials")
async def test_a_first_setup_whose_caller_goes_away_finishes(
    hass: HomeAssistant, config_entry: MockConfigEntry, kind: str, nth: int
) -> None:
    """The task that set the entry up is cancelled (a page closed): the setup still ends.

    The entry is loaded, not left failed for good: its caller gets the setup's answer.
    """
    pause = Pause(kind, nth)
    with pause.installed():
        outcome = await cancel_at(pause, await start_setup(hass, config_entry))
        await hass.async_block_till_done()

    assert outcome is True
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.runtime_data.coordinator.data.home_control


@pytest.mark.usefixtures("credentials")
async def test_a_setup_still_stops_with_home_assistant(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """Home Assistant stopping cancels a setup as before: it does not go on by itself."""
    pause = Pause("API call", 1)
    with pause.installed():
        setup = await start_setup(hass, config_entry)
        await pause.reached.wait()
        hass.set_state(CoreState.stopping)
        try:
            outcome = await cancel_at(pause, setup)
        finally:
            hass.set_state(CoreState.running)
        await hass.async_block_till_done()

    assert isinstance(outcome, asyncio.CancelledError)
    assert pause.passed == ["stored data"] * 3 + ["API call"]
    assert config_entry.state is ConfigEntryState.SETUP_ERROR

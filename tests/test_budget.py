"""The daily budget against automations and restarts: what the entry sends, and what it keeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.const import CONF_DAILY_BUDGET, DOMAIN
from custom_components.legrand_eliot.eliot.const import POLLING_FLOOR_INTERVAL
from simulator import SimulatedCloud

from .polling import next_refresh, polling_coordinator

LIMIT = 100
HC_PLANT = "000000005d1e3bc13598330000000001"


@pytest.fixture
def cloud_options(hass: HomeAssistant) -> dict[str, Any]:
    """Give the gateway the entry's daily quota: a 403 would show an overrun."""
    # No burst limit: frozen time would put every call of the loop in one burst window.
    return {
        "quota_timezone": hass.config.time_zone,
        "quota_limit": LIMIT,
        "burst_limit": None,
    }


def plug_entity(hass: HomeAssistant) -> str:
    """Return the entity id of a plug's switch."""
    return next(
        state.entity_id
        for state in hass.states.async_all("switch")
        if state.attributes.get("device_class") == "outlet"
    )


async def test_command_loop_never_spends_the_polling_floor(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """600 toggles with a budget of 100: commands stop early, polling keeps its hourly floor."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_DAILY_BUDGET: LIMIT}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = polling_coordinator(config_entry)
    budget = coordinator.budget
    reset_at = budget.reset_at
    plug = plug_entity(hass)
    issue_id = f"command_budget_exhausted_{config_entry.entry_id}"

    refused: list[str] = []
    for toggle in range(600):
        try:
            await hass.services.async_call(
                "switch",
                "turn_on" if toggle % 2 else "turn_off",
                {"entity_id": plug},
                blocking=True,
            )
        except HomeAssistantError as err:
            refused.append(str(err.translation_key))
            # Told at once, not at the next refresh.
            assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    sent = 600 - len(refused)

    assert 0 < sent < 600
    assert set(refused) == {"command_budget_exhausted"}
    # What is left is exactly the floor: one refresh an hour until the reset, as far as a
    # budget of 100 allows once the command reserve is set aside.
    floor = budget.polling_floor()
    assert budget.calls_left == floor
    hours_left = (reset_at - budget.now()) / timedelta(hours=1)
    pace = max(
        POLLING_FLOOR_INTERVAL,
        timedelta(hours=hours_left * budget.floor_calls_per_hour / floor),
    )

    # The rest of the day: refreshes at the floor's pace, none refused.
    while budget.now() + coordinator.update_interval < reset_at:
        before = cloud.counters["total"]
        await next_refresh(hass, freezer, coordinator)
        assert coordinator.update_interval <= pace
        assert coordinator.last_update_success
        assert cloud.counters["total"] > before
        assert coordinator.data.home_control[HC_PLANT].available
    assert cloud.counters["total"] <= LIMIT
    assert budget.paused_until is None
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{config_entry.entry_id}"
    )

    # The new day brings commands back and clears the notice.
    freezer.move_to(reset_at + timedelta(seconds=1))
    await next_refresh(hass, freezer, coordinator)
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": plug}, blocking=True
    )
    assert not ir.async_get(hass).async_get_issue(DOMAIN, issue_id)

"""The daily budget against automations and restarts: what the entry sends, and what it keeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.const import CONF_DAILY_BUDGET, DOMAIN
from custom_components.legrand_eliot.eliot.const import POLLING_FLOOR_INTERVAL
from custom_components.legrand_eliot.stores import BUDGET, store_key
from simulator import SimulatedCloud
from tests.demo import HC_PLANT

from .entities import plug_entity
from .polling import Polled, next_refresh, polling_coordinator

LIMIT = 100


@pytest.fixture
def cloud_options(hass: HomeAssistant) -> dict[str, Any]:
    """Give the gateway the entry's daily quota: a 403 would show an overrun."""
    # No burst limit: frozen time would put every call of the loop in one burst window.
    return {
        "quota_timezone": hass.config.time_zone,
        "quota_limit": LIMIT,
        "burst_limit": None,
    }


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

    steady = coordinator.calls_per_refresh(coordinator.data)

    # The rest of the day: refreshes at the floor's pace, none refused. A refresh that also
    # reads a plant's topology (one per refresh, spread) waits in proportion to its calls.
    while budget.now() + coordinator.update_interval < reset_at:
        before = cloud.counters["total"]
        await next_refresh(hass, freezer, coordinator)
        planned = coordinator.calls_per_refresh(coordinator.data)
        assert coordinator.update_interval <= pace * planned / steady
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


@pytest.mark.parametrize(
    "stored",
    [
        {"used": 3, "reset_at": "9999-12-31T23:30:00+00:00", "paused_until": None},
        {
            "used": 3,
            "reset_at": "2000-01-01T00:00:00+00:00",
            "paused_until": "9999-12-31T23:59:59+00:00",
            "paused_daily": True,
        },
    ],
    ids=["reset-in-9999", "pause-until-9999"],
)
async def test_implausible_stored_budget_does_not_block_setup(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    stored: dict[str, Any],
) -> None:
    """A stored budget that cannot be true is dropped with a warning; the entry loads."""
    await hass.config.async_set_time_zone("Europe/Paris")
    key = store_key(config_entry.entry_id, BUDGET)
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": stored}
    config_entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    coordinator = config_entry.runtime_data.coordinator
    assert not coordinator.budget.is_paused
    assert coordinator.update_interval is not None
    assert coordinator.update_interval < timedelta(hours=1)
    assert "The stored call budget was set aside" in caplog.text


@pytest.mark.parametrize("cloud_options", [{"quota_timezone": "UTC"}])
async def test_gateway_day_is_learned_from_its_first_quota_answer(
    polled: Polled,
) -> None:
    """A gateway counting days in UTC, Home Assistant in US/Pacific: learned once, kept."""
    cloud = polled.cloud
    budget = polled.coordinator.budget
    used = cloud.counters["quota"][cloud.user().email]["used"]
    # The gateway's quota is now spent: its next answer names its own reset.
    quota_spent = {"quota_limit": used}
    assert (await polled.sim.post("/_sim/options", json=quota_spent)).status == 200
    utc_midnight = cloud.metering.resets_at()
    assert utc_midnight != budget.reset_at

    await polled.refresh()

    # The gateway counts down in whole seconds: the moment is known to the second.
    second = timedelta(seconds=1)
    assert abs(budget.reset_at - utc_midnight) <= second
    assert budget.paused_until is not None
    assert abs(budget.paused_until - utc_midnight) <= second
    # From then on the gateway's day is the budget's: no second refusal is needed to know it.
    polled.freezer.move_to(utc_midnight + 2 * second)
    await polled.refresh()
    assert polled.coordinator.last_update_success
    assert not budget.is_paused
    assert abs(budget.reset_at - cloud.metering.resets_at()) <= second

"""Tests for the quota-aware schedule: a day within the budget, commands, restarts, quota pauses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.poll_schedule import ChangeRate
from simulator import SimulatedCloud
from simulator.generate import generate_scenario

from .actions import Action
from .cloud import HC_PLANT, fault, used_by_user
from .polling import Polled, next_scheduled_refresh, polling_coordinator

# A quarter past midnight where Home Assistant is, so that a "day" is one quota day.
DAY_START = "2026-11-25 00:15:00"


class TestSimulatedDay:
    """A day of an account with 2 Home + Control plants and 3 thermostats."""

    @pytest.fixture
    def scenario(self) -> dict[str, Any]:
        """Return an account of 2 Home + Control plants and one plant of 3 thermostats."""
        return generate_scenario(2, 4, thermostat_plants=1, thermostats=3)

    @pytest.fixture(autouse=True)
    def start_of_day(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        """Start just after local midnight."""
        start = datetime.fromisoformat(DAY_START).replace(
            tzinfo=dt_util.get_default_time_zone()
        )
        freezer.move_to(start)

    async def test_day_stays_within_budget(
        self,
        hass: HomeAssistant,
        polled: Polled,
    ) -> None:
        """Polling all day spends the budget evenly, never more, and keeps a reserve for commands.

        The reserve is a fifth of the budget scaled to the part of the day that is left: at any
        moment the calls left must cover it (give or take the refresh in progress).
        """
        per_refresh = polled.coordinator.calls_per_refresh(polled.coordinator.data)
        assert per_refresh == 5
        end = dt_util.start_of_local_day() + timedelta(days=1) - timedelta(minutes=1)
        refreshes = 0
        while dt_util.now() + polled.coordinator.update_interval < end:
            await next_scheduled_refresh(hass, polled.freezer, polled.coordinator)
            refreshes += 1
            left_of_day = (end - dt_util.now()) / timedelta(days=1)
            assert (
                polled.coordinator.budget.calls_left
                >= 0.2 * 500 * left_of_day - per_refresh
            )
        spent = used_by_user(polled.cloud)
        # The local count agrees with the gateway's: every physical request was charged.
        assert polled.coordinator.budget.calls_used == spent
        assert spent <= 500
        # The budget is really used, not hoarded: about 90 refreshes of 5 calls.
        assert spent >= 0.9 * 500
        assert refreshes >= 80
        # No quota answer ever came back.
        assert not ir.async_get(hass).async_get_issue(
            DOMAIN, f"quota_exhausted_{polled.entry.entry_id}"
        )

    async def test_commands_eat_into_the_reserve(
        self,
        hass: HomeAssistant,
        polled: Polled,
    ) -> None:
        """Many commands leave fewer calls for polling: a plant is read less often.

        The other plant is compared: the commanded one shows a change, which reads it sooner.
        """
        await polled.refresh()
        plant, other = list(polled.coordinator.data.home_control.values())[:2]
        before = polled.coordinator.schedule.intervals[other.plant.id]
        plug = next(m for m in plant.topology.modules if m.device == "plug")
        client = polled.entry.runtime_data.client
        for index in range(150):
            # Spaced as the client spaces them in use, under the gateway's burst limit.
            polled.freezer.tick(timedelta(seconds=0.5))
            await client.switch(plant.plant.id, plug.id, plug.device, on=index % 2 == 0)
        await polled.refresh()
        after = polled.coordinator.schedule.intervals[other.plant.id]
        assert after > before * 1.3
        assert polled.coordinator.budget.calls_used == used_by_user(polled.cloud)


async def test_next_refresh_is_told(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The moment of the next scheduled refresh is public: the update interval from now."""
    coordinator = polling_coordinator(init_integration)
    await hass.async_block_till_done()
    moment = coordinator.next_refresh
    assert moment is not None
    assert coordinator.update_interval is not None
    expected = dt_util.utcnow() + coordinator.update_interval
    assert abs((moment - expected).total_seconds()) <= 1
    await hass.config_entries.async_unload(init_integration.entry_id)
    assert coordinator.next_refresh is None


async def test_restart_keeps_what_was_spent(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: SimulatedCloud
) -> None:
    """Reloading the entry (as a restart does) restores today's count from storage."""
    spent = polling_coordinator(init_integration).budget.calls_used
    assert spent > 0
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    restored = polling_coordinator(init_integration).budget
    # What was spent before, plus the new first refresh: nothing was forgotten.
    assert restored.calls_used == used_by_user(cloud)
    assert restored.calls_used > spent


class TestQuotaExhausted:
    """The gateway's daily quota runs out during the day."""

    @pytest.fixture
    def cloud_options(self, hass: HomeAssistant) -> dict[str, Any]:
        """Give the account a quota that a few refreshes use up."""
        return {"quota_timezone": hass.config.time_zone, "quota_limit": 30}

    @pytest.fixture(autouse=True)
    def mid_day(self, freezer: FrozenDateTimeFactory) -> None:
        """Start at noon where Home Assistant is."""
        freezer.move_to(
            datetime.fromisoformat("2026-11-25 12:00:00").replace(
                tzinfo=dt_util.get_default_time_zone()
            )
        )

    async def test_pause_until_replenished_then_resume(
        self,
        hass: HomeAssistant,
        polled: Polled,
    ) -> None:
        """A quota 403 stops every call until the replenish time, then polling resumes alone."""
        issue_id = f"quota_exhausted_{polled.entry.entry_id}"
        issues = ir.async_get(hass)
        for _ in range(20):
            await polled.refresh()
            if issues.async_get_issue(DOMAIN, issue_id):
                break
        issue = issues.async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        tomorrow = dt_util.now().date() + timedelta(days=1)
        assert issue.translation_placeholders == {"resume_time": f"{tomorrow} 00:00"}
        assert polled.coordinator.budget.is_paused
        # The entry stays loaded and the devices keep their last known state.
        assert polled.entry.state is ConfigEntryState.LOADED
        assert polled.coordinator.data.home_control

        total = polled.cloud.counters["total"]
        # Hours pass, with refreshes due all the while: not one request leaves.
        for _ in range(6):
            polled.freezer.tick(timedelta(hours=1))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)
        assert polled.cloud.counters["total"] == total

        # Past midnight the quota is back: polling resumes by itself and the issue goes away.
        polled.freezer.move_to(
            dt_util.start_of_local_day() + timedelta(days=1, minutes=1)
        )
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        await polled.refresh()
        assert polled.cloud.counters["total"] > total
        assert not polled.coordinator.budget.is_paused
        assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_reconfigure_of_a_loaded_entry_reloads_it_the_supported_way(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud: SimulatedCloud
) -> None:
    """Reconfiguring a loaded entry reloads it; Home Assistant reports no deprecated use.

    The root fixture `no_deprecated_use` fails the test on such a report.
    """
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"subscription_key": cloud.subscription_key}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.state is ConfigEntryState.LOADED


async def test_what_polling_learned_survives_a_reload_and_goes_with_the_entry(
    hass: HomeAssistant,
    polled: Polled,
    hass_storage: dict[str, Any],
) -> None:
    """A plant seen changing keeps its learned rate across a reload; removal forgets it."""
    plugs = [
        module_id
        for module_id, module in polled.cloud.world.hc_plants[HC_PLANT].modules.items()
        if module.device == "plug"
    ]
    for step in range(6):
        for plug in plugs:
            response = await polled.sim.post(
                f"/_sim/modules/{plug}/physical",
                json={"status": "on" if step % 2 else "off"},
            )
            assert response.status == 200
        await polled.refresh()
    learned = polled.coordinator.schedule.rates[HC_PLANT].rate
    # Every read saw every plug flip: far above what a plant starts from.
    assert (
        learned > 2 * ChangeRate(polled.coordinator.schedule.rates[HC_PLANT].prior).rate
    )

    assert await hass.config_entries.async_reload(polled.entry.entry_id)
    await hass.async_block_till_done()

    reloaded = polled.entry.runtime_data.coordinator
    assert reloaded is not polled.coordinator
    assert reloaded.schedule.rates[HC_PLANT].rate == learned
    key = f"{DOMAIN}.{polled.entry.entry_id}.learned"
    assert key in hass_storage

    assert await hass.config_entries.async_remove(polled.entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_expired_token_is_refreshed_once(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """401 for an expired token: one refresh, the call is retried, nothing else shows."""
    old_token = polled.entry.data["token"]["access_token"]
    assert (await polled.sim.post("/_sim/tokens/expire", json={})).status == 200
    await polled.refresh()
    assert polled.coordinator.last_update_success
    assert polled.entry.data["token"]["access_token"] != old_token
    assert polled.coordinator.data.home_control[HC_PLANT].available


async def test_revoked_refresh_token_starts_reauth(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """401 that a token refresh cannot cure: the reauth flow starts."""
    response = await polled.sim.post("/_sim/tokens/revoke", json={"access": True})
    assert response.status == 200
    await polled.refresh()
    assert not polled.coordinator.last_update_success
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_quota_message_pauses_and_commands_name_the_time(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """403 with the quota message: nothing is sent until then, actions say until when."""
    await fault(
        polled.sim,
        status=403,
        count=1,
        message="Out of call volume quota. Quota will be replenished in 02:00:00.",
    )
    await polled.refresh()
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{polled.entry.entry_id}"
    )
    total = polled.cloud.counters["total"]
    with pytest.raises(HomeAssistantError) as err:
        await Action(polled.entry).switch_plug()
    assert err.value.translation_key == "quota_exhausted"
    assert err.value.translation_placeholders["resume_time"]
    polled.freezer.tick(timedelta(hours=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert polled.cloud.counters["total"] == total
    # Two hours after the answer, calls resume by themselves.
    await polled.refresh()
    assert polled.cloud.counters["total"] > total
    assert polled.coordinator.data.home_control[HC_PLANT].available


async def test_rate_limit_pauses_until_retry_after(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """429: no call until Retry-After, no repair issue for a short limit, then polling resumes."""
    await fault(polled.sim, status=429, count=1, retry_after=300)
    await polled.refresh()
    assert polled.coordinator.budget.is_paused
    assert polled.coordinator.update_interval is not None
    assert polled.coordinator.update_interval >= timedelta(seconds=240)
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{polled.entry.entry_id}"
    )
    total = polled.cloud.counters["total"]
    await polled.refresh()
    assert polled.cloud.counters["total"] > total
    assert polled.coordinator.last_update_success

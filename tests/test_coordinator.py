"""Tests for the quota-aware schedule: a day within the budget, commands, restarts, quota pauses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
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
from .polling import next_refresh, next_scheduled_refresh, polling_coordinator

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
        freezer: FrozenDateTimeFactory,
        init_integration: MockConfigEntry,
        cloud: SimulatedCloud,
    ) -> None:
        """Polling all day spends the budget evenly, never more, and keeps a reserve for commands.

        The reserve is a fifth of the budget scaled to the part of the day that is left: at any
        moment the calls left must cover it (give or take the refresh in progress).
        """
        coordinator = polling_coordinator(init_integration)
        per_refresh = coordinator.calls_per_refresh(coordinator.data)
        assert per_refresh == 5
        end = dt_util.start_of_local_day() + timedelta(days=1) - timedelta(minutes=1)
        refreshes = 0
        while dt_util.now() + coordinator.update_interval < end:
            await next_scheduled_refresh(hass, freezer, coordinator)
            refreshes += 1
            left_of_day = (end - dt_util.now()) / timedelta(days=1)
            assert (
                coordinator.budget.calls_left >= 0.2 * 500 * left_of_day - per_refresh
            )
        spent = used_by_user(cloud)
        # The local count agrees with the gateway's: every physical request was charged.
        assert coordinator.budget.calls_used == spent
        assert spent <= 500
        # The budget is really used, not hoarded: about 90 refreshes of 5 calls.
        assert spent >= 0.9 * 500
        assert refreshes >= 80
        # No quota answer ever came back.
        assert not ir.async_get(hass).async_get_issue(
            DOMAIN, f"quota_exhausted_{init_integration.entry_id}"
        )

    async def test_commands_eat_into_the_reserve(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        init_integration: MockConfigEntry,
        cloud: SimulatedCloud,
    ) -> None:
        """Many commands leave fewer calls for polling: a plant is read less often.

        The other plant is compared: the commanded one shows a change, which reads it sooner.
        """
        coordinator = polling_coordinator(init_integration)
        await next_refresh(hass, freezer, coordinator)
        plant, other = list(coordinator.data.home_control.values())[:2]
        before = coordinator.schedule.intervals[other.plant.id]
        plug = next(m for m in plant.topology.modules if m.device == "plug")
        client = init_integration.runtime_data.client
        for index in range(150):
            # Spaced as the client spaces them in use, under the gateway's burst limit.
            freezer.tick(timedelta(seconds=0.5))
            await client.switch(plant.plant.id, plug.id, plug.device, on=index % 2 == 0)
        await next_refresh(hass, freezer, coordinator)
        after = coordinator.schedule.intervals[other.plant.id]
        assert after > before * 1.3
        assert coordinator.budget.calls_used == used_by_user(cloud)


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
        freezer: FrozenDateTimeFactory,
        init_integration: MockConfigEntry,
        cloud: SimulatedCloud,
    ) -> None:
        """A quota 403 stops every call until the replenish time, then polling resumes alone."""
        coordinator = polling_coordinator(init_integration)
        issue_id = f"quota_exhausted_{init_integration.entry_id}"
        issues = ir.async_get(hass)
        for _ in range(20):
            await next_refresh(hass, freezer, coordinator)
            if issues.async_get_issue(DOMAIN, issue_id):
                break
        issue = issues.async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        tomorrow = dt_util.now().date() + timedelta(days=1)
        assert issue.translation_placeholders == {"resume_time": f"{tomorrow} 00:00"}
        assert coordinator.budget.is_paused
        # The entry stays loaded and the devices keep their last known state.
        assert init_integration.state is ConfigEntryState.LOADED
        assert coordinator.data.home_control

        total = cloud.counters["total"]
        # Hours pass, with refreshes due all the while: not one request leaves.
        for _ in range(6):
            freezer.tick(timedelta(hours=1))
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)
        assert cloud.counters["total"] == total

        # Past midnight the quota is back: polling resumes by itself and the issue goes away.
        freezer.move_to(dt_util.start_of_local_day() + timedelta(days=1, minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        await next_refresh(hass, freezer, coordinator)
        assert cloud.counters["total"] > total
        assert not coordinator.budget.is_paused
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
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    hass_storage: dict[str, Any],
) -> None:
    """A plant seen changing keeps its learned rate across a reload; removal forgets it."""
    coordinator = polling_coordinator(init_integration)
    plugs = [
        module_id
        for module_id, module in cloud.world.hc_plants[HC_PLANT].modules.items()
        if module.device == "plug"
    ]
    for step in range(6):
        for plug in plugs:
            response = await sim.post(
                f"/_sim/modules/{plug}/physical",
                json={"status": "on" if step % 2 else "off"},
            )
            assert response.status == 200
        await next_refresh(hass, freezer, coordinator)
    learned = coordinator.schedule.rates[HC_PLANT].rate
    # Every read saw every plug flip: far above what a plant starts from.
    assert learned > 2 * ChangeRate(coordinator.schedule.rates[HC_PLANT].prior).rate

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    reloaded = init_integration.runtime_data.coordinator
    assert reloaded is not coordinator
    assert reloaded.schedule.rates[HC_PLANT].rate == learned
    key = f"{DOMAIN}.{init_integration.entry_id}.learned"
    assert key in hass_storage

    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_expired_token_is_refreshed_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """401 for an expired token: one refresh, the call is retried, nothing else shows."""
    coordinator = polling_coordinator(init_integration)
    old_token = init_integration.data["token"]["access_token"]
    assert (await sim.post("/_sim/tokens/expire", json={})).status == 200
    await next_refresh(hass, freezer, coordinator)
    assert coordinator.last_update_success
    assert init_integration.data["token"]["access_token"] != old_token
    assert coordinator.data.home_control[HC_PLANT].available


async def test_revoked_refresh_token_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """401 that a token refresh cannot cure: the reauth flow starts."""
    coordinator = polling_coordinator(init_integration)
    response = await sim.post("/_sim/tokens/revoke", json={"access": True})
    assert response.status == 200
    await next_refresh(hass, freezer, coordinator)
    assert not coordinator.last_update_success
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_quota_message_pauses_and_commands_name_the_time(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """403 with the quota message: nothing is sent until then, actions say until when."""
    coordinator = polling_coordinator(init_integration)
    await fault(
        sim,
        status=403,
        count=1,
        message="Out of call volume quota. Quota will be replenished in 02:00:00.",
    )
    await next_refresh(hass, freezer, coordinator)
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{init_integration.entry_id}"
    )
    total = cloud.counters["total"]
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "quota_exhausted"
    assert err.value.translation_placeholders["resume_time"]
    freezer.tick(timedelta(hours=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert cloud.counters["total"] == total
    # Two hours after the answer, calls resume by themselves.
    await next_refresh(hass, freezer, coordinator)
    assert cloud.counters["total"] > total
    assert coordinator.data.home_control[HC_PLANT].available


async def test_rate_limit_pauses_until_retry_after(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """429: no call until Retry-After, no repair issue for a short limit, then polling resumes."""
    coordinator = polling_coordinator(init_integration)
    await fault(sim, status=429, count=1, retry_after=300)
    await next_refresh(hass, freezer, coordinator)
    assert coordinator.budget.is_paused
    assert coordinator.update_interval is not None
    assert coordinator.update_interval >= timedelta(seconds=240)
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{init_integration.entry_id}"
    )
    total = cloud.counters["total"]
    await next_refresh(hass, freezer, coordinator)
    assert cloud.counters["total"] > total
    assert coordinator.last_update_success

"""Tests for push and polling together: what push saves, what reconciliation corrects, a day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
import sys
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import ATTR_TEMPERATURE, HVACMode
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.coordinator import LegrandEliotCoordinator
from custom_components.legrand_eliot.eliot import ThermostatStatus
from custom_components.legrand_eliot.poll_schedule import (
    RECONCILE_INTERVAL,
    TIMER_SLACK,
)
from custom_components.legrand_eliot.push_health import PUSH_VOUCHES_FOR, PushState
from custom_components.legrand_eliot.push_receiver import COALESCE_DELAY
from simulator import SimulatedCloud

from .cloud import calls_to
from .polling import Polled, next_scheduled_refresh, polling_coordinator, run_until
from .push import (
    BEDROOM,
    BEDROOM_ENTITY,
    LIVING,
    LIVING_ENTITY,
    PLANT,
    STATUS,
    delivered,
    real_event,
    serve_home_assistant,
    set_by_hand,
    setup_entry,
    webhook_path,
    written,
)

HC_STATUS = "GET /hc/api/v1.0/plants/{plantId}"
# A quarter past midnight where Home Assistant is, so that a "day" is one quota day.
DAY_START = "2026-11-25 00:15:00"

pytestmark = pytest.mark.usefixtures("only_climate")


@pytest.fixture(autouse=True)
def start_of_day(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Start just after local midnight."""
    start = datetime.fromisoformat(DAY_START).replace(
        tzinfo=dt_util.get_default_time_zone()
    )
    freezer.move_to(start)


@pytest.fixture
def push_entry(push_integration: MockConfigEntry) -> MockConfigEntry:
    """Set up the integration with push to Home Assistant's local address."""
    assert push_integration.runtime_data.coordinator.push.state is PushState.ACTIVE
    return push_integration


async def test_subscribed_but_silent_thermostats_are_polled_as_usual(
    hass: HomeAssistant,
    push_polled: Polled,
) -> None:
    """Until an event has arrived, nothing proves Legrand reaches the address: poll as before."""
    assert push_polled.coordinator.calls_per_refresh(push_polled.coordinator.data) == 3
    status_calls = calls_to(push_polled.cloud, STATUS)
    start = dt_util.utcnow()
    while dt_util.utcnow() - start < RECONCILE_INTERVAL * 2:
        await push_polled.refresh()
    # Read on their own schedule (at least hourly), never skipped for push.
    assert calls_to(push_polled.cloud, STATUS) >= status_calls + 2
    assert push_polled.coordinator.push.polls_saved == 0


async def test_thermostats_kept_fresh_by_push_are_not_polled(
    hass: HomeAssistant,
    push_polled: Polled,
) -> None:
    """Once events arrive, refreshes read the Home + Control plant; thermostats only to reconcile.

    Their calls go to the plant, read more often; over the window every thermostat is still
    read once, and no more.
    """
    await set_by_hand(hass, push_polled.cloud, push_polled.sim, LIVING, 21.0)
    assert push_polled.coordinator.push.receiving == {PLANT}
    assert push_polled.coordinator.calls_per_refresh(push_polled.coordinator.data) == 1
    status_calls = calls_to(push_polled.cloud, STATUS)
    plant_calls = calls_to(push_polled.cloud, HC_STATUS)
    await push_polled.refresh()
    assert calls_to(push_polled.cloud, STATUS) == status_calls
    assert calls_to(push_polled.cloud, HC_STATUS) == plant_calls + 1
    assert push_polled.coordinator.push.polls_saved == 2
    start = dt_util.utcnow()
    while dt_util.utcnow() - start < RECONCILE_INTERVAL:
        await push_polled.refresh()
    assert calls_to(push_polled.cloud, STATUS) == status_calls + 2
    plant_reads = calls_to(push_polled.cloud, HC_STATUS) - plant_calls
    assert plant_reads >= 4
    assert push_polled.coordinator.push.polls_saved >= 2 * plant_reads - 2


async def test_pushed_state_defers_the_thermostat_poll(
    hass: HomeAssistant,
    push_polled: Polled,
) -> None:
    """A state that arrived by push counts as confirmed: the next reconciliation waits for it."""
    push_polled.freezer.tick(RECONCILE_INTERVAL / 2)
    await push_polled.sim.post(f"/_sim/modules/{LIVING}/physical", json={"mode": "off"})
    await delivered(hass, push_polled.cloud)
    push_polled.freezer.tick(COALESCE_DELAY + 0.5)
    await written(hass)
    plant = push_polled.coordinator.data.smarther[PLANT]
    pushed_at = plant.updated[LIVING]
    # Confirmed at Home Assistant's time of the write, the clock every schedule reads.
    assert pushed_at == dt_util.utcnow()
    bedroom_polled_at = plant.updated[BEDROOM]
    status_calls = calls_to(push_polled.cloud, STATUS)
    # The bedroom is due first: only the first refresh confirmed it.
    while calls_to(push_polled.cloud, STATUS) == status_calls:
        await push_polled.refresh()
    assert calls_to(push_polled.cloud, STATUS) == status_calls + 1
    assert plant.updated[BEDROOM] > bedroom_polled_at
    assert plant.updated[LIVING] == pushed_at


async def test_dropped_event_is_corrected_by_reconciliation(
    hass: HomeAssistant,
    push_polled: Polled,
) -> None:
    """An event lost on the way: Home Assistant is wrong until the next reconciliation poll."""
    await set_by_hand(hass, push_polled.cloud, push_polled.sim, LIVING, 21.0)
    await push_polled.sim.post("/_sim/push", json={"drop_next": 1})
    await push_polled.sim.post(
        f"/_sim/modules/{BEDROOM}/physical", json={"mode": "manual", "setPoint": 26.0}
    )
    await delivered(hass, push_polled.cloud)
    delivery = push_polled.cloud.push.log[-1]
    assert delivery["dropped"] is True
    await written(hass)
    plant = push_polled.coordinator.data.smarther[PLANT]
    assert plant.thermostats[BEDROOM].set_point != 26.0
    changed = dt_util.utcnow()
    while plant.thermostats[BEDROOM].set_point != 26.0:
        await push_polled.refresh()
        assert dt_util.utcnow() - changed <= RECONCILE_INTERVAL + timedelta(minutes=5)
    assert dt_util.utcnow() - changed >= RECONCILE_INTERVAL - timedelta(minutes=5)
    assert hass.states.get("climate.camera_camera").attributes["temperature"] == 26.0


async def test_failed_plants_list_keeps_thermostats_and_push(
    hass: HomeAssistant,
    push_polled: Polled,
) -> None:
    """The Smarther plants list fails at a topology read: nothing is forgotten or unsubscribed."""
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), push_polled.entry.entry_id
    )
    await push_polled.sim.post(
        "/_sim/faults",
        json={"status": 500, "count": 1, "match": "/smarther/v2.0/plants"},
    )
    await push_polled.refresh(timedelta(hours=12))
    assert "GET /smarther/v2.0/plants" in push_polled.cloud.counters["by_endpoint"]
    assert set(push_polled.coordinator.data.smarther) == {PLANT}
    assert len(push_polled.coordinator.data.smarther[PLANT].thermostats) == 2
    assert (
        dr.async_entries_for_config_entry(
            dr.async_get(hass), push_polled.entry.entry_id
        )
        == devices
    )
    assert len(push_polled.cloud.world.subscriptions) == 1
    assert push_polled.coordinator.push.state is PushState.ACTIVE


async def test_late_event_older_than_a_poll_is_ignored(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    push_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """An event delivered long after it happened does not undo the newer polled state."""
    coordinator = push_entry.runtime_data.coordinator
    plant = coordinator.data.smarther[PLANT]
    polled = plant.thermostats[LIVING]
    late = real_event(
        cloud, LIVING, set_point=12.0, at=cloud.clock.now() - timedelta(minutes=45)
    )
    client = await hass_client_no_auth()
    assert (await client.post(webhook_path(push_entry), json=[late])).status == 200
    await written(hass)
    assert plant.thermostats[LIVING] == polled
    assert coordinator.push.ignored == 1
    assert coordinator.push.writes == 0


def _key(status: ThermostatStatus | None) -> tuple[Any, ...] | None:
    """Return what makes a thermostat state differ for the user."""
    if status is None:
        return None
    return (
        status.function,
        status.mode,
        status.set_point,
        status.program,
        status.load_state,
    )


def _truth(cloud: SimulatedCloud, module_id: str) -> tuple[Any, ...] | None:
    """Return the thermostat's state as the simulated cloud holds it now."""
    found = cloud.world.thermostat(module_id)
    assert found is not None
    plant, thermostat = found
    raw = thermostat.status(
        cloud.clock.now(), plant.zone, cloud.options.activation_time_format
    )
    return _key(ThermostatStatus.from_dict(raw, plant.id, module_id))


@dataclass
class DayResult:
    """What one simulated day cost and how fresh Home Assistant was."""

    smarther_calls: int = 0
    status_calls: int = 0
    plant_polls: int = 0
    total_calls: int = 0
    changes: int = 0
    samples: int = 0
    stale_samples: int = 0
    lags: list[float] = field(default_factory=list)

    @property
    def mean_lag(self) -> float:
        """Return the mean time from a change to Home Assistant showing it, in seconds."""
        return sum(self.lags) / len(self.lags)

    @property
    def stale_share(self) -> float:
        """Return the share of samples where Home Assistant showed an outdated state."""
        return self.stale_samples / self.samples


async def _live_a_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    cloud: SimulatedCloud,
    coordinator: LegrandEliotCoordinator,
    step: timedelta,
) -> DayResult:
    """Let a day pass in steps, comparing Home Assistant with the simulated cloud after each.

    Every step the cloud pushes the thermostats that changed (as the real service does when
    they change), Home Assistant handles the deliveries, and scheduled refreshes run.
    """
    result = DayResult()
    before = dict(cloud.counters["by_endpoint"])
    total_before = cloud.counters["total"]
    modules = (LIVING, BEDROOM)
    truth = {module: _truth(cloud, module) for module in modules}
    changed_at: dict[str, datetime | None] = dict.fromkeys(modules)
    settle = timedelta(seconds=COALESCE_DELAY + 1)
    end = dt_util.utcnow() + timedelta(days=1)
    while dt_util.utcnow() < end:
        freezer.tick(step - settle)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        # The states at this moment are the truth of this step, pushed when they changed.
        now = dt_util.utcnow()
        cloud.time_moved()
        states = {module: _truth(cloud, module) for module in modules}
        await delivered(hass, cloud)
        freezer.tick(settle)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        seen_at = dt_util.utcnow()
        plant = coordinator.data.smarther[PLANT]
        for module in modules:
            current = states[module]
            if current != truth[module]:
                result.changes += 1
                truth[module] = current
                changed_at[module] = changed_at[module] or now
            result.samples += 1
            if _key(plant.thermostats.get(module)) != current:
                result.stale_samples += 1
            elif (since := changed_at[module]) is not None:
                result.lags.append((seen_at - since).total_seconds())
                changed_at[module] = None
    after = cloud.counters["by_endpoint"]
    for endpoint, count in after.items():
        spent = count - before.get(endpoint, 0)
        if "/smarther/" in endpoint:
            result.smarther_calls += spent
    result.status_calls = after.get(STATUS, 0) - before.get(STATUS, 0)
    result.plant_polls = after.get(HC_STATUS, 0) - before.get(HC_STATUS, 0)
    result.total_calls = cloud.counters["total"] - total_before
    return result


async def test_a_day_with_push_halves_thermostat_calls_and_is_fresher(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    credentials: None,
    config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    cloud: SimulatedCloud,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A day of polling alone, then a day with push: the calls on thermostats fall by half.

    Freshness is measured the same way both days: every two minutes the simulated cloud's
    thermostat states are noted (and pushed if they changed), and compared with Home
    Assistant's a moment later; a change's lag is the time until Home Assistant shows it.
    """
    step = timedelta(minutes=2)
    await setup_entry(hass, config_entry)
    coordinator = polling_coordinator(config_entry)
    assert coordinator.push.state is PushState.NO_URL
    polling = await _live_a_day(hass, freezer, cloud, coordinator, step)

    await serve_home_assistant(hass, hass_client_no_auth)
    await hass.async_block_till_done()
    assert coordinator.push.state is PushState.ACTIVE
    push = await _live_a_day(hass, freezer, cloud, coordinator, step)

    with capsys.disabled():
        sys.stdout.write("\n")
        for name, day in (("polling alone", polling), ("push + polling", push)):
            sys.stdout.write(
                f"{name:>15}: {day.smarther_calls} Smarther calls "
                f"({day.status_calls} thermostat reads), {day.plant_polls} "
                f"Home + Control polls, {day.total_calls} calls in all; "
                f"{day.changes} changes, mean lag {day.mean_lag:.0f} s, "
                f"max {max(day.lags):.0f} s, stale {day.stale_share:.1%}\n"
            )
    assert polling.changes >= 20
    assert push.changes >= 20
    assert push.smarther_calls <= polling.smarther_calls / 2
    assert push.mean_lag <= polling.mean_lag
    assert push.stale_share <= polling.stale_share
    # The calls saved went to fresher polling of what has no push, within the day's budget.
    assert push.plant_polls > polling.plant_polls
    assert push.total_calls <= 500
    assert coordinator.push.events >= push.changes


async def test_reconciliation_reads_are_counted_in_the_plan(
    hass: HomeAssistant,
    push_polled: Polled,
) -> None:
    """With push on, each refresh of a day makes the calls it was planned to make.

    Both thermostats fall due for reconciliation every 30 minutes: a refresh that reads them was
    planned with them. Only the twice-daily topology reads come on top of a plan; the day's
    calls stay within the budget.
    """
    await set_by_hand(hass, push_polled.cloud, push_polled.sim, LIVING, 21.0)
    await next_scheduled_refresh(hass, push_polled.freezer, push_polled.coordinator)
    end = dt_util.start_of_local_day() + timedelta(days=1) - timedelta(minutes=1)
    refreshes = unplanned = reconciled = 0
    while dt_util.now() + push_polled.coordinator.update_interval < end:
        planned = push_polled.coordinator.planned_calls
        before = push_polled.coordinator.budget.calls_used
        status_calls = calls_to(push_polled.cloud, STATUS)
        await next_scheduled_refresh(hass, push_polled.freezer, push_polled.coordinator)
        refreshes += 1
        unplanned += push_polled.coordinator.budget.calls_used - before != planned
        reconciled += calls_to(push_polled.cloud, STATUS) - status_calls
    assert refreshes > 300
    # The two topology reads of the day, at most.
    assert unplanned <= 2
    # Every thermostat about every 30 minutes, all day.
    assert reconciled >= 2 * 40
    assert push_polled.coordinator.budget.calls_used <= 500


class TestGatewayOutageWithPush:
    """The API gateway fails every call from 22:15 to about 02:00, while push keeps arriving.

    Home Assistant restarts early in the outage: its subscription cannot be renewed, but the
    one Legrand holds keeps posting, so thermostats are also polled at their usual pace (and
    when a person asks for fresh states), and every one of those reads fails.
    """

    @pytest.fixture(autouse=True)
    def start_of_day(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        """Start late in the evening, so that the outage crosses midnight."""
        freezer.move_to(
            datetime.fromisoformat("2026-11-25 22:15:00").replace(
                tzinfo=dt_util.get_default_time_zone()
            )
        )

    async def test_pushed_states_stay_shown_until_nothing_recent_vouches(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        push_entry: MockConfigEntry,
        cloud: SimulatedCloud,
        sim: TestClient,
    ) -> None:
        """A failed poll never hides a pushed state younger than the window; then it does."""
        assert await async_setup_component(hass, "homeassistant", {})
        await set_by_hand(hass, cloud, sim, LIVING, 21.0)
        await _gateway_fails(sim)
        await run_until(
            hass,
            freezer,
            polling_coordinator(push_entry),
            dt_util.utcnow() + timedelta(minutes=10),
        )
        await hass.config_entries.async_reload(push_entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        coordinator = polling_coordinator(push_entry)
        assert coordinator.push.state is PushState.FAILED
        assert len(cloud.world.subscriptions) == 1
        # Restarted in the outage: nothing vouches for either thermostat yet.
        assert hass.states.get(LIVING_ENTITY).state == STATE_UNAVAILABLE
        failed_reads = 0
        set_point = 18.0
        # A change every 10 minutes for three hours, pushed; a person asks for fresh states
        # 5 minutes after each.
        for _ in range(18):
            set_point = 36.0 - set_point
            await sim.post(
                f"/_sim/modules/{LIVING}/physical",
                json={"mode": "manual", "setPoint": set_point},
            )
            await delivered(hass, cloud)
            await written(hass)
            pushed_at = dt_util.utcnow()
            for _ in range(2):
                read_at = coordinator.schedule.last_read.get(LIVING)
                await run_until(
                    hass, freezer, coordinator, dt_util.utcnow() + timedelta(minutes=5)
                )
                await _ask_for_fresh_states(hass)
                failed_reads += coordinator.schedule.last_read.get(LIVING) != read_at
                state = hass.states.get(LIVING_ENTITY)
                assert state.state == HVACMode.HEAT, dt_util.utcnow() - pushed_at
                assert state.attributes[ATTR_TEMPERATURE] == set_point
                # Nothing pushed of the bedroom: its failed reads hide it.
                assert hass.states.get(BEDROOM_ENTITY).state == STATE_UNAVAILABLE
        assert dt_util.as_local(dt_util.utcnow()).day == 26
        assert failed_reads >= 18
        # Pushes stop: the last one vouches for 30 minutes, and no longer.
        last_push = pushed_at
        while dt_util.utcnow() + timedelta(minutes=5) < last_push + PUSH_VOUCHES_FOR:
            await run_until(
                hass, freezer, coordinator, dt_util.utcnow() + timedelta(minutes=5)
            )
            await _ask_for_fresh_states(hass)
            assert hass.states.get(LIVING_ENTITY).state == HVACMode.HEAT
        await run_until(
            hass, freezer, coordinator, last_push + PUSH_VOUCHES_FOR + TIMER_SLACK
        )
        assert hass.states.get(LIVING_ENTITY).state == STATE_UNAVAILABLE
        # Read again (in vain) the moment nothing vouched for it any more.
        read_at = coordinator.schedule.last_read[LIVING]
        assert read_at >= last_push + PUSH_VOUCHES_FOR - TIMER_SLACK
        # The gateway answers again: the read asked for next shows both.
        await sim.delete("/_sim/faults")
        await _ask_for_fresh_states(hass)
        await run_until(
            hass, freezer, coordinator, dt_util.utcnow() + timedelta(seconds=15)
        )
        assert hass.states.get(LIVING_ENTITY).state == HVACMode.HEAT
        assert hass.states.get(BEDROOM_ENTITY).state != STATE_UNAVAILABLE


async def test_a_late_delivery_while_reads_fail_vouches_for_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    push_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A state from 40 minutes ago, delivered now, is newer than the last read but too old.

    It is kept (nothing newer is known) but the thermostat stays unavailable while its reads
    fail: nothing recent vouches for it.
    """
    coordinator = polling_coordinator(push_entry)
    await _gateway_fails(sim)
    await run_until(hass, freezer, coordinator, dt_util.utcnow() + timedelta(hours=1))
    assert hass.states.get(LIVING_ENTITY).state == STATE_UNAVAILABLE
    late = real_event(
        cloud, LIVING, set_point=12.0, at=cloud.clock.now() - timedelta(minutes=40)
    )
    client = await hass_client_no_auth()
    assert (await client.post(webhook_path(push_entry), json=[late])).status == 200
    await written(hass)
    plant = coordinator.data.smarther[PLANT]
    assert plant.thermostats[LIVING].set_point == 12.0
    assert hass.states.get(LIVING_ENTITY).state == STATE_UNAVAILABLE


async def _gateway_fails(sim: TestClient) -> None:
    """Have the API gateway answer every request with 503, until the faults are cleared."""
    response = await sim.post("/_sim/faults", json={"status": 503, "count": 100_000})
    assert response.status == 201


async def _ask_for_fresh_states(hass: HomeAssistant) -> None:
    """Ask for the thermostats' states now, as a dashboard's refresh or an automation does."""
    await hass.services.async_call(
        "homeassistant",
        "update_entity",
        {ATTR_ENTITY_ID: [LIVING_ENTITY, BEDROOM_ENTITY]},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)

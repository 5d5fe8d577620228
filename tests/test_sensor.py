"""Tests for the sensors: power, energy for the Energy dashboard, battery, climate, budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import logging

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import (
    ATTR_STATE_CLASS,
    SensorDeviceClass,
    SensorStateClass,
    async_update_suggested_units,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_UNIT_OF_MEASUREMENT,
    SERVICE_TURN_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
    UnitOfEnergy,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from custom_components.legrand_eliot.eliot.home_control_models import ModuleState
from custom_components.legrand_eliot.eliot.plant_models import Measure
from custom_components.legrand_eliot.sensor import meter_energy
from simulator import SimulatedCloud
from tests.demo import BEDSIDE_REMOTE, HC_PLANT, LIVING, METER, TV_PLUG
from tests.entities import PlatformSnapshot
from tests.polling import next_refresh

TV_POWER = "sensor.salon_prise_tv_power"
TV_ENERGY = "sensor.salon_prise_tv_energy"
METER_ENERGY = "sensor.compteur_energy"
REMOTE_BATTERY = "sensor.chambre_interrupteur_chevet_battery_level"
CALLS_TODAY = "sensor.legrand_eliot_api_calls_today"
CALLS_LEFT = "sensor.legrand_eliot_api_calls_left_today"
LIVING_MODE_END = "sensor.soggiorno_soggiorno_timed_mode_end"
NOW = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)


# The sensor platform alone unless a test says, in Rome at a fixed moment.
pytestmark = [
    pytest.mark.platforms(Platform.SENSOR),
    pytest.mark.usefixtures("house_in_rome"),
]


async def _refresh(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> timedelta:
    """Let the next scheduled poll happen; return how long after the previous one."""
    coordinator = entry.runtime_data.coordinator
    interval = coordinator.update_interval
    assert interval is not None
    await next_refresh(hass, freezer, coordinator)
    return interval


def _number(hass: HomeAssistant, entity_id: str) -> float:
    """Return a sensor's state as a number."""
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Every sensor of the demo account."""
    await platform_snapshot()


async def test_energy_sensors_suit_the_energy_dashboard(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Every energy sensor is an energy total in kWh that only grows."""
    energy = [
        state
        for state in hass.states.async_all("sensor")
        if state.attributes.get(ATTR_DEVICE_CLASS) == SensorDeviceClass.ENERGY
    ]
    assert {state.entity_id for state in energy} >= {TV_ENERGY, METER_ENERGY}
    for state in energy:
        assert state.attributes[ATTR_STATE_CLASS] == SensorStateClass.TOTAL_INCREASING
        assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfEnergy.KILO_WATT_HOUR


async def test_energy_is_power_over_time(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """The TV plug's 89 W add up between polls."""
    assert _number(hass, TV_POWER) == 89.0
    assert _number(hass, TV_ENERGY) == 0.0
    first = await _refresh(hass, init_integration, freezer)
    second = await _refresh(hass, init_integration, freezer)
    hours = (first + second).total_seconds() / 3600
    assert _number(hass, TV_ENERGY) == pytest.approx(89 * hours / 1000, abs=1e-6)


async def test_energy_told_again_without_a_new_answer_does_not_sample(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """Told again with the same answer and state, the total waits for the next answer."""
    coordinator = init_integration.runtime_data.coordinator
    first = await _refresh(hass, init_integration, freezer)
    used = _number(hass, TV_ENERGY)
    assert used == pytest.approx(89 * first.total_seconds() / 3600 / 1000, abs=1e-6)
    freezer.tick(timedelta(minutes=30))

    # Every listener told, as Home Assistant's own coordinator tells them all.
    DataUpdateCoordinator.async_update_listeners(coordinator)
    await hass.async_block_till_done()

    assert _number(hass, TV_ENERGY) == used
    # The next answer counts the whole time since the last one: none of it is lost.
    second = await _refresh(hass, init_integration, freezer)
    hours = (timedelta(minutes=30) + second).total_seconds() / 3600
    assert _number(hass, TV_ENERGY) == pytest.approx(used + 89 * hours / 1000, abs=1e-6)


@pytest.mark.parametrize("platforms", [[Platform.SENSOR, Platform.SWITCH]])
async def test_switched_off_plug_draws_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """Turning a plug off shows 0 W at once, and its energy stops growing."""
    await _refresh(hass, init_integration, freezer)
    used = _number(hass, TV_ENERGY)
    assert used > 0
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: "switch.salon_prise_tv"},
        blocking=True,
    )
    assert _number(hass, TV_POWER) == 0.0
    await _refresh(hass, init_integration, freezer)
    assert _number(hass, TV_ENERGY) == used


async def test_energy_survives_a_restart(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The total is restored after a restart and keeps growing from there."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(TV_ENERGY, "12.5"),
                {"native_value": 12.5, "native_unit_of_measurement": "kWh"},
            )
        ],
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _number(hass, TV_ENERGY) == 12.5
    interval = await _refresh(hass, config_entry, freezer)
    assert _number(hass, TV_ENERGY) == pytest.approx(
        12.5 + 89 * interval.total_seconds() / 3600 / 1000, abs=1e-6
    )


async def test_metered_energy_is_read_as_it_is(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A module that counts its own energy is shown as it counts, in kWh."""
    coordinator = init_integration.runtime_data.coordinator
    coordinator.apply_module_state(
        METER, consumptions=(Measure(value=1500.0, unit="Wh"),)
    )
    await hass.async_block_till_done()
    assert _number(hass, METER_ENERGY) == 1.5
    coordinator.apply_module_state(
        METER, consumptions=(Measure(value=2.25, unit="kWh"),)
    )
    await hass.async_block_till_done()
    assert _number(hass, METER_ENERGY) == 2.25


def test_meter_words() -> None:
    """Energy units are read tolerantly; unknown ones are no value."""
    state = ModuleState(module_id="m", kind="plug", reachable=True)
    assert meter_energy(state) is None
    watts = ModuleState(
        module_id="m",
        kind="plug",
        reachable=True,
        consumptions=(Measure(value=5.0, unit="watt"),),
    )
    assert meter_energy(watts) is None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_battery(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A remote's battery word is the level sensor's state; an unknown word is logged once."""
    assert hass.states.get(REMOTE_BATTERY).state == "low"
    assert hass.states.get("sensor.commande_generale_battery_level").state == "full"
    await sim.post(
        f"/_sim/modules/{BEDSIDE_REMOTE}/physical", json={"battery": "critical"}
    )
    await _refresh(hass, init_integration, freezer)
    assert hass.states.get(REMOTE_BATTERY).state == STATE_UNKNOWN
    await _refresh(hass, init_integration, freezer)
    logged = [
        record
        for record in caplog.records
        if record.levelno == logging.DEBUG and "critical" in record.getMessage()
    ]
    assert len(logged) == 1


async def test_room_readings_follow_the_thermostat(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """Temperature and humidity come from the thermostat's latest status."""
    assert _number(hass, "sensor.soggiorno_soggiorno_temperature") == 19.5
    assert _number(hass, "sensor.soggiorno_soggiorno_humidity") == 52.0
    await sim.post(
        f"/_sim/modules/{LIVING}/physical", json={"temperature": 22.4, "humidity": 40}
    )
    await _refresh(hass, init_integration, freezer)
    assert _number(hass, "sensor.soggiorno_soggiorno_temperature") == pytest.approx(
        22.4, abs=0.1
    )
    assert _number(hass, "sensor.soggiorno_soggiorno_humidity") == 40.0


@pytest.mark.parametrize("update_units", [True, False])
async def test_room_temperature_after_a_unit_system_switch(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    update_units: bool,
) -> None:
    """°F picked at onboarding, then metric: the room temperature never shows a °F number as °C.

    Sensors keep the unit they were registered with; asked to update sensor units (as the
    settings page offers), they show °C at once; otherwise they keep showing °F, consistently.
    """
    entity_id = "sensor.soggiorno_soggiorno_temperature"
    await hass.config.async_update(unit_system="us_customary")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _number(hass, entity_id) == pytest.approx(67.1)
    assert hass.states.get(entity_id).attributes[ATTR_UNIT_OF_MEASUREMENT] == "°F"

    await hass.config.async_update(unit_system="metric")
    if update_units:
        async_update_suggested_units(hass)
    await hass.async_block_till_done()

    state = hass.states.get(entity_id)
    if update_units:
        assert (float(state.state), state.attributes[ATTR_UNIT_OF_MEASUREMENT]) == (
            19.5,
            "°C",
        )
    else:
        assert (float(state.state), state.attributes[ATTR_UNIT_OF_MEASUREMENT]) == (
            pytest.approx(67.1),
            "°F",
        )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("time_format", ["utc", "local", "range"])
async def test_end_of_a_timed_mode(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    time_format: str,
) -> None:
    """A boost's end shows as a moment, whether the cloud writes it in UTC or house time."""
    assert hass.states.get(LIVING_MODE_END).state == STATE_UNKNOWN
    await sim.post("/_sim/options", json={"activation_time_format": time_format})
    await sim.post(
        f"/_sim/modules/{LIVING}/physical", json={"mode": "boost", "minutes": 60}
    )
    await _refresh(hass, init_integration, freezer)
    end = datetime.fromisoformat(hass.states.get(LIVING_MODE_END).state)
    assert end == NOW + timedelta(minutes=60)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_call_budget(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """The counters show the calls spent and left, and stay while the cloud fails."""
    budget = init_integration.runtime_data.coordinator.budget
    assert _number(hass, CALLS_TODAY) == budget.calls_used > 0
    assert _number(hass, CALLS_LEFT) == 500 - budget.calls_used
    spent = budget.calls_used
    await _refresh(hass, init_integration, freezer)
    # One status call for the Home + Control plant, one per thermostat.
    assert _number(hass, CALLS_TODAY) == spent + 3

    await sim.post("/_sim/faults", json={"status": 500, "count": 50})
    await _refresh(hass, init_integration, freezer)
    assert hass.states.get(TV_POWER).state == STATE_UNAVAILABLE
    assert _number(hass, CALLS_TODAY) == budget.calls_used > spent + 3
    assert _number(hass, CALLS_LEFT) == 500 - budget.calls_used


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_push_health(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The push sensors say where push stands and when the last pushed change came."""
    coordinator = init_integration.runtime_data.coordinator
    state = hass.states.get("sensor.legrand_eliot_push_updates")
    assert state is not None
    assert state.state == coordinator.push.state.value
    assert state.attributes["options"] == [
        "off",
        "starting",
        "no_url",
        "active",
        "partial",
        "failed",
        "stopped",
        "silent",
    ]
    last = hass.states.get("sensor.legrand_eliot_last_pushed_change")
    assert last is not None
    assert last.state == "unknown"

    coordinator.push.last_event = NOW
    coordinator.async_update_listeners()
    await hass.async_block_till_done()
    last = hass.states.get("sensor.legrand_eliot_last_pushed_change")
    assert last is not None
    assert last.state == NOW.isoformat()


async def test_battery_level_starts_disabled_on_new_remotes(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A new remote's battery word is there to enable, but its battery binary sensor comes first."""
    entry = entity_registry.async_get(REMOTE_BATTERY)
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(REMOTE_BATTERY) is None


async def test_battery_level_of_an_earlier_release_is_kept(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    credentials: None,
    entity_registry: er.EntityRegistry,
) -> None:
    """A battery sensor registered before the battery binary sensor existed stays as it was.

    Same entity id, still enabled, still the remote's word: automations that read it go on.
    """
    config_entry.add_to_hass(hass)
    entity_registry.async_get_or_create(
        Platform.SENSOR,
        "legrand_eliot",
        f"{BEDSIDE_REMOTE}_battery",
        config_entry=config_entry,
        suggested_object_id="chambre_interrupteur_chevet_battery",
    )

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    state = hass.states.get("sensor.chambre_interrupteur_chevet_battery")
    assert state is not None
    assert state.state == "low"


@pytest.mark.parametrize("platforms", [[Platform.SENSOR, Platform.SWITCH]])
@pytest.mark.parametrize("watts", [-250.0, 1e7])
async def test_impossible_power_is_unknown_and_adds_no_energy(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    watts: float,
) -> None:
    """A plug reading negative or huge power: power unknown, energy kept, the plug still shown."""
    await _refresh(hass, init_integration, freezer)
    used = _number(hass, TV_ENERGY)
    cloud.world.hc_plants[HC_PLANT].modules[TV_PLUG].load_watts = watts

    await _refresh(hass, init_integration, freezer)
    await _refresh(hass, init_integration, freezer)

    assert hass.states.get(TV_POWER).state == STATE_UNKNOWN
    assert _number(hass, TV_ENERGY) == pytest.approx(used, abs=1e-3)
    assert hass.states.get("switch.salon_prise_tv").state == STATE_ON

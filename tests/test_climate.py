"""Tests for the thermostats: modes, set points, presets, the timed actions, and errors."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import AsyncMock, patch

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import (
    ATTR_HVAC_ACTION,
    ATTR_HVAC_MODE,
    ATTR_PRESET_MODE,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_PRESET_MODE,
    SERVICE_SET_TEMPERATURE,
    HVACAction,
    HVACMode,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.legrand_eliot.climate import COMMAND_SETTLE, EliotClimate
from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.eliot import LoadState, ThermostatMode
from tests.demo import BEDROOM, BEDROOM_CLIMATE, LIVING, LIVING_CLIMATE, SM_PLANT
from tests.entities import NextPoll, PlatformSnapshot, shown
from tests.held_calls import held
from tests.polling import next_refresh

# A Wednesday morning: the living room's "At Home" program asks for 18 °C from 08:30 (Rome).
NOW = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)


pytestmark = pytest.mark.platforms(Platform.CLIMATE)


@pytest.fixture(autouse=True)
async def house_in_rome(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Run Home Assistant where the demo's thermostats are, at a fixed moment."""
    freezer.move_to(NOW)
    await hass.config.async_set_time_zone("Europe/Rome")


async def _thermostat(sim: TestClient, module_id: str = LIVING) -> dict[str, Any]:
    """Return a thermostat's state as the simulated cloud holds it."""
    state = await (await sim.get("/_sim/state")).json()
    return state["smarther"][SM_PLANT]["thermostats"][module_id]


async def _climate(
    hass: HomeAssistant, service: str, entity_id: str = LIVING_CLIMATE, **data: Any
) -> None:
    """Call a climate service and wait for it."""
    await hass.services.async_call(
        CLIMATE_DOMAIN, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


async def _action(
    hass: HomeAssistant, service: str, entity_id: str = LIVING_CLIMATE, **data: Any
) -> None:
    """Call one of the thermostat actions and wait for it."""
    await hass.services.async_call(
        DOMAIN, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


def _utc(value: str | None) -> datetime | None:
    """Read a time of the simulator's state."""
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Both thermostats: one heating on its program, one cooling on a held set point."""
    await platform_snapshot()


async def test_state_follows_the_thermostat(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Program, held set point, function, load and readings map onto the climate state."""
    living = hass.states.get(LIVING_CLIMATE)
    assert living.state == HVACMode.AUTO
    assert living.attributes["hvac_modes"] == [
        HVACMode.AUTO,
        HVACMode.HEAT,
        HVACMode.OFF,
    ]
    assert living.attributes[ATTR_PRESET_MODE] == "At Home"
    assert living.attributes[ATTR_TEMPERATURE] == 18.0
    assert living.attributes["current_temperature"] == 19.5
    assert living.attributes["current_humidity"] == 52.0
    assert living.attributes["min_temp"] == 3.0
    assert living.attributes["max_temp"] == 40.0
    assert living.attributes["target_temp_step"] == 0.1

    bedroom = hass.states.get(BEDROOM_CLIMATE)
    assert bedroom.state == HVACMode.COOL
    assert bedroom.attributes["hvac_modes"] == [
        HVACMode.AUTO,
        HVACMode.COOL,
        HVACMode.OFF,
    ]
    assert bedroom.attributes[ATTR_PRESET_MODE] is None
    assert bedroom.attributes[ATTR_TEMPERATURE] == 24.5
    assert bedroom.attributes[ATTR_HVAC_ACTION] == HVACAction.COOLING


async def test_fahrenheit_steps_by_whole_degrees(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    sim: TestClient,
) -> None:
    """Where Home Assistant shows °F, the set point moves by 1 °F, not 0.1 °F, and converts."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    living = hass.states.get(LIVING_CLIMATE)
    assert living.attributes["target_temp_step"] == 1.0
    assert living.attributes[ATTR_TEMPERATURE] == 64  # 18 °C

    await _climate(hass, SERVICE_SET_TEMPERATURE, **{ATTR_TEMPERATURE: 70})
    assert (await _thermostat(sim))["setpoint"] == pytest.approx(21.1)  # 70 °F


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # °F picked at onboarding (a US locale), then metric: 18 °C was shown as 64 °F.
        (
            "us_customary",
            "metric",
            {"temperature": 18.0, "current": 19.5, "min": 3.0, "max": 40.0},
        ),
        (
            "metric",
            "us_customary",
            {"temperature": 64, "current": 67, "min": 37, "max": 104},
        ),
    ],
)
async def test_unit_system_switch_shows_the_new_unit_at_once(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    sim: TestClient,
    before: str,
    after: str,
    expected: dict[str, float],
) -> None:
    """A unit system switch shows the thermostat in the new unit at once.

    Set point, reading, range and step change without waiting for the thermostat to change
    or for a refresh.
    """
    await hass.config.async_update(unit_system=before)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    calls = (await (await sim.get("/_sim/counters")).json())["total"]

    await hass.config.async_update(unit_system=after)
    await hass.async_block_till_done()

    living = hass.states.get(LIVING_CLIMATE)
    assert living.attributes[ATTR_TEMPERATURE] == expected["temperature"]
    assert living.attributes["current_temperature"] == expected["current"]
    assert living.attributes["min_temp"] == expected["min"]
    assert living.attributes["max_temp"] == expected["max"]
    assert living.attributes["target_temp_step"] == (
        1.0 if after == "us_customary" else 0.1
    )
    # No call was needed: the thermostat's state is known, only its unit changed.
    assert (await (await sim.get("/_sim/counters")).json())["total"] == calls
    # The dial accepts a set point within the new range, and the cloud gets it in °C.
    await _climate(
        hass,
        SERVICE_SET_TEMPERATURE,
        **{ATTR_TEMPERATURE: expected["temperature"] + (2 if after == "metric" else 4)},
    )
    assert (await _thermostat(sim))["setpoint"] == pytest.approx(20.0, abs=0.3)


async def test_other_configuration_changes_write_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A change of the configuration that leaves the unit system alone writes no state."""
    before = hass.states.get(LIVING_CLIMATE)
    await hass.config.async_update(location_name="Casa")
    await hass.config.async_update(unit_system="metric")
    await hass.async_block_till_done()
    assert hass.states.get(LIVING_CLIMATE).last_reported == before.last_reported


async def test_action_follows_the_load(
    hass: HomeAssistant, sim: TestClient, next_poll: NextPoll
) -> None:
    """A room below the set point makes the load heat; once above it, the thermostat idles."""
    # At the start the room (19.5 °C) is above the program's 18 °C: no heating.
    assert not (await _thermostat(sim))["load_active"]
    assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_HVAC_ACTION] == (
        HVACAction.IDLE
    )
    await sim.post(f"/_sim/modules/{LIVING}/physical", json={"temperature": 16.0})
    await next_poll()
    assert (await _thermostat(sim))["load_active"]
    assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_HVAC_ACTION] == (
        HVACAction.HEATING
    )
    await sim.post(f"/_sim/modules/{LIVING}/physical", json={"temperature": 19.5})
    await next_poll()
    assert not (await _thermostat(sim))["load_active"]
    assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_HVAC_ACTION] == (
        HVACAction.IDLE
    )


async def test_every_hvac_mode(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Heat holds the current set point, off turns off, auto resumes the program."""
    await _climate(hass, SERVICE_SET_HVAC_MODE, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    thermostat = await _thermostat(sim)
    assert (thermostat["mode"], thermostat["function"]) == ("manual", "heating")
    assert thermostat["setpoint"] == 18.0
    assert shown(hass, LIVING_CLIMATE, ATTR_PRESET_MODE) == (HVACMode.HEAT, None)

    await _climate(hass, SERVICE_SET_HVAC_MODE, **{ATTR_HVAC_MODE: HVACMode.OFF})
    assert (await _thermostat(sim))["mode"] == "off"
    assert shown(hass, LIVING_CLIMATE, ATTR_HVAC_ACTION) == (
        HVACMode.OFF,
        HVACAction.OFF,
    )

    await _climate(hass, SERVICE_SET_HVAC_MODE, **{ATTR_HVAC_MODE: HVACMode.AUTO})
    thermostat = await _thermostat(sim)
    assert (thermostat["mode"], thermostat["program"]) == ("automatic", 1)
    assert shown(hass, LIVING_CLIMATE, ATTR_PRESET_MODE) == (HVACMode.AUTO, "At Home")


async def test_cooling_thermostat_keeps_cooling(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A cooling thermostat is sent its own function with every mode."""
    await _climate(
        hass, SERVICE_SET_HVAC_MODE, BEDROOM_CLIMATE, **{ATTR_HVAC_MODE: HVACMode.AUTO}
    )
    thermostat = await _thermostat(sim, BEDROOM)
    assert (thermostat["mode"], thermostat["function"]) == ("automatic", "cooling")
    await _climate(
        hass, SERVICE_SET_HVAC_MODE, BEDROOM_CLIMATE, **{ATTR_HVAC_MODE: HVACMode.COOL}
    )
    thermostat = await _thermostat(sim, BEDROOM)
    assert (thermostat["mode"], thermostat["function"]) == ("manual", "cooling")
    assert hass.states.get(BEDROOM_CLIMATE).state == HVACMode.COOL


async def test_set_temperature_holds_it(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A new set point is held in manual mode, with no end."""
    await _climate(hass, SERVICE_SET_TEMPERATURE, **{ATTR_TEMPERATURE: 21.5})
    thermostat = await _thermostat(sim)
    assert (thermostat["mode"], thermostat["setpoint"]) == ("manual", 21.5)
    assert thermostat["activation_end"] is None
    assert shown(hass, LIVING_CLIMATE, ATTR_TEMPERATURE) == (HVACMode.HEAT, 21.5)


async def test_turn_on_and_off(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Turning off is the off mode; turning on follows the program again."""
    await _climate(hass, SERVICE_TURN_OFF)
    assert (await _thermostat(sim))["mode"] == "off"
    assert hass.states.get(LIVING_CLIMATE).state == HVACMode.OFF
    await _climate(hass, SERVICE_TURN_ON)
    assert (await _thermostat(sim))["mode"] == "automatic"
    assert hass.states.get(LIVING_CLIMATE).state == HVACMode.AUTO


async def test_boost_preset_lasts_thirty_minutes(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """The boost preset boosts from now for 30 minutes and shows the load running."""
    await _climate(hass, SERVICE_SET_PRESET_MODE, **{ATTR_PRESET_MODE: "boost"})
    thermostat = await _thermostat(sim)
    assert thermostat["mode"] == "boost"
    assert _utc(thermostat["activation_end"]) == NOW + timedelta(minutes=30)
    assert shown(hass, LIVING_CLIMATE, ATTR_PRESET_MODE, ATTR_HVAC_ACTION) == (
        HVACMode.HEAT,
        "boost",
        HVACAction.HEATING,
    )


async def test_protection_preset(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """The protection preset is the anti-frost mode, shown as off with the preset."""
    await _climate(hass, SERVICE_SET_PRESET_MODE, **{ATTR_PRESET_MODE: "protection"})
    assert (await _thermostat(sim))["mode"] == "protection"
    assert shown(hass, LIVING_CLIMATE, ATTR_PRESET_MODE) == (HVACMode.OFF, "protection")


async def test_program_preset_by_name(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A program picked by its name is followed in automatic mode."""
    await _climate(
        hass,
        SERVICE_SET_PRESET_MODE,
        BEDROOM_CLIMATE,
        **{ATTR_PRESET_MODE: "Risparmio"},
    )
    thermostat = await _thermostat(sim, BEDROOM)
    assert (thermostat["mode"], thermostat["program"]) == ("automatic", 3)
    assert shown(hass, BEDROOM_CLIMATE, ATTR_PRESET_MODE) == (
        HVACMode.AUTO,
        "Risparmio",
    )


@pytest.mark.parametrize("minutes", [30, 60, 90])
async def test_boost_action(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    minutes: int,
) -> None:
    """The boost action runs the boost for the chosen 30, 60 or 90 minutes."""
    await _action(hass, "boost", duration=str(minutes))
    thermostat = await _thermostat(sim)
    assert thermostat["mode"] == "boost"
    assert _utc(thermostat["activation_start"]) == NOW
    assert _utc(thermostat["activation_end"]) == NOW + timedelta(minutes=minutes)


async def test_boost_action_refuses_other_durations(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A boost of 45 minutes is refused before anything is sent."""
    with pytest.raises(Exception, match="duration"):
        await _action(hass, "boost", duration="45")
    assert (await _thermostat(sim))["mode"] == "automatic"


async def test_set_temperature_until_a_time(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A set point held until 12:30 house time ends then, and the program comes back."""
    await _action(
        hass, "set_temperature_until", temperature=22.5, end_time="2026-01-14 12:30:00"
    )
    thermostat = await _thermostat(sim)
    assert (thermostat["mode"], thermostat["setpoint"]) == ("manual", 22.5)
    # 12:30 in Rome is 11:30 UTC in January.
    assert _utc(thermostat["activation_end"]) == datetime(
        2026, 1, 14, 11, 30, tzinfo=UTC
    )
    state = hass.states.get(LIVING_CLIMATE)
    assert state.state == HVACMode.HEAT
    assert state.attributes[ATTR_TEMPERATURE] == 22.5

    freezer.move_to(datetime(2026, 1, 14, 11, 31, tzinfo=UTC))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(LIVING_CLIMATE).state == HVACMode.AUTO


async def test_set_temperature_for_a_duration(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A set point held for 45 minutes ends 45 minutes from now."""
    await _action(
        hass,
        "set_temperature_until",
        temperature=19,
        duration={"minutes": 45},
    )
    thermostat = await _thermostat(sim)
    assert (thermostat["mode"], thermostat["setpoint"]) == ("manual", 19.0)
    assert _utc(thermostat["activation_end"]) == NOW + timedelta(minutes=45)


async def test_end_time_in_the_past_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """An end time already past is refused with a message, and nothing is sent."""
    before = (await (await sim.get("/_sim/counters")).json())["total"]
    with pytest.raises(ServiceValidationError) as err:
        await _action(hass, "turn_off_until", end_time="2026-01-14 09:00:00+01:00")
    assert err.value.translation_key == "end_time_in_past"
    assert err.value.translation_placeholders == {"end_time": "2026-01-14 09:00"}
    assert (await (await sim.get("/_sim/counters")).json())["total"] == before


async def test_zero_duration_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A timed mode that would end at once is refused before anything is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await _action(
            hass, "set_temperature_until", temperature=21, duration="00:00:00"
        )
    assert err.value.translation_key == "end_time_in_past"
    assert (await _thermostat(sim))["mode"] == "automatic"


async def test_turn_off_until(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Turning off until a moment sends the end with the off mode."""
    await _action(hass, "turn_off_until", end_time="2026-01-15T07:00:00+01:00")
    thermostat = await _thermostat(sim)
    assert thermostat["mode"] == "off"
    assert _utc(thermostat["activation_end"]) == datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
    assert hass.states.get(LIVING_CLIMATE).state == HVACMode.OFF

    await _action(hass, "turn_off_until", BEDROOM_CLIMATE, duration="02:00:00")
    thermostat = await _thermostat(sim, BEDROOM)
    assert (thermostat["mode"], thermostat["function"]) == ("off", "cooling")
    assert _utc(thermostat["activation_end"]) == NOW + timedelta(hours=2)


async def test_set_program_by_name(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """The set program action follows the program of that name."""
    await _action(hass, "set_program", program="Not At Home")
    thermostat = await _thermostat(sim)
    assert (thermostat["mode"], thermostat["program"]) == ("automatic", 2)
    assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_PRESET_MODE] == "Not At Home"


async def test_unknown_program_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A program name the thermostat does not have is refused, naming the ones it has."""
    with pytest.raises(ServiceValidationError) as err:
        await _action(hass, "set_program", program="Vacances")
    assert err.value.translation_key == "unknown_program"
    assert err.value.translation_placeholders == {
        "program": "Vacances",
        "programs": "Default, At Home, Not At Home, Risparmio",
    }
    assert (await _thermostat(sim))["program"] == 1


async def test_busy_display(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A display in use past every retry fails the command and changes nothing."""
    client = init_integration.runtime_data.client
    with patch.object(client, "sleep", AsyncMock()) as sleep:
        await sim.post(f"/_sim/modules/{LIVING}/busy", json={"count": 10})
        with pytest.raises(HomeAssistantError) as err:
            await _climate(hass, SERVICE_SET_TEMPERATURE, **{ATTR_TEMPERATURE: 23})
    assert err.value.translation_key == "display_busy"
    assert sleep.await_count == client.busy_retries
    assert (await _thermostat(sim))["mode"] == "automatic"
    assert shown(hass, LIVING_CLIMATE, ATTR_TEMPERATURE) == (HVACMode.AUTO, 18.0)


async def test_busy_display_once_then_done(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A display busy for a moment only delays the command."""
    client = init_integration.runtime_data.client
    with patch.object(client, "sleep", AsyncMock()):
        await sim.post(f"/_sim/modules/{LIVING}/busy", json={"count": 1})
        await _climate(hass, SERVICE_SET_TEMPERATURE, **{ATTR_TEMPERATURE: 23})
    assert (await _thermostat(sim))["setpoint"] == 23.0
    assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_TEMPERATURE] == 23.0


async def test_words_the_integration_does_not_know(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A mode and load the API never documented read as unknown; auto picks a program."""
    coordinator = init_integration.runtime_data.coordinator
    plant = coordinator.data.smarther[SM_PLANT]
    coordinator.apply_thermostat(
        replace(
            plant.thermostats[LIVING],
            mode=ThermostatMode.UNKNOWN,
            load_state=LoadState.UNKNOWN,
            programs=(),
        )
    )
    await hass.async_block_till_done()
    state = hass.states.get(LIVING_CLIMATE)
    assert state.state == "unknown"
    assert state.attributes.get(ATTR_HVAC_ACTION) is None
    assert state.attributes[ATTR_PRESET_MODE] is None

    await _climate(hass, SERVICE_SET_HVAC_MODE, **{ATTR_HVAC_MODE: HVACMode.AUTO})
    thermostat = await _thermostat(sim)
    assert (thermostat["mode"], thermostat["program"]) == ("automatic", 0)


async def test_thermostat_offline_from_the_start(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    credentials: None,
    config_entry: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A thermostat never heard from is unavailable, with no reading, until it answers."""
    await sim.post(f"/_sim/plants/{SM_PLANT}/online", json={"online": False})
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(LIVING_CLIMATE)
    assert state.state == STATE_UNAVAILABLE
    assert state.attributes["hvac_modes"] == [
        HVACMode.AUTO,
        HVACMode.HEAT,
        HVACMode.OFF,
    ]
    entity = hass.data["entity_components"][CLIMATE_DOMAIN].get_entity(LIVING_CLIMATE)
    assert entity.hvac_mode is None
    assert entity.hvac_action is None
    assert entity.preset_mode is None
    assert entity.native_current_temperature is None
    assert entity.current_humidity is None
    assert entity.native_target_temperature is None

    await sim.post(f"/_sim/plants/{SM_PLANT}/online", json={"online": True})
    await next_refresh(hass, freezer, config_entry.runtime_data.coordinator)
    assert hass.states.get(LIVING_CLIMATE).state == HVACMode.AUTO


class TestPlantInAnotherZone:
    """Home Assistant in US/Pacific, the thermostats in Rome: times are the plant's own."""

    @pytest.fixture
    def start_time(self, moment: datetime) -> datetime:
        """Start at the moment under test."""
        return moment

    @pytest.fixture(autouse=True)
    async def house_in_rome(self, hass: HomeAssistant) -> None:
        """Run Home Assistant on the US west coast, away from the thermostats."""
        await hass.config.async_set_time_zone("US/Pacific")

    @pytest.mark.parametrize(
        "moment",
        [
            # Rome on summer time; then Rome back on winter time while California is not;
            # then both on winter time.
            datetime(2026, 10, 24, 10, 0, tzinfo=UTC),
            datetime(2026, 10, 28, 10, 0, tzinfo=UTC),
            datetime(2026, 11, 5, 10, 0, tzinfo=UTC),
        ],
    )
    async def test_boost_and_until_in_the_plant_zone(
        self,
        hass: HomeAssistant,
        init_integration: MockConfigEntry,
        sim: TestClient,
        moment: datetime,
    ) -> None:
        """Boost and "until" are accepted and end when asked, whatever the zones."""
        await _action(hass, "boost", duration="60")
        thermostat = await _thermostat(sim)
        assert thermostat["mode"] == "boost"
        assert _utc(thermostat["activation_start"]) == moment
        assert _utc(thermostat["activation_end"]) == moment + timedelta(minutes=60)
        await _action(
            hass, "set_temperature_until", temperature=21, duration="02:00:00"
        )
        thermostat = await _thermostat(sim)
        assert thermostat["mode"] == "manual"
        assert _utc(thermostat["activation_end"]) == moment + timedelta(hours=2)
        # Read back in the plant's own time, the end is the same moment.
        coordinator = init_integration.runtime_data.coordinator
        await coordinator.async_refresh()
        status = coordinator.data.smarther[SM_PLANT].thermostats[LIVING]
        assert status.activation_time is not None
        assert status.activation_time.end == moment + timedelta(hours=2)

    @pytest.mark.parametrize("moment", [datetime(2026, 10, 24, 10, 0, tzinfo=UTC)])
    async def test_the_plant_offset_follows_its_dst_change(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        sim: TestClient,
        next_poll: NextPoll,
        moment: datetime,
    ) -> None:
        """Learned at +02:00 before Rome's change, the offset is +01:00 after it."""
        freezer.move_to(moment + timedelta(days=2))
        await next_poll()
        now = dt_util.utcnow()
        assert now > moment + timedelta(days=2)
        await _action(hass, "turn_off_until", duration="03:00:00")
        thermostat = await _thermostat(sim)
        assert thermostat["mode"] == "off"
        assert _utc(thermostat["activation_end"]) == now + timedelta(hours=3)


async def _counted_calls(sim: TestClient) -> int:
    """Return how many calls the simulated cloud has answered."""
    return int((await (await sim.get("/_sim/counters")).json())["total"])


def _set_points(first: float, count: int) -> list[float]:
    """Return the set points of an arrow held from `first`, a tenth of a degree a press."""
    return [round(first + step / 10, 1) for step in range(count)]


async def _burst(
    hass: HomeAssistant, set_points: list[float]
) -> list[BaseException | None]:
    """Ask for each set point at once, as a dial held down does; return each call's outcome."""
    return await asyncio.gather(
        *(
            _climate(hass, SERVICE_SET_TEMPERATURE, **{ATTR_TEMPERATURE: set_point})
            for set_point in set_points
        ),
        return_exceptions=True,
    )


async def test_a_held_arrow_costs_two_calls_and_ends_where_asked(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Fifty set points asked at once: two calls, the last one held, each shown as asked."""
    seen: list[float] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None:
            seen.append(state.attributes[ATTR_TEMPERATURE])

    async_track_state_change_event(hass, LIVING_CLIMATE, record)
    before = await _counted_calls(sim)
    set_points = _set_points(20.1, 50)
    assert await _burst(hass, set_points) == [None] * 50
    assert await _counted_calls(sim) - before <= 2
    thermostat = await _thermostat(sim)
    assert (thermostat["mode"], thermostat["setpoint"]) == ("manual", 25.0)
    assert shown(hass, LIVING_CLIMATE, ATTR_TEMPERATURE) == (HVACMode.HEAT, 25.0)
    # Each press showed at once, and nothing else did: no answer to an earlier press.
    assert seen == set_points


async def test_presses_one_after_the_other_cost_two_calls(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Fifteen presses of the dial, a fifth of a second apart: two calls, the last one held.

    A person presses more slowly than the cloud answers, so each press finds the previous call
    answered; the thermostat waits for the presses to pause before it sends the newest.
    """
    before = await _counted_calls(sim)
    set_points = _set_points(20.1, 15)
    with patch.object(EliotClimate, "_command_settle", COMMAND_SETTLE):
        await _climate(hass, SERVICE_SET_TEMPERATURE, **{ATTR_TEMPERATURE: 20.1})
        presses = []
        for set_point in set_points[1:]:
            freezer.tick(0.2)
            presses.append(
                hass.async_create_task(
                    _climate(
                        hass, SERVICE_SET_TEMPERATURE, **{ATTR_TEMPERATURE: set_point}
                    )
                )
            )
            await asyncio.sleep(0)
        assert await _counted_calls(sim) - before == 1
        assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_TEMPERATURE] == 21.5
        # The presses pause.
        freezer.tick(COMMAND_SETTLE + 0.5)
        assert await asyncio.gather(*presses) == [None] * 14
    assert await _counted_calls(sim) - before == 2
    assert (await _thermostat(sim))["setpoint"] == 21.5
    assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_TEMPERATURE] == 21.5


async def test_a_refused_last_set_point_is_the_one_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """The newest set point refused: its caller alone gets the error; the state is the cloud's."""
    await sim.post("/_sim/faults", json={"status": 430, "match": LIVING, "count": 2})
    before = await _counted_calls(sim)
    outcomes = await _burst(hass, _set_points(20.1, 50))
    assert outcomes[:49] == [None] * 49
    error = outcomes[49]
    assert isinstance(error, ServiceValidationError)
    assert error.translation_key == "invalid_value"
    assert await _counted_calls(sim) - before == 2
    assert shown(hass, LIVING_CLIMATE, ATTR_TEMPERATURE) == (HVACMode.AUTO, 18.0)


async def test_a_refused_earlier_set_point_is_silent(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """The call in flight refused while a newer set point waits: no error, the newest is held."""
    await sim.post("/_sim/faults", json={"status": 430, "match": LIVING, "count": 1})
    assert await _burst(hass, _set_points(20.1, 15)) == [None] * 15
    assert (await _thermostat(sim))["setpoint"] == 21.5
    assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_TEMPERATURE] == 21.5


async def test_the_newest_intent_wins_whatever_its_kind(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Set points, then off, then a set point again: the thermostat holds the last one."""
    outcomes = await asyncio.gather(
        _climate(hass, SERVICE_SET_TEMPERATURE, **{ATTR_TEMPERATURE: 20.5}),
        _climate(hass, SERVICE_SET_TEMPERATURE, **{ATTR_TEMPERATURE: 21.0}),
        _climate(hass, SERVICE_SET_HVAC_MODE, **{ATTR_HVAC_MODE: HVACMode.OFF}),
        _climate(hass, SERVICE_SET_PRESET_MODE, **{ATTR_PRESET_MODE: "boost"}),
        _climate(hass, SERVICE_SET_HVAC_MODE, **{ATTR_HVAC_MODE: HVACMode.AUTO}),
    )
    assert outcomes == [None] * 5
    thermostat = await _thermostat(sim)
    assert (thermostat["mode"], thermostat["program"]) == ("automatic", 1)
    assert hass.states.get(LIVING_CLIMATE).state == HVACMode.AUTO


async def test_a_poll_while_a_set_point_waits_shows_the_set_point(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A refresh that reads the thermostat before the newest set point reached it shows nothing old."""
    coordinator = init_integration.runtime_data.coordinator
    with held(init_integration.runtime_data.client, "set_manual") as calls:
        task = hass.async_create_task(_burst(hass, [20.5, 21.5]))
        await calls.started.wait()
        await asyncio.sleep(0)
        assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_TEMPERATURE] == 21.5
        coordinator.request_full_read()
        await coordinator.async_refresh()
        assert coordinator.data.smarther[SM_PLANT].thermostats[LIVING].set_point == 18.0
        assert shown(hass, LIVING_CLIMATE, ATTR_TEMPERATURE) == (HVACMode.HEAT, 21.5)
        calls.release()
        assert await task == [None, None]
    assert (await _thermostat(sim))["setpoint"] == 21.5
    assert hass.states.get(LIVING_CLIMATE).attributes[ATTR_TEMPERATURE] == 21.5


async def test_nothing_is_sent_after_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Set points waiting when the entry unloads are dropped; the one in flight may finish."""
    before = await _counted_calls(sim)
    with held(init_integration.runtime_data.client, "set_manual") as calls:
        task = hass.async_create_task(_burst(hass, _set_points(20.1, 20)))
        await calls.started.wait()
        assert await hass.config_entries.async_unload(init_integration.entry_id)
        calls.release()
        assert await task == [None] * 20
    await hass.async_block_till_done()
    assert await _counted_calls(sim) - before == 1
    assert (await _thermostat(sim))["setpoint"] == 20.1

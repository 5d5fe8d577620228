"""Smarther chronothermostats as climate entities, with their timed modes as entity actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, override

from homeassistant.components.climate import ClimateEntity, ClimateEntityDescription
from homeassistant.components.climate.const import (
    ClimateEntityFeature,
    HVACAction,
    HVACMode,
)
from homeassistant.const import (
    ATTR_TEMPERATURE,
    EVENT_CORE_CONFIG_UPDATE,
    UnitOfTemperature,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .climate_actions import (
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    async_register_thermostat_actions,
    end_of,
)
from .climate_modes import (
    PRESET_BOOST,
    PRESET_BOOST_MINUTES,
    PRESET_PROTECTION,
    function_for,
    hvac_action_of,
    hvac_mode_of,
    manual_mode,
    preset_of,
    presets,
    program_number,
)
from .command_entities import ThermostatCommandEntity
from .coordinator import LegrandEliotConfigEntry
from .discovery import async_add_entities_when_seen, thermostat_candidates
from .eliot import LoadState, ThermostatFunction, ThermostatMode
from .eliot.smarther_models import ActivationTime
from .entity import ThermostatEntityDescription, celsius, function_of
from .error_mapping import eliot_command

# Each thermostat's commands are coalesced by its own queue and the client sends one request at
# a time: a platform-wide turn would hold every press behind the answer to the previous one.
PARALLEL_UPDATES = 0

# The API takes set points with one decimal, and maintained clients offer 0.1 °C steps.
TEMPERATURE_STEP = 0.1
# Where Home Assistant shows °F: a whole degree, as it shows those temperatures.
FAHRENHEIT_STEP = 1.0
# A set point pressed right after another waits until the presses pause this long (seconds), so
# that a person stepping the dial costs two calls, as Home Assistant's own +/- buttons wait 1 s.
COMMAND_SETTLE = 1.0
# Holding "the current temperature" needs a value when the thermostat reported none.
FALLBACK_SET_POINT = 20.0
# Home Assistant 2026.11 names the temperatures in the entity's own unit `native_...` and
# reports the former names as deprecated (gone in 2027.11); earlier versions read only those.
NATIVE_TEMPERATURE_NAMES = hasattr(ClimateEntity, "native_temperature_unit")


@dataclass(frozen=True, kw_only=True)
class EliotClimateEntityDescription(
    ClimateEntityDescription, ThermostatEntityDescription
):
    """The climate entity of a thermostat."""


CLIMATES: tuple[EliotClimateEntityDescription, ...] = (
    EliotClimateEntityDescription(
        key="thermostat", name=None, translation_key="thermostat"
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a climate entity for every thermostat, and the thermostat actions."""
    async_add_entities_when_seen(
        entry,
        async_add_entities,
        lambda coordinator: thermostat_candidates(coordinator, CLIMATES, EliotClimate),
    )
    async_register_thermostat_actions()


@callback
def _unit_system_changed(event_data: dict[str, Any]) -> bool:
    """Return whether a change of Home Assistant's configuration names a unit system."""
    return "unit_system" in event_data


class EliotClimate(ThermostatCommandEntity, ClimateEntity):
    """A chronothermostat: a weekly program, a held set point, boost, off or protection."""

    entity_description: EliotClimateEntityDescription
    _command_settle = COMMAND_SETTLE
    _attr_min_temp = MIN_TEMPERATURE
    _attr_max_temp = MAX_TEMPERATURE
    _attr_supported_features = (
        ClimateEntityFeature.TARGET_TEMPERATURE
        | ClimateEntityFeature.PRESET_MODE
        | ClimateEntityFeature.TURN_ON
        | ClimateEntityFeature.TURN_OFF
    )

    @override
    async def async_added_to_hass(self) -> None:
        """Write the state again when Home Assistant's unit system changes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.hass.bus.async_listen(
                EVENT_CORE_CONFIG_UPDATE,
                self._async_unit_system_changed,
                event_filter=_unit_system_changed,
            )
        )

    @callback
    def _async_unit_system_changed(self, _event: Event[dict[str, Any]]) -> None:
        """Show the temperatures, their range and step in the new unit at once.

        They are converted to Home Assistant's unit when the state is written, and the
        thermostat did not change: the coordinator would not tell this entity.
        """
        self._handle_coordinator_update()

    @property
    def native_temperature_unit(self) -> str:
        """Return the unit the thermostat's temperatures are in: the API speaks °C."""
        return UnitOfTemperature.CELSIUS

    @property
    @override
    def target_temperature_step(self) -> float:
        """Return 0.1 °C, or a whole degree where Home Assistant shows °F.

        Home Assistant shows the step as it is, in its own unit: 0.1 would be 0.1 °F, a tenth of
        what the thermostat can tell apart, and °F temperatures show as whole degrees.
        """
        if self.hass.config.units.temperature_unit == UnitOfTemperature.FAHRENHEIT:
            return FAHRENHEIT_STEP
        return TEMPERATURE_STEP

    @property
    @override
    def hvac_modes(self) -> list[HVACMode]:
        """Return the modes: the program, a held set point, off."""
        return [HVACMode.AUTO, manual_mode(self.status), HVACMode.OFF]

    @property
    @override
    def hvac_mode(self) -> HVACMode | None:
        """Return the mode from the thermostat's own one."""
        return hvac_mode_of(self.status)

    @property
    @override
    def hvac_action(self) -> HVACAction | None:
        """Return what the load does: a running load heats or cools, else idle or off."""
        return hvac_action_of(self.status)

    @property
    def native_current_temperature(self) -> float | None:
        """Return the room temperature (°C)."""
        return None if self.status is None else celsius(self.status.temperature)

    @property
    @override
    def current_humidity(self) -> float | None:
        """Return the room humidity."""
        status = self.status
        return (
            None if status is None or status.humidity is None else status.humidity.value
        )

    @property
    def native_target_temperature(self) -> float | None:
        """Return the set point the thermostat regulates to now (°C)."""
        return None if self.status is None else self.status.set_point

    if not TYPE_CHECKING and not NATIVE_TEMPERATURE_NAMES:
        # Home Assistant before 2026.11 reads the temperatures by their former names. Not
        # type-checked: 2026.11 declares those names final, 2026.10 knows no other.

        @property
        def temperature_unit(self) -> str:
            """Return the unit of the temperatures."""
            return self.native_temperature_unit

        @property
        def current_temperature(self) -> float | None:
            """Return the room temperature."""
            return self.native_current_temperature

        @property
        def target_temperature(self) -> float | None:
            """Return the set point."""
            return self.native_target_temperature

    @property
    @override
    def preset_modes(self) -> list[str]:
        """Return boost, protection and the weekly programs by name."""
        return presets(self.program_labels)

    @property
    @override
    def preset_mode(self) -> str | None:
        """Return boost, protection, or the name of the program being followed."""
        if (status := self.status) is None:
            return None
        return preset_of(status.mode, self.program_label(status.program))

    def _plant_zone(self) -> tzinfo:
        """Return the zone the plant's thermostats take times in, as last learned."""
        found = self.coordinator.data.thermostat(self.module_id)
        return dt_util.get_default_time_zone() if found is None else found[0].zone

    def _plant_time(self, end: datetime | None) -> datetime | None:
        """Return an end time as the plant's wall clock shows it, as commands write it."""
        return (
            None
            if end is None
            else end.astimezone(self._plant_zone()).replace(tzinfo=None)
        )

    def _program_to_follow(self) -> int:
        """Return the program "auto" resumes: the current one, else the first one."""
        status = self.status
        if status is not None and status.program is not None:
            return status.program
        return next(iter(self.program_labels.values()), 0)

    async def _automatic(self, program: int) -> None:
        """Follow a weekly program."""
        function = function_of(self.status)
        await self._command(
            lambda: self.client.set_automatic(
                self.plant_id, self.module_id, function=function, program=program
            ),
            function=function,
            mode=ThermostatMode.AUTOMATIC,
            programs=(program,),
            activation_time=None,
        )

    async def _manual(
        self,
        set_point: float,
        function: ThermostatFunction,
        end: datetime | None = None,
    ) -> None:
        """Hold a set point, forever or until a moment."""
        until = self._plant_time(end)
        await self._command(
            lambda: self.client.set_manual(
                self.plant_id,
                self.module_id,
                function=function,
                set_point=set_point,
                until=until,
            ),
            function=function,
            mode=ThermostatMode.MANUAL,
            set_point=set_point,
            activation_time=None
            if end is None
            else ActivationTime(start=None, end=end),
        )

    async def _off(self, end: datetime | None = None) -> None:
        """Turn the thermostat off, forever or until a moment."""
        function = function_of(self.status)
        until = self._plant_time(end)
        await self._command(
            lambda: self.client.set_off(
                self.plant_id, self.module_id, function=function, until=until
            ),
            mode=ThermostatMode.OFF,
            load_state=LoadState.INACTIVE,
            activation_time=None
            if end is None
            else ActivationTime(start=None, end=end),
        )

    async def _boost(self, minutes: int) -> None:
        """Run the load at full power for 30, 60 or 90 minutes."""
        function = function_of(self.status)
        zone = self._plant_zone()
        now = dt_util.now()
        await self._command(
            lambda: self.client.set_boost(
                self.plant_id,
                self.module_id,
                function=function,
                minutes=minutes,
                time_zone=zone,
            ),
            mode=ThermostatMode.BOOST,
            load_state=LoadState.ACTIVE,
            activation_time=ActivationTime(
                start=now, end=now + timedelta(minutes=minutes)
            ),
        )

    @eliot_command
    @override
    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Follow the program, hold the current set point, or turn off."""
        if hvac_mode == HVACMode.AUTO:
            await self._automatic(self._program_to_follow())
        elif hvac_mode == HVACMode.OFF:
            await self._off()
        else:
            set_point = self.native_target_temperature or FALLBACK_SET_POINT
            await self._manual(set_point, function_for(hvac_mode))

    @eliot_command
    @override
    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Hold a set point until the next change."""
        await self._manual(float(kwargs[ATTR_TEMPERATURE]), function_of(self.status))

    @eliot_command
    @override
    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Start a 30-minute boost, protection, or follow a program by name."""
        if preset_mode == PRESET_BOOST:
            await self._boost(PRESET_BOOST_MINUTES)
        elif preset_mode == PRESET_PROTECTION:
            function = function_of(self.status)
            await self._command(
                lambda: self.client.set_protection(
                    self.plant_id, self.module_id, function=function
                ),
                mode=ThermostatMode.PROTECTION,
                activation_time=None,
            )
        else:
            await self._automatic(program_number(self.program_labels, preset_mode))

    @eliot_command
    @override
    async def async_turn_on(self) -> None:
        """Turn on: follow the program again."""
        await self._automatic(self._program_to_follow())

    @eliot_command
    @override
    async def async_turn_off(self) -> None:
        """Turn off until the next change."""
        await self._off()

    @eliot_command
    async def async_boost(self, duration: int) -> None:
        """Run the load at full power for 30, 60 or 90 minutes."""
        await self._boost(duration)

    @eliot_command
    async def async_set_temperature_until(
        self,
        temperature: float,
        end_time: datetime | None = None,
        duration: timedelta | None = None,
    ) -> None:
        """Hold a set point until a moment or for a while, then follow the program again."""
        end = end_of(end_time, duration)
        await self._manual(temperature, function_of(self.status), end)

    @eliot_command
    async def async_turn_off_until(
        self, end_time: datetime | None = None, duration: timedelta | None = None
    ) -> None:
        """Turn off until a moment or for a while, then follow the program again."""
        await self._off(end_of(end_time, duration))

    @eliot_command
    async def async_set_program(self, program: str) -> None:
        """Follow a weekly program, named as the Thermostat app names it."""
        await self._automatic(program_number(self.program_labels, program))

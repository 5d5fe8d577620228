"""Sensors: power and energy, battery of remotes, room climate, and the account's call budget."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import override

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .battery import BATTERY_LEVELS, BatteryEntity, battery_level
from .changes import EnergyTotalContext
from .coordinator import LegrandEliotConfigEntry, LegrandEliotCoordinator
from .devices import account_id
from .discovery import (
    Candidate,
    async_add_entities_when_seen,
    module_candidates,
    thermostat_candidates,
)
from .eliot import DeviceKind, ThermostatStatus
from .eliot.home_control_models import ModuleState
from .entity import (
    AccountEntity,
    HomeControlEntity,
    ModuleEntityDescription,
    ThermostatEntity,
    ThermostatEntityDescription,
    celsius,
)
from .push_health import PushState

PARALLEL_UPDATES = 0

_WATT_HOUR_UNITS = {"wh", "watt_hour", "watthour", "watt-hour"}
_KILOWATT_HOUR_UNITS = {"kwh", "kilowatt_hour", "kilowatthour", "kilowatt-hour"}


def meter_energy(state: ModuleState) -> float | None:
    """Return the energy a module's own meter counted (kWh), if it reports one."""
    for measure in state.consumptions:
        unit = (measure.unit or "").lower()
        if unit in _KILOWATT_HOUR_UNITS:
            return measure.value
        if unit in _WATT_HOUR_UNITS:
            return measure.value / 1000
    return None


def _reports_power(_module: object, state: ModuleState) -> bool:
    """Return whether a module reports the power it draws or its energy."""
    return state.power is not None or meter_energy(state) is not None


def _mode_end(status: ThermostatStatus) -> datetime | None:
    """Return when a timed mode (boost, manual or off until...) ends; a bare time is local."""
    if status.activation_time is None or status.activation_time.end is None:
        return None
    return dt_util.as_local(status.activation_time.end)


@dataclass(frozen=True, kw_only=True)
class ModuleSensorEntityDescription(SensorEntityDescription, ModuleEntityDescription):
    """A sensor of a Home + Control module and how to read it from the module's state."""

    value_fn: Callable[[ModuleState], StateType]


@dataclass(frozen=True, kw_only=True)
class ThermostatSensorEntityDescription(
    SensorEntityDescription, ThermostatEntityDescription
):
    """A sensor of a thermostat and how to read it from its status."""

    value_fn: Callable[[ThermostatStatus], StateType | datetime]


@dataclass(frozen=True, kw_only=True)
class AccountSensorEntityDescription(SensorEntityDescription):
    """A sensor of the account: its call budget and how push is doing."""

    value_fn: Callable[[LegrandEliotCoordinator], StateType | datetime]


POWER = ModuleSensorEntityDescription(
    key="power",
    device_class=SensorDeviceClass.POWER,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfPower.WATT,
    kinds=(
        DeviceKind.LIGHT,
        DeviceKind.PLUG,
        DeviceKind.ENERGYMETER,
        DeviceKind.HEATER,
    ),
    exists_fn=lambda _module, state: state.power is not None,
    value_fn=lambda state: state.power,
)
ENERGY = ModuleSensorEntityDescription(
    key="energy",
    device_class=SensorDeviceClass.ENERGY,
    state_class=SensorStateClass.TOTAL_INCREASING,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    suggested_display_precision=2,
    kinds=POWER.kinds,
    exists_fn=_reports_power,
    value_fn=meter_energy,
)
# The battery word itself, beside the battery binary sensor (binary_sensor.py) that is the
# remote's battery entity. Kept for the automations that read it, but disabled at first on new
# remotes: the API gives no percentage, so it is an enum (invented numbers would suggest a
# precision the device lacks), which Home Assistant's battery views do not read.
BATTERY = ModuleSensorEntityDescription(
    key="battery",
    translation_key="battery",
    device_class=SensorDeviceClass.ENUM,
    options=list(BATTERY_LEVELS),
    entity_category=EntityCategory.DIAGNOSTIC,
    entity_registry_enabled_default=False,
    kinds=(DeviceKind.REMOTE,),
    value_fn=battery_level,
)

THERMOSTAT_SENSORS: tuple[ThermostatSensorEntityDescription, ...] = (
    ThermostatSensorEntityDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        value_fn=lambda status: celsius(status.temperature),
    ),
    ThermostatSensorEntityDescription(
        key="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        value_fn=lambda status: (
            None if status.humidity is None else status.humidity.value
        ),
    ),
    ThermostatSensorEntityDescription(
        key="mode_end",
        translation_key="mode_end",
        entity_registry_enabled_default=False,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_mode_end,
    ),
)

ACCOUNT_SENSORS: tuple[AccountSensorEntityDescription, ...] = (
    AccountSensorEntityDescription(
        key="calls_today",
        translation_key="calls_today",
        entity_registry_enabled_default=False,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda coordinator: coordinator.budget.calls_used,
    ),
    AccountSensorEntityDescription(
        key="calls_left",
        translation_key="calls_left",
        entity_registry_enabled_default=False,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda coordinator: coordinator.budget.calls_left,
    ),
    AccountSensorEntityDescription(
        key="push_state",
        translation_key="push_state",
        entity_registry_enabled_default=False,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in PushState],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda coordinator: coordinator.push.state.value,
    ),
    AccountSensorEntityDescription(
        key="push_last_event",
        translation_key="push_last_event",
        entity_registry_enabled_default=False,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda coordinator: coordinator.push.last_event,
    ),
)


def _candidates(
    coordinator: LegrandEliotCoordinator,
) -> Iterator[Candidate]:
    """Yield every sensor the account's modules, thermostats and budget call for."""
    yield from module_candidates(coordinator, (POWER,), ModuleSensor)
    yield from module_candidates(coordinator, (BATTERY,), BatterySensor)
    yield from module_candidates(coordinator, (ENERGY,), EnergySensor)
    yield from thermostat_candidates(coordinator, THERMOSTAT_SENSORS, ThermostatSensor)
    for description in ACCOUNT_SENSORS:
        yield Candidate(
            account_id(coordinator),
            f"{account_id(coordinator)}_{description.key}",
            partial(AccountSensor, coordinator, description),
        )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every module and thermostat, now and when one appears."""
    async_add_entities_when_seen(entry, async_add_entities, _candidates)


class ModuleSensor(HomeControlEntity, SensorEntity):
    """A reading of a Home + Control module."""

    entity_description: ModuleSensorEntityDescription

    @property
    @override
    def native_value(self) -> StateType:
        """Return the reading."""
        return self.entity_description.value_fn(self.module_state)


class BatterySensor(BatteryEntity, ModuleSensor):
    """The battery of a remote, as the word the remote reports."""


class EnergySensor(HomeControlEntity, RestoreSensor):
    """
    The energy a module used, for the Energy dashboard.

    A module with its own meter is read as it is. Otherwise the power readings are summed
    over time (each reading holds until the next one, as loads switch in steps), and the total
    survives restarts. Time when the power is unknown (module unreachable, restart) adds nothing.
    """

    entity_description: ModuleSensorEntityDescription
    _total: float = 0.0
    # The last power reading (W) and when it was taken, while it is known.
    _last: tuple[float, datetime] | None = None
    # The reading the total was last brought up to date with (see `_reading`).
    _sampled: tuple[int | None, ModuleState] | None = None

    def __init__(
        self,
        coordinator: LegrandEliotCoordinator,
        module_id: str,
        description: ModuleSensorEntityDescription,
    ) -> None:
        """Be told of every reading while the module draws power: the total grows with each."""
        super().__init__(coordinator, module_id, description)
        self.coordinator_context = EnergyTotalContext(module_id)

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the total and start summing from now."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is not None and isinstance(
            last.native_value, int | float | Decimal
        ):
            self._total = float(last.native_value)
        self._sample()

    def _reading(self) -> tuple[int | None, ModuleState]:
        """Return the module's reading: the number of its plant's last answer, and its state.

        Each answer is a new reading of a module drawing power, even one that repeats the last:
        the energy it stands for grows with each.
        """
        found = self._found()
        status = None if found is None else found[0].status
        return (None if status is None else status.read), self.module_state

    def _sample(self) -> None:
        """Add the energy of the time since the last reading, then keep the new reading."""
        now = dt_util.utcnow()
        self._sampled = self._reading()
        state = self._sampled[1]
        if (metered := meter_energy(state)) is not None:
            self._total = metered
            self._last = None
            return
        power = state.power if state.reachable else None
        # A span that ends with the power unknown is not counted: when it changed is unknown.
        if self._last is not None and power is not None:
            watts, since = self._last
            hours = max((now - since).total_seconds(), 0.0) / 3600
            self._total += watts * hours / 1000
        self._last = None if power is None else (power, now)

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Account for the time since the last reading, when a new reading came.

        Updates that bring no reading of this module (a pushed thermostat change) leave the
        total as it is, so the sensor is not written for them.
        """
        if self._reading() != self._sampled:
            self._sample()
        super()._handle_coordinator_update()

    @property
    @override
    def native_value(self) -> float:
        """Return the energy used so far (kWh)."""
        return round(self._total, 6)


class ThermostatSensor(ThermostatEntity, SensorEntity):
    """A reading of a thermostat."""

    entity_description: ThermostatSensorEntityDescription

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """Return the reading."""
        status = self.status
        return None if status is None else self.entity_description.value_fn(status)


class AccountSensor(AccountEntity, SensorEntity):
    """The account's daily call quota (spent and left) and the state of push updates."""

    entity_description: AccountSensorEntityDescription

    @property
    @override
    def available(self) -> bool:
        """Stay available: the budget is counted here, and matters most when calls fail."""
        return True

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """Return the count or the push health."""
        return self.entity_description.value_fn(self.coordinator)

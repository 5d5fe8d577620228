"""Binary sensors: gateway connected, module reachable, remote battery low, thermostat load running."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .battery import BatteryEntity, battery_low
from .const import LOGGER
from .coordinator import LegrandEliotConfigEntry, LegrandEliotCoordinator
from .discovery import (
    Candidate,
    async_add_entities_when_seen,
    module_candidates,
    thermostat_candidates,
)
from .eliot import DeviceKind, LoadState
from .eliot.ids import hashed_id
from .entity import (
    HomeControlEntity,
    ModuleEntityDescription,
    PlantEntity,
    ThermostatEntity,
    ThermostatEntityDescription,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ModuleBinarySensorEntityDescription(
    BinarySensorEntityDescription, ModuleEntityDescription
):
    """A binary sensor of a Home + Control module."""


@dataclass(frozen=True, kw_only=True)
class ThermostatBinarySensorEntityDescription(
    BinarySensorEntityDescription, ThermostatEntityDescription
):
    """A binary sensor of a thermostat."""


# Lights, plugs and shutters show an unreachable module as unavailable; modules with nothing
# to switch get their reachability as an entity of its own, disabled at first where the device
# has other entities, enabled where it is what the device mainly shows.
REACHABLE = ModuleBinarySensorEntityDescription(
    key="reachable",
    translation_key="reachable",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
    entity_registry_enabled_default=False,
    kinds=(DeviceKind.REMOTE, DeviceKind.ENERGYMETER),
)
REACHABLE_ONLY = replace(
    REACHABLE,
    entity_registry_enabled_default=True,
    kinds=(DeviceKind.HEATER, DeviceKind.UNKNOWN),
)
# A remote's battery as Home Assistant's battery views and automations read it: on when low.
# The word the remote reports stays available as the (at first disabled) battery level sensor.
BATTERY_LOW = ModuleBinarySensorEntityDescription(
    key="battery_low",
    device_class=BinarySensorDeviceClass.BATTERY,
    entity_category=EntityCategory.DIAGNOSTIC,
    kinds=(DeviceKind.REMOTE,),
)
GATEWAY = BinarySensorEntityDescription(
    key="gateway",
    translation_key="gateway",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
    entity_registry_enabled_default=False,
)
THERMOSTAT_BINARY_SENSORS: tuple[ThermostatBinarySensorEntityDescription, ...] = (
    ThermostatBinarySensorEntityDescription(
        key="load",
        translation_key="load",
        device_class=BinarySensorDeviceClass.RUNNING,
    ),
)


def _reachable_sensor(
    coordinator: LegrandEliotCoordinator,
    module_id: str,
    description: ModuleBinarySensorEntityDescription,
) -> ReachableSensor:
    """Build a module's reachable sensor; a device of an unknown kind is logged once."""
    found = coordinator.data.home_control_module(module_id)
    if found is not None and found[1].device is DeviceKind.UNKNOWN:
        LOGGER.debug(
            "Module %s has the unsupported device type %s (hw_type %s)",
            hashed_id(module_id),
            found[1].device_type,
            found[1].hw_type,
        )
    return ReachableSensor(coordinator, module_id, description)


def _candidates(
    coordinator: LegrandEliotCoordinator,
) -> Iterator[Candidate]:
    """Yield every binary sensor the account's plants, modules and thermostats call for."""
    for plant_id in coordinator.data.home_control:
        yield Candidate(
            plant_id,
            f"{plant_id}_{GATEWAY.key}",
            partial(GatewaySensor, coordinator, plant_id, plant_id, GATEWAY),
        )
    yield from module_candidates(
        coordinator, (REACHABLE, REACHABLE_ONLY), _reachable_sensor
    )
    yield from module_candidates(coordinator, (BATTERY_LOW,), BatteryLowSensor)
    yield from thermostat_candidates(
        coordinator, THERMOSTAT_BINARY_SENSORS, ThermostatLoadSensor
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every plant, module and thermostat, now and when one appears."""
    async_add_entities_when_seen(entry, async_add_entities, _candidates)


class GatewaySensor(PlantEntity, BinarySensorEntity):
    """Whether a Home + Control gateway answered the last poll."""

    @property
    @override
    def is_on(self) -> bool:
        """Return whether the gateway is connected."""
        plant = self.plant
        return plant is not None and plant.available

    @property
    @override
    def available(self) -> bool:
        """Return whether the plant is still part of the account."""
        return super().available and self.plant is not None


class ReachableSensor(HomeControlEntity, BinarySensorEntity):
    """Whether a module answered its gateway; known while the gateway itself answers."""

    entity_description: ModuleBinarySensorEntityDescription

    @property
    @override
    def available(self) -> bool:
        """Return whether the gateway answered, so the module's reachability is known."""
        return self.coordinator.last_update_success and self.plant_available

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the module is reachable; unknown when the status does not say."""
        return self.module_state.reachable


class BatteryLowSensor(BatteryEntity, BinarySensorEntity):
    """Whether a remote's battery is low, from the word the remote reports."""

    entity_description: ModuleBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the battery is low; unknown when the remote says nothing known."""
        return battery_low(self.module_state)


class ThermostatLoadSensor(ThermostatEntity, BinarySensorEntity):
    """Whether the thermostat's relay drives the boiler or the cooler right now."""

    entity_description: ThermostatBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the load is running."""
        status = self.status
        if status is None or status.load_state in (None, LoadState.UNKNOWN):
            return None
        return status.load_state is LoadState.ACTIVE

"""The base entities of Legrand Eliot: their devices, unique ids and availability."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.const import UnitOfTemperature
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util.unit_conversion import TemperatureConverter

from .areas import module_area, thermostat_area
from .const import DOMAIN
from .coordinator import LegrandEliotCoordinator
from .data import HomeControlPlant
from .devices import (
    ACCOUNT_MODEL,
    ACCOUNT_NAMESPACE,
    BTICINO,
    LEGRAND,
    SMARTHER_MODEL,
    account_id,
    hub_device_info,
    model_name,
)
from .eliot import DeviceKind, EliotClient, ThermostatFunction
from .eliot.home_control_models import ModuleState
from .eliot.plant_models import Measure, Module
from .eliot.smarther_models import Program, ThermostatStatus
from .ha_internals import calculated_state


def _always(*_args: object) -> bool:
    """Create the entity for every module of the description's kinds."""
    return True


@dataclass(frozen=True, kw_only=True)
class ModuleEntityDescription(EntityDescription):
    """What every Home + Control entity description says: the module kinds it is for."""

    kinds: tuple[DeviceKind, ...]
    exists_fn: Callable[[Module, ModuleState], bool] = _always


@dataclass(frozen=True, kw_only=True)
class ThermostatEntityDescription(EntityDescription):
    """What every thermostat entity description says: whether a thermostat has it."""

    exists_fn: Callable[[ThermostatStatus | None], bool] = _always


def celsius(measure: Measure | None) -> float | None:
    """Return a reading in °C, whichever scale the thermostat displays."""
    if measure is None:
        return None
    if (measure.unit or "").upper() == "F":
        return TemperatureConverter.convert(
            measure.value, UnitOfTemperature.FAHRENHEIT, UnitOfTemperature.CELSIUS
        )
    return measure.value


def function_of(status: ThermostatStatus | None) -> ThermostatFunction:
    """Return whether the thermostat heats or cools; heating when it did not say."""
    if status is not None and status.function is ThermostatFunction.COOLING:
        return ThermostatFunction.COOLING
    return ThermostatFunction.HEATING


class EliotEntity(CoordinatorEntity[LegrandEliotCoordinator]):
    """An entity of the account, named after its device, identified by its device's id and key.

    Its context tells the coordinator what it shows: the id of its module, thermostat or plant
    (told only when that one changed), or None for what every update may change.
    """

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: LegrandEliotCoordinator,
        device_id: str,
        description: EntityDescription,
        context: object = None,
    ) -> None:
        """Name the entity after its description and its device."""
        super().__init__(coordinator, context)
        self.entity_description = description
        self.device_id = device_id
        self._attr_unique_id = f"{device_id}_{description.key}"

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Write the state only when it differs from what Home Assistant shows.

        The coordinator tells an entity when its device may have changed; what would be
        written (state, availability, every attribute, the translated name) is still compared
        with what is shown, as a reading may bring nothing new.
        """
        if self._shows_current_state():
            return
        self.async_write_ha_state()

    def _shows_current_state(self) -> bool:
        """Return whether the state machine already shows what this entity would write."""
        if (shown := self.hass.states.get(self.entity_id)) is None:
            return False
        calculated = calculated_state(self)
        return (
            shown.state == calculated.state
            and shown.attributes == calculated.attributes
        )

    @property
    def client(self) -> EliotClient:
        """Return the client that sends this entity's commands."""
        return self.coordinator.client

    @property
    def device_name(self) -> str:
        """Return the name of the entity's device, as error messages name it."""
        name = (self.device_info or DeviceInfo()).get("name")
        return str(name or self.device_id)


class AccountEntity(EliotEntity):
    """An entity about the account itself (its call budget), on the account's service device."""

    def __init__(
        self, coordinator: LegrandEliotCoordinator, description: EntityDescription
    ) -> None:
        """Attach the entity to the account's service device."""
        device_id = account_id(coordinator)
        super().__init__(coordinator, device_id, description)
        self._attr_device_info = DeviceInfo(
            identifiers={(ACCOUNT_NAMESPACE, device_id)},
            name=coordinator.config_entry.title,
            manufacturer=LEGRAND,
            model=ACCOUNT_MODEL,
            entry_type=DeviceEntryType.SERVICE,
        )


class PlantEntity(EliotEntity):
    """An entity of a whole plant (its gateway or its scenes), on the gateway's device."""

    def __init__(
        self,
        coordinator: LegrandEliotCoordinator,
        plant_id: str,
        device_id: str,
        description: EntityDescription,
    ) -> None:
        """Attach the entity to its plant's gateway device."""
        super().__init__(coordinator, device_id, description, plant_id)
        self.plant_id = plant_id
        self._attr_device_info = hub_device_info(plant_id, coordinator.data)

    @property
    def plant(self) -> HomeControlPlant | None:
        """Return the plant as the coordinator last saw it."""
        return self.coordinator.data.home_control.get(self.plant_id)


class HomeControlEntity(EliotEntity):
    """An entity of a Home + Control module: light, plug, shutter, remote, meter..."""

    def __init__(
        self,
        coordinator: LegrandEliotCoordinator,
        module_id: str,
        description: EntityDescription,
    ) -> None:
        """Describe the module's device from the topology and its last state."""
        super().__init__(coordinator, module_id, description, module_id)
        self.module_id = module_id
        found = coordinator.data.home_control_module(module_id)
        assert found is not None
        plant, module, state = found
        # A module belongs to one gateway for as long as it exists.
        self.plant_id = plant.plant.id
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, module_id)},
            name=module.name or model_name(module.hw_type) or module_id,
            manufacturer=LEGRAND,
            model=model_name(module.hw_type),
            model_id=module.hw_type,
            sw_version=state.firmware,
            suggested_area=module_area(plant.topology, module),
            via_device_id=_hub_device_id(coordinator, plant.plant.id),
        )

    def _found(self) -> tuple[HomeControlPlant, Module, ModuleState] | None:
        """Return the module's plant, its description and its state, if it is still known."""
        return self.coordinator.data.home_control_module(self.module_id, self.plant_id)

    @property
    def module(self) -> Module | None:
        """Return the module as the latest topology describes it (None once it is gone)."""
        found = self._found()
        return None if found is None else found[1]

    @property
    def module_state(self) -> ModuleState:
        """Return the module's latest state; a module that is gone reads as unreachable."""
        found = self._found()
        if found is None:
            return ModuleState.unreachable(self.module_id)
        return found[2]

    @property
    def plant_available(self) -> bool:
        """Return whether the module is known and its gateway answered the last poll."""
        found = self._found()
        return found is not None and found[0].available

    @property
    def available(self) -> bool:
        """Return whether the last poll succeeded, the gateway answered and the module too.

        A module the status does not list (reachability unknown) cannot be read: unavailable.
        """
        return (
            super().available
            and self.plant_available
            and self.module_state.reachable is True
        )


def _hub_device_id(coordinator: LegrandEliotCoordinator, plant_id: str) -> str:
    """Return the registry id of a plant's gateway device (registered before its modules)."""
    return dr.async_get_device_id_by_identifier(
        coordinator.hass,
        (DOMAIN, plant_id),
        config_entry_id=coordinator.config_entry.entry_id,
    )


class ThermostatEntity(EliotEntity):
    """An entity of a Smarther thermostat."""

    def __init__(
        self,
        coordinator: LegrandEliotCoordinator,
        module_id: str,
        description: EntityDescription,
    ) -> None:
        """Describe the thermostat's device."""
        super().__init__(coordinator, module_id, description, module_id)
        self.module_id = module_id
        found = coordinator.data.thermostat(module_id)
        assert found is not None
        plant, module = found
        self.plant_id = plant.plant.id
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, module_id)},
            name=module.name or SMARTHER_MODEL,
            manufacturer=BTICINO,
            model=SMARTHER_MODEL,
            # The Smarther API has no rooms: a thermostat is named after the room it heats
            # (each one is a zone of its own), so that name is the room voice commands use.
            suggested_area=thermostat_area(module),
            via_device_id=_hub_device_id(coordinator, plant.plant.id),
        )

    @property
    def status(self) -> ThermostatStatus | None:
        """Return the thermostat's latest status, if the cloud gave one."""
        found = self.coordinator.data.thermostat(self.module_id)
        return None if found is None else found[0].thermostats.get(self.module_id)

    @property
    def programs(self) -> list[Program]:
        """Return the thermostat's weekly programs."""
        found = self.coordinator.data.thermostat(self.module_id)
        return [] if found is None else found[0].programs.get(self.module_id, [])

    @property
    def program_labels(self) -> dict[str, int]:
        """Return the thermostat's programs by the name users pick them by."""
        labels: dict[str, int] = {}
        for program in self.programs:
            label = program.name or str(program.number)
            if label in labels:
                # Two programs with one name: the number tells them apart.
                label = f"{label} ({program.number})"
            labels[label] = program.number
        return labels

    def program_label(self, number: int | None) -> str | None:
        """Return the name of a program number, if the thermostat has that program."""
        return next(
            (label for label, value in self.program_labels.items() if value == number),
            None,
        )

    @property
    def available(self) -> bool:
        """Return whether the last poll succeeded and the thermostat answered it."""
        found = self.coordinator.data.thermostat(self.module_id)
        return (
            super().available
            and found is not None
            and self.module_id not in found[0].unavailable
            and self.module_id in found[0].thermostats
        )

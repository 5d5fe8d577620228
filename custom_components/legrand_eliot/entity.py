"""The base entities of Legrand Eliot: devices, unique ids, availability and dynamic discovery."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple, override

from homeassistant.const import UnitOfTemperature
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util.unit_conversion import TemperatureConverter

from .areas import module_area, thermostat_area
from .changes import Context
from .const import DOMAIN
from .coordinator import LegrandEliotConfigEntry, LegrandEliotCoordinator
from .data import EliotData, HomeControlPlant, SmartherPlant
from .eliot import DeviceKind, EliotClient, ThermostatFunction
from .eliot.models import Measure, Module, ModuleState, Program, ThermostatStatus
from .ha_internals import calculated_state

LEGRAND = "Legrand"
BTICINO = "BTicino"
HOME_CONTROL_GATEWAY_MODEL = "Home + Control gateway"
SMARTHER_PLANT_MODEL = "Smarther plant"
SMARTHER_MODEL = "Smarther chronothermostat"
ACCOUNT_MODEL = "Works with Legrand account"
# The account is no plant or module of the topology, so its device is identified outside the
# domain's own identifiers: stale-device removal judges those by the topology alone.
ACCOUNT_NAMESPACE = f"{DOMAIN}_account"

# Product names of the hw_type codes: those of Legrand's product cluster list (as Home Assistant's
# former home_plus_control named them), those of the Netatmo-era product list, and the two the
# simulated cloud uses beyond them. Other codes are shown as they come.
HW_TYPES: dict[str, str] = {
    "NBO": "Orientable shutter (Bubendorff)",
    "NBR": "Roller shutter (Bubendorff iDiamant)",
    "NBS": "Swing shutter (Bubendorff)",
    "NLC": "Cable outlet",
    "NLD": "Double gang on/off remote switch",
    "NLE": "Connected ecometer",
    "NLF": "On/off dimmer switch without neutral",
    "NLFN": "On/off dimmer switch with neutral",
    "NLG": "Home + Control gateway",
    "NLGS": "Standalone gateway",
    # The simulated cloud's gate module, a device kind the integration does not know.
    "NLGT": "Gate controller",
    "NLL": "On/off toggle switch with neutral",
    "NLLV": "Shutter switch with level control",
    "NLM": "Micromodule switch",
    "NLP": "Connected socket outlet",
    "NLPBS": "British standard socket outlet",
    "NLPC": "Connected energy meter",
    "NLPM": "Mobile socket outlet",
    "NLPO": "Connected contactor",
    "NLPS": "Smart load shedder",
    "NLPT": "Connected latching relay",
    "NLT": "Remote switch",
    "NLV": "Shutter switch with neutral",
    # What the simulated cloud reports for a module whose scenario gives no type.
    "NLX": "Module of an unnamed type",
}


def model_name(hw_type: str | None) -> str | None:
    """Return the product name of a hw_type code; an unknown code is shown raw."""
    if hw_type is None:
        return None
    return HW_TYPES.get(hw_type.upper(), hw_type)


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


def home_control_modules(
    data: EliotData,
) -> Iterator[tuple[HomeControlPlant, Module, ModuleState]]:
    """Yield every Home + Control module of the account with its plant and state."""
    for plant in data.home_control.values():
        for module in plant.topology.modules:
            yield plant, module, module_state_in(plant, module)


def module_state_in(plant: HomeControlPlant, module: Module) -> ModuleState:
    """Return a module's state in its plant's last status (unreachable while the gateway is not)."""
    if plant.status is not None and plant.available:
        return plant.status.state(module.id, module.device)
    return ModuleState.unreachable(module.id, module.device)


def find_module(
    data: EliotData, plant_id: str, module_id: str
) -> tuple[HomeControlPlant, Module, ModuleState] | None:
    """Find a module in the plant it was found in first; search every plant only if it left.

    Entities look their module up several times on every update: on an account of many
    plants, searching them all each time is most of the cost of an update.
    """
    plant = data.home_control.get(plant_id)
    if plant is not None and (module := plant.topology.module(module_id)) is not None:
        return plant, module, module_state_in(plant, module)
    return data.home_control_module(module_id)


def thermostats(data: EliotData) -> Iterator[tuple[SmartherPlant, Module]]:
    """Yield every Smarther thermostat of the account with its plant."""
    for plant in data.smarther.values():
        for module in plant.topology.modules:
            yield plant, module


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


def account_id(coordinator: LegrandEliotCoordinator) -> str:
    """Return the id of the account's own device: the account, else the entry."""
    entry = coordinator.config_entry
    return entry.unique_id or entry.entry_id


def hub_device_info(plant_id: str, data: EliotData) -> DeviceInfo:
    """Return the device of a plant's gateway, which every module of the plant is connected via."""
    if (hc_plant := data.home_control.get(plant_id)) is not None:
        return DeviceInfo(
            identifiers={(DOMAIN, plant_id)},
            name=hc_plant.plant.name or hc_plant.topology.name or plant_id,
            manufacturer=LEGRAND,
            model=HOME_CONTROL_GATEWAY_MODEL,
        )
    smarther = data.smarther[plant_id]
    return DeviceInfo(
        identifiers={(DOMAIN, plant_id)},
        name=smarther.plant.name or smarther.topology.name or plant_id,
        manufacturer=BTICINO,
        model=SMARTHER_PLANT_MODEL,
    )


class Candidate(NamedTuple):
    """An entity the data calls for: what it belongs to, its unique id, how to build it."""

    owner: str
    unique_id: str
    factory: Callable[[], Entity]


def module_candidates[DescriptionT: ModuleEntityDescription](
    coordinator: LegrandEliotCoordinator,
    descriptions: Iterable[DescriptionT],
    factory: Callable[[LegrandEliotCoordinator, str, DescriptionT], Entity],
) -> Iterator[Candidate]:
    """Yield the entities that the descriptions call for on each Home + Control module."""
    for _plant, module, state in home_control_modules(coordinator.data):
        for description in descriptions:
            if module.device in description.kinds and description.exists_fn(
                module, state
            ):
                yield Candidate(
                    module.id,
                    f"{module.id}_{description.key}",
                    partial(factory, coordinator, module.id, description),
                )


def thermostat_candidates[DescriptionT: ThermostatEntityDescription](
    coordinator: LegrandEliotCoordinator,
    descriptions: Iterable[DescriptionT],
    factory: Callable[[LegrandEliotCoordinator, str, DescriptionT], Entity],
) -> Iterator[Candidate]:
    """Yield the entities that the descriptions call for on each thermostat."""
    for plant, module in thermostats(coordinator.data):
        status = plant.thermostats.get(module.id)
        for description in descriptions:
            if description.exists_fn(status):
                yield Candidate(
                    module.id,
                    f"{module.id}_{description.key}",
                    partial(factory, coordinator, module.id, description),
                )


def present_owners(coordinator: LegrandEliotCoordinator) -> set[str]:
    """Return the ids of everything entities belong to: the account, plants, modules, scenes."""
    data = coordinator.data
    owners = data.device_ids() | {account_id(coordinator)}
    owners.update(
        scene.id for plant in data.home_control.values() for scene in plant.scenes
    )
    return owners


@callback
def async_add_entities_when_seen(
    entry: LegrandEliotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    candidates: Callable[[LegrandEliotCoordinator], Iterable[Candidate]],
) -> None:
    """
    Add the entities of every module now, and of modules that appear later, without a reload.

    An entity is added once. Only when what it belongs to leaves the account (and its device
    with it) may an entity of the same id be added again, should that module come back.
    """
    coordinator = entry.runtime_data.coordinator
    known: dict[str, str] = {}

    @callback
    def add_new() -> None:
        """Create the entities of modules not seen yet, after their gateways' devices."""
        present = present_owners(coordinator)
        for unique_id, owner in list(known.items()):
            if owner not in present:
                del known[unique_id]
        fresh: list[Callable[[], Entity]] = []
        for candidate in candidates(coordinator):
            if candidate.unique_id not in known:
                known[candidate.unique_id] = candidate.owner
                fresh.append(candidate.factory)
        if fresh:
            async_create_hub_devices(entry)
            async_add_entities([factory() for factory in fresh])

    add_new()
    # Only a change can call for an entity: a new module, plant or scene, a first reading.
    entry.async_on_unload(coordinator.async_add_listener(add_new, Context.ANY_CHANGE))


@callback
def async_create_hub_devices(entry: LegrandEliotConfigEntry) -> None:
    """Register each plant's gateway, so module devices can name it as their `via_device`."""
    data = entry.runtime_data.coordinator.data
    registry = dr.async_get(entry.runtime_data.coordinator.hass)
    for plant_id in (*data.home_control, *data.smarther):
        registry.async_get_or_create(
            config_entry_id=entry.entry_id, **hub_device_info(plant_id, data)
        )


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
        return find_module(self.coordinator.data, self.plant_id, self.module_id)

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

"""Dynamic discovery: the entities the account's data calls for, added once they appear."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import NamedTuple

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .changes import Context
from .coordinator import LegrandEliotConfigEntry, LegrandEliotCoordinator
from .devices import account_id, hub_device_info
from .entity import ModuleEntityDescription, ThermostatEntityDescription


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
    for _plant, module, state in coordinator.data.home_control_modules():
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
    for plant, module in coordinator.data.thermostats():
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

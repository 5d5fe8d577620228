"""Plants of an account built by hand, for the tests of its data that need no cloud."""

from __future__ import annotations

from custom_components.legrand_eliot.data import HomeControlPlant, SmartherPlant
from custom_components.legrand_eliot.eliot import DeviceKind
from custom_components.legrand_eliot.eliot.home_control_models import (
    ModuleState,
    PlantStatus,
)
from custom_components.legrand_eliot.eliot.plant_models import Module, Plant, Topology


def module(module_id: str, kind: DeviceKind = DeviceKind.PLUG) -> Module:
    """Return a module of a kind, named after its id."""
    return Module(id=module_id, name=module_id, device=kind, device_type=kind.value)


def topology(plant_id: str, *modules: str | Module) -> Topology:
    """Return a plant's topology holding modules (a plug for each bare id)."""
    return Topology(
        plant_id=plant_id,
        name=None,
        ambients=(),
        modules=tuple(
            item if isinstance(item, Module) else module(item) for item in modules
        ),
    )


def home_control(plant_id: str, *module_ids: str) -> HomeControlPlant:
    """Return a Home + Control plant of plugs whose gateway answered, its modules reachable."""
    return HomeControlPlant(
        Plant(id=plant_id),
        topology(plant_id, *module_ids),
        status=PlantStatus(
            plant_id=plant_id,
            modules={
                module_id: ModuleState(
                    module_id=module_id, kind=DeviceKind.PLUG, reachable=True
                )
                for module_id in module_ids
            },
        ),
        available=True,
    )


def smarther(plant_id: str, *modules: str | Module) -> SmartherPlant:
    """Return a Smarther plant with thermostats."""
    return SmartherPlant(Plant(id=plant_id), topology(plant_id, *modules))

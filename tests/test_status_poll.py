"""Tests for the status poll: what a read counts as changed, and its Thermostat app issues."""

from __future__ import annotations

from dataclasses import replace

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.data import HomeControlPlant, SmartherPlant
from custom_components.legrand_eliot.eliot.const import (
    DeviceKind,
    ThermostatFunction,
    ThermostatMode,
)
from custom_components.legrand_eliot.eliot.home_control_models import (
    ModuleState,
    PlantStatus,
)
from custom_components.legrand_eliot.eliot.plant_models import Plant, Topology
from custom_components.legrand_eliot.eliot.smarther_models import ThermostatStatus
from custom_components.legrand_eliot.status_poll import (
    module_changes,
    thermostat_changes,
)
from simulator import SimulatedCloud

from .polling import next_refresh, polling_coordinator
from .test_errors import HC_PLANT, thermostat_ids

PLANT = Plant(id="plant")
LAMP = ModuleState(module_id="lamp", kind=DeviceKind.LIGHT, reachable=True, on=False)
PLUG = ModuleState(module_id="plug", kind=DeviceKind.PLUG, reachable=True, on=True)


def _plant_status(*states: ModuleState) -> PlantStatus:
    """Return a plant status of these module states."""
    return PlantStatus(plant_id=PLANT.id, modules={s.module_id: s for s in states})


def test_a_poll_counts_the_modules_a_person_changed() -> None:
    """Switching or dimming counts, a new measure does not; nothing is counted unshown."""
    plant = HomeControlPlant(
        PLANT, Topology(plant_id=PLANT.id, name=None, ambients=(), modules=())
    )
    assert module_changes(plant, _plant_status(LAMP, PLUG)) is None
    plant.status = _plant_status(LAMP, PLUG)
    assert module_changes(plant, _plant_status(LAMP, PLUG)) is None
    plant.available = True
    measured = replace(PLUG, power=40.0)
    assert module_changes(plant, _plant_status(LAMP, measured)) == 0
    switched = replace(LAMP, on=True)
    dimmed = replace(PLUG, level=50)
    assert module_changes(plant, _plant_status(switched, dimmed)) == 2


def test_a_poll_counts_a_thermostat_a_person_changed() -> None:
    """A new mode or set point counts once; a thermostat never shown counts nothing."""
    shown = ThermostatStatus(
        plant_id=PLANT.id,
        module_id="living",
        function=ThermostatFunction.HEATING,
        mode=ThermostatMode.AUTOMATIC,
        set_point=20.0,
    )
    plant = SmartherPlant(
        PLANT, Topology(plant_id=PLANT.id, name=None, ambients=(), modules=())
    )
    assert thermostat_changes(plant, shown) is None
    plant.thermostats["living"] = shown
    assert thermostat_changes(plant, replace(shown)) == 0
    assert thermostat_changes(plant, replace(shown, mode=ThermostatMode.MANUAL)) == 1


@pytest.mark.parametrize(
    ("flag", "issue"),
    [
        ("app-password-expired", "app_password_expired"),
        ("terms-expired", "terms_expired"),
    ],
)
async def test_thermostat_app_problems_raise_issues_that_clear(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    flag: str,
    issue: str,
) -> None:
    """469 / 470: thermostats unavailable and a repair issue, both gone when the API answers."""
    coordinator = polling_coordinator(init_integration)
    user = cloud.user().email
    await sim.post(f"/_sim/users/{user}/{flag}", json={"expired": True})
    await next_refresh(hass, freezer, coordinator)
    issue_id = f"{issue}_{init_integration.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    plant = next(iter(coordinator.data.smarther.values()))
    assert plant.unavailable == set(thermostat_ids(coordinator))
    assert coordinator.data.home_control[HC_PLANT].available
    await sim.post(f"/_sim/users/{user}/{flag}", json={"expired": False})
    await next_refresh(hass, freezer, coordinator)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert not plant.unavailable

"""Tests for the status poll: what a read counts as changed, and its Thermostat app issues."""

from __future__ import annotations

from dataclasses import replace

from homeassistant.core import HomeAssistant
import pytest

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

from .cloud import HC_PLANT, PLANT_STATUS, fault
from .polling import Polled

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


@pytest.mark.parametrize("status", [400, 406])
async def test_bad_request_marks_plant_and_is_logged_with_endpoint(
    hass: HomeAssistant,
    polled: Polled,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    """400/406 on a poll: that plant's devices are unavailable, the log names the endpoint."""
    await fault(polled.sim, status=status, match=PLANT_STATUS, count=1)
    await polled.refresh()
    assert not polled.coordinator.data.home_control[HC_PLANT].available
    assert "GET /hc/api/v1.0/plants/{plantId}" in caplog.text
    assert f"HTTP {status}" in caplog.text
    # The thermostats were not affected.
    assert not any(
        plant.unavailable for plant in polled.coordinator.data.smarther.values()
    )
    await polled.refresh()
    assert polled.coordinator.data.home_control[HC_PLANT].available


@pytest.mark.parametrize(
    ("status", "kind"),
    [(408, "status"), (500, "status"), (503, "status"), (500, "disconnect")],
)
async def test_transient_failures_on_a_poll(
    hass: HomeAssistant,
    polled: Polled,
    status: int,
    kind: str,
) -> None:
    """408, 5xx and network errors on a poll: unavailable until the next refresh fixes it."""
    # aiohttp itself resends once when a kept-alive connection was dropped.
    count = 2 if kind == "disconnect" else 1
    await fault(polled.sim, status=status, kind=kind, match=PLANT_STATUS, count=count)
    await polled.refresh()
    assert not polled.coordinator.data.home_control[HC_PLANT].available
    await polled.refresh()
    assert polled.coordinator.data.home_control[HC_PLANT].available

"""The client against the simulated cloud: thermostats, and the ways the reference leaves open."""

from __future__ import annotations

from datetime import timedelta

import pytest

from custom_components.legrand_eliot.eliot import (
    DeviceKind,
    EliotInvalidValueError,
    LoadState,
    ThermostatFunction,
    ThermostatMode,
)

from .simulated import ROME, Sim


async def test_smarther_reads(sim: Sim) -> None:
    """Plants, topology, status, measures and programs of both thermostats."""
    plant, soggiorno = await sim.thermostat("Soggiorno")
    _, camera = await sim.thermostat("Camera")

    living = await sim.client.thermostat_status(plant, soggiorno)
    bedroom = await sim.client.thermostat_status(plant, camera)
    measures = await sim.client.thermostat_measures(plant, soggiorno)
    programs = await sim.client.program_list(plant, soggiorno)

    assert (living.function, living.mode) == (
        ThermostatFunction.HEATING,
        ThermostatMode.AUTOMATIC,
    )
    assert living.program is not None
    assert living.set_point is not None
    assert living.temperature is not None
    assert living.load_state in (LoadState.ACTIVE, LoadState.INACTIVE)
    assert bedroom.module_id == camera
    assert measures.temperature is not None
    assert measures.humidity is not None
    assert {program.number: program.name for program in programs} == {
        0: "Default",
        1: "At Home",
        2: "Not At Home",
        3: "Risparmio",
    }


async def test_thermostat_commands(sim: Sim) -> None:
    """Each intent is accepted by the simulator and shows in the next status."""
    plant, module = await sim.thermostat("Soggiorno")
    heating = ThermostatFunction.HEATING
    until = sim.time() + timedelta(hours=2)

    await sim.client.set_manual(
        plant, module, function=heating, set_point=22.5, until=until
    )
    manual = await sim.client.thermostat_status(plant, module)
    await sim.client.set_boost(plant, module, function=heating, minutes=30)
    boost = await sim.client.thermostat_status(plant, module)
    await sim.client.set_off(plant, module, function=heating)
    off = await sim.client.thermostat_status(plant, module)
    await sim.client.set_protection(plant, module, function=heating)
    protection = await sim.client.thermostat_status(plant, module)
    await sim.client.set_automatic(plant, module, function=heating, program=3)
    automatic = await sim.client.thermostat_status(plant, module)

    assert (manual.mode, manual.set_point) == (ThermostatMode.MANUAL, 22.5)
    assert manual.activation_time is not None
    assert manual.activation_time.end is not None
    assert boost.mode is ThermostatMode.BOOST
    assert boost.activation_time is not None
    assert off.mode is ThermostatMode.OFF
    assert protection.mode is ThermostatMode.PROTECTION
    assert (automatic.mode, automatic.program) == (ThermostatMode.AUTOMATIC, 3)


@pytest.mark.parametrize(
    "sim_options",
    [
        {"activation_time_format": style}
        for style in ("utc", "local", "offset", "range")
    ],
    indirect=True,
)
async def test_every_activation_time_style(sim: Sim) -> None:
    """Whichever way the end of a timed mode is written, the client reads the same moment."""
    plant, module = await sim.thermostat("Soggiorno")
    until = (sim.time() + timedelta(hours=3)).replace(microsecond=0)

    await sim.client.set_off(plant, module, function="heating", until=until)
    status = await sim.client.thermostat_status(plant, module)

    assert status.activation_time is not None
    end = status.activation_time.end
    assert end is not None
    # A zone-less time is the plant's local time.
    aware = end if end.tzinfo is not None else end.replace(tzinfo=ROME)
    assert aware == until


@pytest.mark.parametrize(
    "sim_options", [{"thermostat_device": "Chronothermostat"}], indirect=True
)
async def test_thermostat_device_name_in_another_case(sim: Sim) -> None:
    """The thermostats' device word is recognised in any letter case."""
    plant = (await sim.client.smarther_plants())[0].id

    topology = await sim.client.smarther_topology(plant)

    assert {module.device for module in topology.modules} == {
        DeviceKind.CHRONOTHERMOSTAT
    }


@pytest.mark.parametrize("sim_options", [{"smarther_error_shape": "hc"}], indirect=True)
async def test_smarther_errors_in_the_home_control_shape(sim: Sim) -> None:
    """A Smarther error with the Home + Control body still gives its message and class."""
    plant, module = await sim.thermostat("Camera")
    await sim.fault(status=430, count=1, match=module, message="setPoint out of range")

    with pytest.raises(EliotInvalidValueError, match="setPoint out of range"):
        await sim.client.set_manual(plant, module, function="cooling", set_point=24)

"""The client against the simulated cloud: Home + Control reads, commands and gateways."""

from __future__ import annotations

import pytest

from custom_components.legrand_eliot.eliot import DeviceKind, EliotNotFoundError

from .simulated import Sim


async def test_home_control_reads(sim: Sim) -> None:
    """Plants, topology, whole-plant status, one module's status and scenes."""
    plant = await sim.hc_plant()
    topology = await sim.client.hc_topology(plant)
    status = await sim.client.hc_plant_status(plant)
    scenes = await sim.client.hc_scenes(plant)

    kinds = {module.device for module in topology.modules}
    assert {
        DeviceKind.PLUG,
        DeviceKind.LIGHT,
        DeviceKind.AUTOMATION,
        DeviceKind.REMOTE,
    } <= kinds
    assert DeviceKind.ENERGYMETER in kinds
    unknown = [
        module for module in topology.modules if module.device is DeviceKind.UNKNOWN
    ]
    assert [module.device_type for module in unknown] == ["gate"]
    outside_rooms = [module for module in topology.modules if module.ambient_id is None]
    assert outside_rooms
    plugs = [m for m in topology.modules if m.device is DeviceKind.PLUG]
    assert all(status.state(plug.id).power is not None for plug in plugs)
    remotes = [m for m in topology.modules if m.device is DeviceKind.REMOTE]
    assert all(status.state(remote.id).battery for remote in remotes)
    assert len(scenes) == 2
    for module in topology.modules:
        if module.device in (DeviceKind.UNKNOWN, DeviceKind.ENERGYMETER):
            continue
        single = await sim.client.hc_module_status(plant, module.id, module.device)
        assert single.module_id == module.id
        assert single.on == status.state(module.id).on
    counters = await sim.counters()
    assert sim.client.budget.calls_used == counters["quota"]["demo@example.com"]["used"]


async def test_home_control_commands(sim: Sim) -> None:
    """Switching, dimming, shutter position and stop, and a scene change the devices."""
    plant, plug = await sim.hc_module("Prise TV")
    _, dimmer = await sim.hc_module("Lumière Salon")
    _, shutter = await sim.hc_module("Volet Chambre")

    await sim.client.switch(plant, plug.id, DeviceKind.PLUG, False)
    await sim.client.set_level(plant, dimmer.id, DeviceKind.LIGHT, 35)
    await sim.client.set_level(plant, shutter.id, DeviceKind.AUTOMATION, 50)
    await sim.client.stop_automation(plant, shutter.id)
    status = await sim.client.hc_plant_status(plant)

    assert status.state(plug.id).on is False
    assert status.state(dimmer.id).level == 35
    assert status.state(shutter.id).reachable

    scenes = {scene.name: scene.id for scene in await sim.client.hc_scenes(plant)}
    await sim.client.run_scene(plant, scenes["Tout éteindre"])
    after = await sim.client.hc_plant_status(plant)
    assert after.state(dimmer.id).on is False


async def test_offline_gateway_is_not_found(sim: Sim) -> None:
    """An offline plant answers 404 on its status: the client says not found."""
    plant = await sim.hc_plant()
    await sim.control("POST", f"/plants/{plant}/online", {"online": False})

    with pytest.raises(EliotNotFoundError) as caught:
        await sim.client.hc_plant_status(plant)

    assert caught.value.status == 404
    await sim.control("POST", f"/plants/{plant}/online", {"online": True})
    assert (await sim.client.hc_plant_status(plant)).modules


async def test_retired_home_control_api(sim: Sim) -> None:
    """An account whose Home + Control API is retired gets 404 on the plants list."""
    await sim.control("POST", "/users/demo@example.com/hc-retired", {"retired": True})

    with pytest.raises(EliotNotFoundError):
        await sim.client.hc_plants()
    assert await sim.client.smarther_plants()


@pytest.mark.parametrize("sim_options", [{"hc_unreachable": "missing"}], indirect=True)
async def test_unreachable_modules_missing_from_the_status(sim: Sim) -> None:
    """A module absent from the status lists is of unknown reachability, not unreachable."""
    plant, plug = await sim.hc_module("Prise TV")
    await sim.control("POST", f"/modules/{plug.id}/physical", {"reachable": False})

    status = await sim.client.hc_plant_status(plant)

    assert plug.id not in status.modules
    assert status.state(plug.id, DeviceKind.PLUG).reachable is None

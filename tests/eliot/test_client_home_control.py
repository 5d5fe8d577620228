"""Home + Control v1.0 requests and answers, against fixtures in the reference's shapes."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.legrand_eliot.eliot import (
    DeviceKind,
    EliotClient,
    EliotInvalidValueError,
)

from .conftest import (
    ACCESS_TOKEN,
    BASE_URL,
    SUBSCRIPTION_KEY,
    AiohttpClientMocker,
    load_fixture,
)

PLANT = "000000005d1e3bc135983300abcdef01"
PLUG = "000070ee503ed5d462756200plug0001"
DIMMER = "000070ee503ed5d462756200dimm0001"
SHUTTER = "000070ee503ed5d462756200shut0001"
REMOTE = "000070ee503ed5d462756200remo0001"
LOCK = "000070ee503ed5d462756200lock0001"
HC = f"{BASE_URL}/hc/api/v1.0"


def assert_call(
    aioclient: AiohttpClientMocker,
    index: int,
    method: str,
    url: str,
    body: Any = None,
) -> None:
    """Assert one recorded request: method, URL, headers and JSON body."""
    call_method, call_url, data, headers = aioclient.mock_calls[index]
    assert call_method == method
    assert str(call_url) == url
    assert data == body
    assert headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert headers["Ocp-Apim-Subscription-Key"] == SUBSCRIPTION_KEY
    assert headers["Accept"] == "application/json"
    if body is None:
        assert "Content-Type" not in headers
    else:
        assert headers["Content-Type"] == "application/json"


async def test_plants(client: EliotClient, aioclient: AiohttpClientMocker) -> None:
    """The plants list is read from /plants with both credentials."""
    aioclient.get(f"{HC}/plants", json=load_fixture("hc_plants.json"))

    plants = await client.hc_plants()

    assert [(plant.id, plant.name, plant.country) for plant in plants] == [
        (PLANT, "My Home", "ES")
    ]
    assert_call(aioclient, 0, "GET", f"{HC}/plants")
    assert client.budget.calls_used == 1


async def test_topology_flattens_rooms_and_keeps_unknown_devices(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """Every module appears once, with its room; an unknown device keeps its raw type."""
    aioclient.get(
        f"{HC}/plants/{PLANT}/topology", json=load_fixture("hc_topology.json")
    )

    topology = await client.hc_topology(PLANT)

    assert_call(aioclient, 0, "GET", f"{HC}/plants/{PLANT}/topology")
    assert topology.plant_id == PLANT
    assert [ambient.name for ambient in topology.ambients] == ["Kitchen", "Living room"]
    assert topology.ambients[0].module_ids == (PLUG, SHUTTER)
    kinds = {module.id: module.device for module in topology.modules}
    assert kinds == {
        PLUG: DeviceKind.PLUG,
        SHUTTER: DeviceKind.AUTOMATION,
        DIMMER: DeviceKind.LIGHT,
        LOCK: DeviceKind.UNKNOWN,
        REMOTE: DeviceKind.REMOTE,
    }
    lock = topology.module(LOCK)
    assert lock is not None
    assert lock.device_type == "lock"
    assert lock.ambient_id == "amb-living"
    plug = topology.module(PLUG)
    assert plug is not None
    assert (plug.hw_type, plug.appliance_type, plug.ambient_id) == (
        "NLP",
        "other",
        "amb-kitchen",
    )
    remote = topology.module(REMOTE)
    assert remote is not None
    assert remote.ambient_id is None


async def test_plant_status(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """One call gives every module's state; a module missing from the lists is unreachable."""
    aioclient.get(f"{HC}/plants/{PLANT}", json=load_fixture("hc_plant_status.json"))

    status = await client.hc_plant_status(PLANT)

    assert_call(aioclient, 0, "GET", f"{HC}/plants/{PLANT}")
    plug = status.state(PLUG)
    assert (plug.kind, plug.reachable, plug.on, plug.power, plug.firmware) == (
        DeviceKind.PLUG,
        True,
        True,
        89.0,
        "42",
    )
    dimmer = status.state(DIMMER)
    assert (dimmer.on, dimmer.level, dimmer.power) == (True, 60, 12.0)
    shutter = status.state(SHUTTER)
    assert (shutter.kind, shutter.level, shutter.step, shutter.on) == (
        DeviceKind.AUTOMATION,
        100,
        100,
        None,
    )
    remote = status.state(REMOTE)
    assert (remote.reachable, remote.battery) == (False, "full")
    missing = status.state(LOCK, DeviceKind.UNKNOWN)
    # Missing from the status: nothing is known of it, it is not said to be unreachable.
    assert missing.reachable is None
    assert missing.on is None


async def test_module_status(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """One module's status is read from its device/system path."""
    url = f"{HC}/plug/energy/addressLocation/plants/{PLANT}/modules/parameter/id/value/{PLUG}"
    aioclient.get(url, json=load_fixture("hc_plug_status.json"))

    state = await client.hc_module_status(PLANT, PLUG, DeviceKind.PLUG)

    assert_call(aioclient, 0, "GET", url)
    assert (state.module_id, state.on, state.power) == (PLUG, True, 1999.0)


async def test_module_status_without_its_element_is_unreachable(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """An empty status list for the module means it did not answer."""
    url = f"{HC}/light/lighting/addressLocation/plants/{PLANT}/modules/parameter/id/value/{DIMMER}"
    aioclient.get(url, json={"lights": []})

    state = await client.hc_module_status(PLANT, DIMMER, DeviceKind.LIGHT)

    assert (state.reachable, state.kind) == (False, DeviceKind.LIGHT)


@pytest.mark.parametrize(
    ("kind", "segment", "on", "body"),
    [
        (DeviceKind.LIGHT, "light/lighting", True, {"status": "on"}),
        (DeviceKind.PLUG, "plug/energy", False, {"status": "off"}),
    ],
)
async def test_switch(
    client: EliotClient,
    aioclient: AiohttpClientMocker,
    kind: DeviceKind,
    segment: str,
    on: bool,
    body: dict[str, str],
) -> None:
    """Lights and plugs are switched with a JSON status body; the 200 has no body."""
    url = f"{HC}/{segment}/addressLocation/plants/{PLANT}/modules/parameter/id/value/{PLUG}"
    aioclient.post(url, status=200)

    await client.switch(PLANT, PLUG, kind, on)

    assert_call(aioclient, 0, "POST", url, body)


async def test_levels_and_stop(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """Dimming and shutter position send a level; stop sends level -1."""
    light = f"{HC}/light/lighting/addressLocation/plants/{PLANT}/modules/parameter/id/value/{DIMMER}"
    shutter = f"{HC}/automation/automation/addressLocation/plants/{PLANT}/modules/parameter/id/value/{SHUTTER}"
    aioclient.post(light)
    aioclient.post(shutter)

    await client.set_level(PLANT, DIMMER, DeviceKind.LIGHT, 40)
    await client.set_level(PLANT, SHUTTER, DeviceKind.AUTOMATION, 0)
    await client.stop_automation(PLANT, SHUTTER)

    assert_call(aioclient, 0, "POST", light, {"level": 40})
    assert_call(aioclient, 1, "POST", shutter, {"level": 0})
    assert_call(aioclient, 2, "POST", shutter, {"level": -1})


async def test_scenes_list_and_run(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """Scenes are listed per plant and run with {"enable": true}."""
    scenes_url = f"{HC}/scene/comfort/addressLocation/plants/{PLANT}"
    aioclient.get(scenes_url, json=load_fixture("hc_scenes.json"))
    aioclient.post(f"{scenes_url}/modules/parameter/id/value/scene-night")

    scenes = await client.hc_scenes(PLANT)
    await client.run_scene(PLANT, scenes[0].id)

    assert [(scene.id, scene.name) for scene in scenes] == [
        ("scene-night", "Good night"),
        ("scene-leave", "Leaving"),
    ]
    assert_call(aioclient, 0, "GET", scenes_url)
    assert_call(
        aioclient,
        1,
        "POST",
        f"{scenes_url}/modules/parameter/id/value/scene-night",
        {"enable": True},
    )


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("switch", (PLANT, SHUTTER, DeviceKind.AUTOMATION, True)),
        ("switch", (PLANT, PLUG, DeviceKind.PLUG, "yes")),
        ("set_level", (PLANT, PLUG, DeviceKind.PLUG, 50)),
        ("set_level", (PLANT, DIMMER, DeviceKind.LIGHT, 101)),
        ("set_level", (PLANT, DIMMER, DeviceKind.LIGHT, True)),
        ("hc_module_status", (PLANT, LOCK, DeviceKind.UNKNOWN)),
        ("hc_topology", ("",)),
        ("hc_topology", (None,)),
    ],
)
async def test_bad_arguments_are_refused_before_sending(
    client: EliotClient,
    aioclient: AiohttpClientMocker,
    call: str,
    args: tuple[Any, ...],
) -> None:
    """A wrong kind, level, state or id raises a clear error and costs no call."""
    with pytest.raises(EliotInvalidValueError):
        await getattr(client, call)(*args)

    assert aioclient.call_count == 0
    assert client.budget.calls_used == 0


async def test_ids_are_quoted_into_the_path(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """An id with a slash or a dot-dot cannot change the route."""
    aioclient.get(f"{HC}/plants/..%2Fplants/topology", json={"plant": {"modules": []}})

    topology = await client.hc_topology("../plants")

    assert topology.modules == ()
    assert str(aioclient.mock_calls[0][1]) == f"{HC}/plants/..%2Fplants/topology"


async def test_status_answers_are_numbered_in_order(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """Each status answer gets the next number; an unchanged element keeps its first one."""
    aioclient.get(f"{HC}/plants/{PLANT}", json=load_fixture("hc_plant_status.json"))
    url = f"{HC}/plug/energy/addressLocation/plants/{PLANT}/modules/parameter/id/value/{PLUG}"
    aioclient.get(url, json=load_fixture("hc_plug_status.json"))

    first = await client.hc_plant_status(PLANT)
    one = await client.hc_module_status(PLANT, PLUG, DeviceKind.PLUG)
    again = await client.hc_plant_status(PLANT)

    assert (first.read, one.read, again.read) == (1, 2, 3)
    assert again.state(PLUG) == first.state(PLUG)
    assert again.state(PLUG).read == 1

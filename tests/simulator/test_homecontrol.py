"""The Home + Control API: plants, topology, status, commands, shutters, power and scenes."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
import pytest

from simulator import CLOUD, SimulatedCloud

from .conftest import MakeClient
from .helpers import (
    HC_BASE,
    HC_PLANT,
    OTHER_USER,
    SM_PLANT,
    hc_module,
    hc_module_path,
    headers,
)

STATUS = f"{HC_BASE}/plants/{HC_PLANT}"
TV = hc_module("Prise TV")
KETTLE = hc_module("Prise Bouilloire")
DIMMER = hc_module("Lumière Salon")
CEILING = hc_module("Plafonnier Cuisine")
SHUTTER = hc_module("Volet Salon")
REMOTE = hc_module("Commande Générale")
METER = hc_module("Compteur")
GATE = hc_module("Portail")


def _entry(status: dict[str, Any], list_key: str, module_id: str) -> dict[str, Any]:
    """Return a module's element from a status answer, by the sender join key."""
    return next(
        e
        for e in status["modules"][list_key]
        if e["sender"]["plant"]["module"]["id"] == module_id
    )


async def _status(
    client: TestClient[Any, Any], cloud: SimulatedCloud
) -> dict[str, Any]:
    """Return the whole plant's status."""
    response = await client.get(STATUS, headers=headers(cloud))
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


async def test_plants_with_and_without_trailing_slash(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Both spellings list the user's plant with id, name and country."""
    for path in (f"{HC_BASE}/plants", f"{HC_BASE}/plants/"):
        body = await (await client.get(path, headers=headers(sim_cloud))).json()
        assert body == {"plants": [{"id": HC_PLANT, "name": "Maison", "country": "FR"}]}


async def test_plants_of_a_user_without_any(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A user without Home + Control plants gets an empty list."""
    body = await (
        await client.get(f"{HC_BASE}/plants", headers=headers(sim_cloud, OTHER_USER))
    ).json()
    assert body == {"plants": []}


async def test_retired_api_answers_404(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """When the API is retired for an account, its plants list is a 404."""
    flag = await client.post(
        "/_sim/users/demo@example.com/hc-retired", json={"retired": True}
    )
    assert flag.status == 200
    response = await client.get(f"{HC_BASE}/plants", headers=headers(sim_cloud))
    assert response.status == 404


async def test_topology(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Rooms with their modules, plus the top-level modules; no state in the topology."""
    body = await (
        await client.get(f"{STATUS}/topology", headers=headers(sim_cloud))
    ).json()
    plant = body["plant"]
    assert plant["id"] == HC_PLANT
    rooms = {a["name"]: a for a in plant["ambients"]}
    assert set(rooms) == {"Salon", "Cuisine", "Chambre", "Bureau"}
    assert rooms["Salon"]["type"] == "livingroom"
    salon = {m["name"]: m for m in rooms["Salon"]["modules"]}
    assert salon["Prise TV"] == {
        "id": TV,
        "name": "Prise TV",
        "hw_type": "NLP",
        "type": "other",
        "device": "plug",
    }
    assert {m["device"] for m in plant["modules"]} == {"remote", "energymeter"}
    every = [m for a in plant["ambients"] for m in a["modules"]] + plant["modules"]
    assert len(every) == 11
    assert {"gate"} <= {m["device"] for m in every}
    assert all("status" not in m for m in every)


async def test_whole_plant_status(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Every list is present; each module appears in its kind's list with its fields."""
    status = await _status(client, sim_cloud)
    assert list(status["modules"]) == [
        "lights",
        "plugs",
        "automations",
        "energymeters",
        "remotes",
        "heaters",
    ]
    assert status["modules"]["heaters"] == []
    tv = _entry(status, "plugs", TV)
    assert tv["reachable"] is True
    assert tv["status"] == "on"
    assert tv["fw"] == 42
    assert tv["consumptions"][0]["unit"] == "watt"
    assert tv["consumptions"][0]["value"] == 89
    assert tv["consumptions"][0]["timestamp"].endswith("+00:00")
    dimmer = _entry(status, "lights", DIMMER)
    assert (dimmer["status"], dimmer["level"]) == ("on", 60)
    assert "level" not in _entry(status, "lights", CEILING)
    shutter = _entry(status, "automations", SHUTTER)
    assert (shutter["level"], shutter["step"]) == (100, 100)
    assert _entry(status, "remotes", REMOTE)["battery"] == "full"
    meter = _entry(status, "energymeters", METER)
    assert meter["consumptions"][0]["value"] == 89 + 24
    every_id = {
        e["sender"]["plant"]["module"]["id"]
        for entries in status["modules"].values()
        for e in entries
    }
    assert GATE not in every_id


@pytest.mark.parametrize(
    ("segment", "module_id", "list_key"),
    [
        ("plug/energy", TV, "plugs"),
        ("light/lighting", DIMMER, "lights"),
        ("automation/automation", SHUTTER, "automations"),
        ("remote/remote", REMOTE, "remotes"),
        ("meter/energy", METER, "energymeters"),
    ],
)
async def test_single_module_status(
    client: TestClient[Any, Any],
    sim_cloud: SimulatedCloud,
    segment: str,
    module_id: str,
    list_key: str,
) -> None:
    """One module's status comes wrapped in its kind's list."""
    body = await (
        await client.get(hc_module_path(segment, module_id), headers=headers(sim_cloud))
    ).json()
    assert list(body) == [list_key]
    assert body[list_key][0]["sender"]["plant"]["module"]["id"] == module_id


async def test_switch_a_plug_with_json_and_form(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A JSON or a form body switches; 200 with an empty body; power follows the load."""
    path = hc_module_path("plug/energy", KETTLE)
    on = await client.post(path, json={"status": "on"}, headers=headers(sim_cloud))
    assert on.status == 200
    assert await on.read() == b""
    status = await _status(client, sim_cloud)
    assert _entry(status, "plugs", KETTLE)["consumptions"][0]["value"] == 2000
    assert (
        _entry(status, "energymeters", METER)["consumptions"][0]["value"]
        == 2000 + 89 + 24
    )
    off = await client.post(path, data={"status": "off"}, headers=headers(sim_cloud))
    assert off.status == 200
    status = await _status(client, sim_cloud)
    assert _entry(status, "plugs", KETTLE)["status"] == "off"
    assert _entry(status, "plugs", KETTLE)["consumptions"][0]["value"] == 0


async def test_dim_a_light(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A level dims (and switches on); level 0 switches off; on again restores the level."""
    path = hc_module_path("light/lighting", DIMMER)
    await client.post(path, json={"status": "off"}, headers=headers(sim_cloud))
    await client.post(path, data={"level": "35"}, headers=headers(sim_cloud))
    light = _entry(await _status(client, sim_cloud), "lights", DIMMER)
    assert (light["status"], light["level"], light["consumptions"][0]["value"]) == (
        "on",
        35,
        14,
    )
    await client.post(path, json={"level": 0}, headers=headers(sim_cloud))
    assert _entry(await _status(client, sim_cloud), "lights", DIMMER)["status"] == "off"
    await client.post(path, json={"status": "on"}, headers=headers(sim_cloud))
    light = _entry(await _status(client, sim_cloud), "lights", DIMMER)
    assert (light["status"], light["level"]) == ("on", 35)


async def test_shutter_moves_over_time_and_stops(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A shutter travels at its speed toward the target; -1 stops it where it is."""
    path = hc_module_path("automation/automation", SHUTTER)
    travel = sim_cloud.options.shutter_travel_time
    assert (
        await client.post(path, json={"level": 0}, headers=headers(sim_cloud))
    ).status == 200
    moving = _entry(await _status(client, sim_cloud), "automations", SHUTTER)
    assert moving["step"] == 0
    assert moving["level"] >= 95
    sim_cloud.clock.advance(travel / 2)
    half = _entry(await _status(client, sim_cloud), "automations", SHUTTER)["level"]
    assert 45 <= half <= 55
    await client.post(path, json={"level": -1}, headers=headers(sim_cloud))
    sim_cloud.clock.advance(travel)
    stopped = _entry(await _status(client, sim_cloud), "automations", SHUTTER)
    assert stopped["level"] == stopped["step"]
    assert 45 <= stopped["level"] <= 55
    await client.post(
        path, json={"ids": ["string"], "level": 100}, headers=headers(sim_cloud)
    )
    sim_cloud.clock.advance(travel)
    assert (
        _entry(await _status(client, sim_cloud), "automations", SHUTTER)["level"] == 100
    )


@pytest.mark.parametrize(
    ("segment", "module_id", "body"),
    [
        ("plug/energy", TV, {"status": "maybe"}),
        ("plug/energy", TV, {"level": 50}),
        ("plug/energy", TV, {}),
        ("plug/energy", TV, {"status": True}),
        ("light/lighting", CEILING, {"level": 50}),
        ("light/lighting", DIMMER, {"level": 101}),
        ("light/lighting", DIMMER, {"level": -1}),
        ("light/lighting", DIMMER, {"level": "half"}),
        ("automation/automation", SHUTTER, {"status": "on"}),
        ("automation/automation", SHUTTER, {"level": -2}),
        ("remote/remote", REMOTE, {"status": "on"}),
    ],
)
async def test_invalid_commands(
    client: TestClient[Any, Any],
    sim_cloud: SimulatedCloud,
    segment: str,
    module_id: str,
    body: dict[str, Any],
) -> None:
    """Bodies a module cannot carry out: 400 with the errors list."""
    response = await client.post(
        hc_module_path(segment, module_id), json=body, headers=headers(sim_cloud)
    )
    assert response.status == 400
    error = (await response.json())["errors"][0]
    assert error["code"] == 400
    assert error["userMessage"] == "Invalid arguments"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""])
async def test_malformed_command_bodies(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, raw: bytes
) -> None:
    """Malformed JSON, a non-object or nothing: 400, never a crash."""
    response = await client.post(
        hc_module_path("plug/energy", TV),
        data=raw,
        headers=headers(sim_cloud, **{"Content-Type": "application/json"}),
    )
    assert response.status == 400
    assert "errors" in await response.json()


@pytest.mark.parametrize(
    "path",
    [
        f"{HC_BASE}/plants/000000000000000000000000deadbeef",
        f"{HC_BASE}/plants/000000000000000000000000deadbeef/topology",
        hc_module_path("plug/energy", "000000000000000000000000deadbeef"),
        hc_module_path("light/lighting", TV),
        hc_module_path("plug/energy", TV, plant_id=SM_PLANT),
    ],
)
async def test_unknown_ids_are_404(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, path: str
) -> None:
    """Unknown plants and modules, or a module under another kind's path: 404."""
    response = await client.get(path, headers=headers(sim_cloud))
    assert response.status == 404
    assert (await response.json())["errors"][0]["code"] == 404


async def test_another_users_plant_is_401(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Another account's plant: 401 (the user is not allowed on it)."""
    response = await client.get(STATUS, headers=headers(sim_cloud, OTHER_USER))
    assert response.status == 401
    assert (await response.json())["errors"][0]["code"] == 401


async def test_offline_gateway(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Offline: status and commands 404, topology still answers; back online it works again."""
    await client.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": False})
    assert (await client.get(STATUS, headers=headers(sim_cloud))).status == 404
    command = await client.post(
        hc_module_path("plug/energy", TV),
        json={"status": "off"},
        headers=headers(sim_cloud),
    )
    assert command.status == 404
    assert (await command.json())["errors"][0]["userMessage"] == "Gateway offline"
    assert (
        await client.get(f"{STATUS}/topology", headers=headers(sim_cloud))
    ).status == 200
    await client.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": True})
    assert (await client.get(STATUS, headers=headers(sim_cloud))).status == 200


async def test_plant_out_of_the_account(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Out of the account: gone from the plants list, 401 on its calls; back, all as before."""
    plants = f"{HC_BASE}/plants"
    response = await client.post(
        f"/_sim/plants/{HC_PLANT}/member", json={"member": False}
    )
    assert await response.json() == {"plant": HC_PLANT, "member": False}
    listed = await (await client.get(plants, headers=headers(sim_cloud))).json()
    assert HC_PLANT not in [plant["id"] for plant in listed["plants"]]
    refused = await client.get(STATUS, headers=headers(sim_cloud))
    assert refused.status == 401
    assert (await refused.json())["errors"][0]["code"] == 401

    await client.post(f"/_sim/plants/{HC_PLANT}/member", json={"member": True})
    listed = await (await client.get(plants, headers=headers(sim_cloud))).json()
    assert HC_PLANT in [plant["id"] for plant in listed["plants"]]
    assert (await client.get(STATUS, headers=headers(sim_cloud))).status == 200


async def test_unreachable_module_flagged(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """By default an unreachable module stays listed with reachable false; commands 404."""
    await client.post(f"/_sim/modules/{TV}/physical", json={"reachable": False})
    assert _entry(await _status(client, sim_cloud), "plugs", TV)["reachable"] is False
    command = await client.post(
        hc_module_path("plug/energy", TV),
        json={"status": "off"},
        headers=headers(sim_cloud),
    )
    assert command.status == 404


async def test_unreachable_module_missing_variant(make_client: MakeClient) -> None:
    """With hc_unreachable=missing the module is left out of the status lists."""
    client = await make_client(hc_unreachable="missing")
    cloud = client.app[CLOUD]
    await client.post(f"/_sim/modules/{TV}/physical", json={"reachable": False})
    status = await _status(client, cloud)
    assert all(
        e["sender"]["plant"]["module"]["id"] != TV for e in status["modules"]["plugs"]
    )
    single = await (
        await client.get(hc_module_path("plug/energy", TV), headers=headers(cloud))
    ).json()
    assert single == {"plugs": []}


async def test_all_modules_of_a_kind(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The per-kind plant path lists every module of the kind and commands them together."""
    path = f"{HC_BASE}/light/lighting/addressLocation/plants/{HC_PLANT}"
    lights = (await (await client.get(path, headers=headers(sim_cloud))).json())[
        "lights"
    ]
    assert len(lights) == 3
    assert (
        await client.post(path, json={"status": "off"}, headers=headers(sim_cloud))
    ).status == 200
    status = await _status(client, sim_cloud)
    assert {e["status"] for e in status["modules"]["lights"]} == {"off"}
    bad = await client.post(
        f"{HC_BASE}/remote/remote/addressLocation/plants/{HC_PLANT}",
        json={"status": "on"},
        headers=headers(sim_cloud),
    )
    assert bad.status == 400


async def test_scenes_list_and_run(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Scenes are listed by name and sender id; running one applies its commands."""
    listing = await (
        await client.get(
            f"{HC_BASE}/scene/comfort/addressLocation/plants/{HC_PLANT}",
            headers=headers(sim_cloud),
        )
    ).json()
    names = {s["name"]: s["sender"]["plant"]["module"]["id"] for s in listing["scenes"]}
    assert set(names) == {"Tout éteindre", "Bonjour"}
    run = await client.post(
        hc_module_path("scene/comfort", names["Tout éteindre"]),
        json={"enable": True},
        headers=headers(sim_cloud),
    )
    assert run.status == 200
    status = await _status(client, sim_cloud)
    assert _entry(status, "plugs", TV)["status"] == "off"
    assert _entry(status, "lights", DIMMER)["status"] == "off"
    form_run = await client.post(
        hc_module_path("scene/comfort", names["Bonjour"]),
        data={"enable": "true"},
        headers=headers(sim_cloud),
    )
    assert form_run.status == 200
    assert _entry(await _status(client, sim_cloud), "lights", DIMMER)["level"] == 80


async def test_scene_errors(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """An unknown scene is 404; a body other than enable true is 400."""
    unknown = await client.post(
        hc_module_path("scene/comfort", "0" * 32),
        json={"enable": True},
        headers=headers(sim_cloud),
    )
    assert unknown.status == 404
    scene_id = next(iter(sim_cloud.world.hc_plants[HC_PLANT].scenes)).id
    disabled = await client.post(
        hc_module_path("scene/comfort", scene_id),
        json={"enable": False},
        headers=headers(sim_cloud),
    )
    assert disabled.status == 400


async def test_physical_press_shows_in_status(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A press on the device itself changes what the API reports."""
    response = await client.post(
        f"/_sim/modules/{CEILING}/physical", json={"status": "on"}
    )
    assert (await response.json())["status"] == "on"
    await client.post(f"/_sim/modules/{REMOTE}/physical", json={"battery": "low"})
    status = await _status(client, sim_cloud)
    assert _entry(status, "lights", CEILING)["status"] == "on"
    assert _entry(status, "remotes", REMOTE)["battery"] == "low"

"""The control API: scenarios, state, devices, users, topology, options and bad requests."""

from __future__ import annotations

import copy
from typing import Any

from aiohttp.test_utils import TestClient
import pytest

from simulator import SimulatedCloud

from .helpers import (
    CAMERA,
    DEMO,
    HC_BASE,
    HC_PLANT,
    SM_BASE,
    SM_PLANT,
    SOGGIORNO,
    hc_module,
    headers,
    thermostat_path,
)


async def test_index_names_the_parts(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """GET / says where login, APIs, control and discovery are."""
    body = await (await client.get("/")).json()
    assert body["scenario"] == "demo"
    assert body["smarther"].endswith("/smarther/v2.0")
    assert body["discovery"].endswith(
        f"/{sim_cloud.client_id}/.well-known/openid-configuration"
    )


async def test_state_shows_everything(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """GET /_sim/state has users, plants, modules, thermostats, subscriptions, options, push."""
    state = await (await client.get("/_sim/state")).json()
    assert [u["email"] for u in state["users"]] == [
        "demo@example.com",
        "other@example.com",
    ]
    assert state["users"][0]["subject"] == DEMO["users"][0]["subject"]
    assert len(state["homecontrol"][HC_PLANT]["modules"]) == 11
    thermostat = state["smarther"][SM_PLANT]["thermostats"][SOGGIORNO]
    assert thermostat["mode"] == "automatic"
    assert thermostat["status"]["mode"] == "AUTOMATIC"
    assert [p["number"] for p in thermostat["programs"]] == [0, 1, 2, 3]
    assert state["subscriptions"] == []
    assert state["options"]["quota_limit"] == 500
    assert state["push"]["ban_rule"] is False


async def test_load_scenario_resets_state_but_keeps_tokens(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Loading a scenario resets homes and counters; tokens of existing users still work."""
    sent = headers(sim_cloud)
    await client.post(
        f"/_sim/modules/{hc_module('Prise TV')}/physical", json={"status": "off"}
    )
    await client.get(f"{HC_BASE}/plants", headers=sent)
    loaded = await client.post("/_sim/scenario", json={"name": "demo"})
    assert await loaded.json() == {"scenario": "demo"}
    assert sim_cloud.counters["total"] == 0
    state = await (await client.get("/_sim/state")).json()
    assert (
        state["homecontrol"][HC_PLANT]["modules"][hc_module("Prise TV")]["status"]
        == "on"
    )
    assert (await client.get(f"{HC_BASE}/plants", headers=sent)).status == 200
    listed = await (await client.get("/_sim/scenario")).json()
    assert "demo" in listed["available"]


async def test_load_scenario_from_a_dict(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A scenario object replaces the demo; its options apply; tokens of vanished users die."""
    other = headers(sim_cloud, "other@example.com")
    scenario = copy.deepcopy(DEMO)
    scenario["name"] = "tiny"
    scenario["users"] = scenario["users"][:1]
    scenario["users"][0]["smarther"] = []
    scenario["options"] = {"quota_limit": 7}
    assert (
        await client.post("/_sim/scenario", json={"scenario": scenario})
    ).status == 200
    assert sim_cloud.options.quota_limit == 7
    assert (
        await client.get(f"{SM_BASE}/plants", headers=headers(sim_cloud))
    ).status == 204
    assert (await client.get(f"{SM_BASE}/plants", headers=other)).status == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": 3},
        {"name": "no-such-scenario"},
        {"name": "../demo"},
        {"scenario": {"users": []}},
        {"scenario": {**DEMO, "options": {"quota_limit": "many"}}},
        {"scenario": {**DEMO, "options": []}},
    ],
)
async def test_bad_scenarios(
    client: TestClient[Any, Any], body: dict[str, Any]
) -> None:
    """A scenario that cannot be loaded is a 400 with the reason; the old one stays."""
    response = await client.post("/_sim/scenario", json=body)
    assert response.status == 400
    assert (await response.json())["error"]
    assert (await (await client.get("/_sim/scenario")).json())["scenario"] == "demo"


async def test_physical_thermostat_changes(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The thermostat's display: mode, program, boost minutes, function; validated like the API."""
    result = await (
        await client.post(
            f"/_sim/modules/{SOGGIORNO}/physical",
            json={"mode": "automatic", "program": 2},
        )
    ).json()
    assert (result["mode"], result["program"]) == ("automatic", 2)
    result = await (
        await client.post(f"/_sim/modules/{SOGGIORNO}/physical", json={"mode": "boost"})
    ).json()
    assert result["mode"] == "boost"
    assert result["activation_end"]
    result = await (
        await client.post(f"/_sim/modules/{CAMERA}/physical", json={"mode": "manual"})
    ).json()
    assert result["setpoint"] == 24.5
    result = await (
        await client.post(
            f"/_sim/modules/{CAMERA}/physical", json={"function": "heating"}
        )
    ).json()
    assert result["function"] == "heating"


@pytest.mark.parametrize(
    ("module", "body", "status"),
    [
        ("nope", {"status": "on"}, 404),
        (SOGGIORNO, {"colour": "red"}, 400),
        (SOGGIORNO, {"temperature": "hot"}, 400),
        (SOGGIORNO, {"mode": "boost", "minutes": "ten"}, 400),
        (hc_module("Prise TV"), {"status": "maybe"}, 400),
        (hc_module("Prise TV"), {"reachable": "no"}, 400),
        (hc_module("Prise TV"), {"fw": True}, 400),
        (hc_module("Prise TV"), {"load_watts": "lots"}, 400),
        (hc_module("Prise TV"), {"mode": "manual"}, 400),
    ],
)
async def test_bad_physical_changes(
    client: TestClient[Any, Any], module: str, body: dict[str, Any], status: int
) -> None:
    """Physical changes that make no sense: 400 (or 404 for an unknown module)."""
    response = await client.post(f"/_sim/modules/{module}/physical", json=body)
    assert response.status == status
    assert (await response.json())["error"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"setPoint": 23.0}, "mode is required with setPoint"),
        ({"setPoint": {"value": "23.0", "unit": "C"}}, "mode is required"),
        ({"function": "heating", "setPoint": 23.0}, "mode is required"),
        ({"program": 2}, "mode is required with program"),
        ({"minutes": 60}, "mode is required with minutes"),
        (
            {"activationTime": "2026-01-14T12:00:00", "setPoint": 21.0},
            "mode is required with activationTime, setPoint",
        ),
        ({"mode": "manual", "setPoint": 99}, "setPoint must be between"),
        ({"mode": "automatic", "program": 11}, "program"),
        ({"mode": "sleep"}, "mode must be one of"),
    ],
)
async def test_thermostat_refuses_what_it_cannot_apply(
    client: TestClient[Any, Any],
    sim_cloud: SimulatedCloud,
    body: dict[str, Any],
    reason: str,
) -> None:
    """A thermostat setting the cloud would refuse is refused with its 430, and changes nothing.

    A set point (or a program, an end time) without a mode is what a set-status body without a
    mode is: the cloud answers 430 Wrong input parameters, so the simulated device does too,
    rather than answer 200 and keep its state.
    """
    before = await (await client.get("/_sim/state")).json()
    before.pop("clock")
    response = await client.post(f"/_sim/modules/{SOGGIORNO}/physical", json=body)
    assert response.status == 430
    error = (await response.json())["error"]
    assert error.startswith("Wrong input parameters: ")
    assert reason in error
    after = await (await client.get("/_sim/state")).json()
    after.pop("clock")
    assert after == before


async def test_physical_plug_load(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A new load changes the plug's reported power."""
    plug = hc_module("Prise TV")
    result = await (
        await client.post(
            f"/_sim/modules/{plug}/physical", json={"load_watts": 120, "fw": 43}
        )
    ).json()
    assert (result["power"], result["fw"]) == (120, 43)


async def test_busy_and_user_flag_errors(client: TestClient[Any, Any]) -> None:
    """Busy needs a known thermostat and a count; flags need a known user and flag name."""
    assert (
        await client.post("/_sim/modules/nope/busy", json={"count": 1})
    ).status == 404
    assert (
        await client.post(f"/_sim/modules/{SOGGIORNO}/busy", json={"count": -1})
    ).status == 400
    assert (
        await client.post("/_sim/users/nobody@example.com/terms-expired", json={})
    ).status == 404
    assert (
        await client.post("/_sim/users/demo@example.com/sunburnt", json={})
    ).status == 404
    assert (
        await client.post(
            "/_sim/users/demo@example.com/terms-expired", json={"expired": "yes"}
        )
    ).status == 400
    assert (
        await client.post("/_sim/plants/nope/online", json={"online": False})
    ).status == 404
    assert (
        await client.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": "no"})
    ).status == 400
    assert (
        await client.post("/_sim/plants/nope/member", json={"member": False})
    ).status == 404
    assert (
        await client.post(f"/_sim/plants/{HC_PLANT}/member", json={"member": 0})
    ).status == 400


async def test_topology_add_and_remove_home_control_module(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A module added to a room shows in topology and status; removed, it is gone."""
    room = DEMO["users"][0]["homecontrol"][0]["ambients"][2]["id"]
    added = await client.post(
        f"/_sim/topology/{HC_PLANT}/modules",
        json={
            "name": "Prise Lit",
            "hw_type": "NLP",
            "device": "plug",
            "status": "on",
            "load_watts": 30,
            "ambient": room,
        },
    )
    assert added.status == 201
    module_id = (await added.json())["id"]
    topology = await (
        await client.get(
            f"{HC_BASE}/plants/{HC_PLANT}/topology", headers=headers(sim_cloud)
        )
    ).json()
    chambre = next(a for a in topology["plant"]["ambients"] if a["id"] == room)
    assert module_id in {m["id"] for m in chambre["modules"]}
    removed = await client.delete(f"/_sim/topology/{HC_PLANT}/modules/{module_id}")
    assert removed.status == 200
    status = await (
        await client.get(f"{HC_BASE}/plants/{HC_PLANT}", headers=headers(sim_cloud))
    ).json()
    assert module_id not in {
        e["sender"]["plant"]["module"]["id"] for e in status["modules"]["plugs"]
    }


async def test_topology_add_and_remove_thermostat(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A thermostat added to the Smarther plant answers its status; removed, it is a 404."""
    added = await client.post(
        f"/_sim/topology/{SM_PLANT}/modules",
        json={"name": "Bagno", "temperature": 21.0},
    )
    module_id = (await added.json())["id"]
    assert (
        await client.get(thermostat_path(module_id), headers=headers(sim_cloud))
    ).status == 200
    await client.delete(f"/_sim/topology/{SM_PLANT}/modules/{module_id}")
    assert (
        await client.get(thermostat_path(module_id), headers=headers(sim_cloud))
    ).status == 404


@pytest.mark.parametrize(
    ("plant", "body", "status"),
    [
        ("nope", {"name": "X", "device": "plug"}, 404),
        (HC_PLANT, {"name": "X"}, 400),
        (HC_PLANT, {"name": "X", "device": "plug", "ambient": "nowhere"}, 400),
        (HC_PLANT, {"id": hc_module("Prise TV"), "name": "X", "device": "plug"}, 400),
        (HC_PLANT, {"name": "X", "device": "light", "level": 300}, 400),
        (SM_PLANT, {"name": "X", "mode": "sleep"}, 400),
        (SM_PLANT, {"id": SOGGIORNO, "name": "X"}, 400),
    ],
)
async def test_bad_topology_changes(
    client: TestClient[Any, Any], plant: str, body: dict[str, Any], status: int
) -> None:
    """Modules that cannot be added: 400, or 404 for an unknown plant."""
    assert (
        await client.post(f"/_sim/topology/{plant}/modules", json=body)
    ).status == status


async def test_remove_unknown_module(client: TestClient[Any, Any]) -> None:
    """Removing a module that is not there: 404."""
    assert (
        await client.delete(f"/_sim/topology/{HC_PLANT}/modules/nope")
    ).status == 404


async def test_options_at_run_time(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Options can be read and changed; unknown names and bad values are refused."""
    assert (await (await client.get("/_sim/options")).json())["burst_limit"] == 30
    changed = await (
        await client.post(
            "/_sim/options", json={"burst_limit": None, "quota_limit": 1000}
        )
    ).json()
    assert (changed["burst_limit"], changed["quota_limit"]) == (None, 1000)
    for body in (
        {"colour": 1},
        {"quota_limit": "x"},
        {"quota_status": 418},
        {"quota_timezone": "Mars/Olympus"},
    ):
        assert (await client.post("/_sim/options", json=body)).status == 400


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("POST", "/_sim/faults", b"{broken"),
        ("POST", "/_sim/clock", b"[1]"),
        ("POST", "/_sim/push", b"\xff"),
    ],
)
async def test_malformed_control_bodies(
    client: TestClient[Any, Any], method: str, path: str, data: bytes
) -> None:
    """Control bodies that are not JSON objects: 400 with a reason."""
    response = await client.request(
        method, path, data=data, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json())["error"]


async def test_unknown_control_route_and_method(client: TestClient[Any, Any]) -> None:
    """Unknown control paths are 404 and wrong methods 405, both as JSON."""
    missing = await client.get("/_sim/nothing")
    assert (missing.status, await missing.json()) == (404, {"error": "Not Found"})
    wrong = await client.put("/_sim/state")
    assert (wrong.status, await wrong.json()) == (405, {"error": "Method Not Allowed"})


async def test_unknown_top_level_path(client: TestClient[Any, Any]) -> None:
    """Any other unknown path is a 404 in the gateway's shape."""
    response = await client.get("/echo/resource")
    assert (response.status, (await response.json())["statusCode"]) == (404, 404)

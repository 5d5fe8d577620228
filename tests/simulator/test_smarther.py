"""The Smarther API: plants, topology, status, the documented command rules, measures, programs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
import pytest

from simulator import CLOUD, SimulatedCloud

from .conftest import MakeClient
from .helpers import (
    CAMERA,
    OTHER_USER,
    SM_BASE,
    SM_PLANT,
    SOGGIORNO,
    headers,
    set_status,
    thermostat_path,
    thermostat_status,
)

# A Wednesday, 10:00 in Rome: the "At Home" heating program asks 18.0 between 08:30 and 17:30.
WEDNESDAY_MORNING = datetime(2026, 11, 25, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def start_time() -> datetime:
    """Start the simulator on that Wednesday morning."""
    return WEDNESDAY_MORNING


async def _answer(
    client: TestClient[Any, Any], cloud: SimulatedCloud, path: str
) -> Any:
    """GET a path as the demo user and return the JSON answer."""
    return await (await client.get(path, headers=headers(cloud))).json()


def _manual(set_point: Any) -> dict[str, Any]:
    """Return a body that sets heating to manual at this set point."""
    return {"function": "heating", "mode": "manual", "setPoint": set_point}


async def test_plants(client: TestClient[Any, Any], sim_cloud: SimulatedCloud) -> None:
    """The user's Smarther plant by id and name."""
    body = await _answer(client, sim_cloud, f"{SM_BASE}/plants")
    assert body == {"plants": [{"id": SM_PLANT, "name": "Casa"}]}


async def test_no_plants_is_204(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A user without thermostats: 204 and no body."""
    response = await client.get(
        f"{SM_BASE}/plants", headers=headers(sim_cloud, OTHER_USER)
    )
    assert response.status == 204
    assert await response.read() == b""


async def test_topology(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The plant's thermostats with their device name, id and name."""
    body = await (
        await client.get(
            f"{SM_BASE}/plants/{SM_PLANT}/topology", headers=headers(sim_cloud)
        )
    ).json()
    assert body["plant"]["id"] == SM_PLANT
    assert body["plant"]["name"] == "Casa"
    assert body["plant"]["modules"] == [
        {"device": "chronothermostat", "id": SOGGIORNO, "name": "Soggiorno"},
        {"device": "chronothermostat", "id": CAMERA, "name": "Camera"},
    ]


async def test_status_uses_the_real_casing(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Uppercase enums, numbers as strings, program number an int, the program's set point."""
    sim_cloud.clock.set(WEDNESDAY_MORNING)
    status = await thermostat_status(client, sim_cloud)
    assert status["function"] == "HEATING"
    assert status["mode"] == "AUTOMATIC"
    assert status["setPoint"] == {"value": "18.00000", "unit": "C"}
    assert status["programs"] == [{"number": 1}]
    assert status["temperatureFormat"] == "C"
    assert status["loadState"] in {"ACTIVE", "INACTIVE"}
    assert status["time"].startswith("2026-11-25T10:00:")
    assert status["time"].endswith("+01:00")
    assert status["thermometer"]["measures"][0]["value"] == "19.5"
    assert status["thermometer"]["measures"][0]["unit"] == "C"
    assert status["hygrometer"]["measures"][0] == {
        "timeStamp": status["time"],
        "value": "52.0",
        "unit": "%",
    }
    assert status["sender"] == {
        "addressType": "addressLocation",
        "system": "thermoregulation",
        "plant": {"id": SM_PLANT, "module": {"id": SOGGIORNO}},
    }
    assert "activationTime" not in status
    camera = await thermostat_status(client, sim_cloud, CAMERA)
    assert (camera["function"], camera["mode"], camera["setPoint"]["value"]) == (
        "COOLING",
        "MANUAL",
        "24.50000",
    )


async def test_manual_forever_and_until(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Manual with a number or string set point; an end time shows as activationTime."""
    status, body = await set_status(
        client,
        sim_cloud,
        {
            "function": "heating",
            "mode": "manual",
            "setPoint": {"value": 22.5, "unit": "C"},
        },
    )
    assert (status, body) == (200, None)
    state = await thermostat_status(client, sim_cloud)
    assert (state["mode"], state["setPoint"]["value"], state["loadState"]) == (
        "MANUAL",
        "22.50000",
        "ACTIVE",
    )
    end = (sim_cloud.clock.now() + timedelta(hours=2)).replace(microsecond=0)
    status, _ = await set_status(
        client,
        sim_cloud,
        {
            "function": "HEATING",
            "mode": "MANUAL",
            "setPoint": {"value": "21.00000", "unit": "C"},
            "activationTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    assert status == 200
    state = await thermostat_status(client, sim_cloud)
    assert state["activationTime"] == end.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_boost_with_range_and_automatic(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Boost takes a start/end range; automatic takes one program."""
    now = sim_cloud.clock.now().replace(microsecond=0)
    span = f"{now:%Y-%m-%dT%H:%M:%S}Z/{now + timedelta(minutes=30):%Y-%m-%dT%H:%M:%S}Z"
    assert (
        await set_status(
            client,
            sim_cloud,
            {"function": "heating", "mode": "boost", "activationTime": span},
        )
    )[0] == 200
    boost = await thermostat_status(client, sim_cloud)
    assert (boost["mode"], boost["loadState"]) == ("BOOST", "ACTIVE")
    assert (
        await set_status(
            client,
            sim_cloud,
            {"function": "heating", "mode": "automatic", "programs": [{"number": 3}]},
        )
    )[0] == 200
    auto = await thermostat_status(client, sim_cloud)
    assert (auto["mode"], auto["programs"]) == ("AUTOMATIC", [{"number": 3}])
    assert "activationTime" not in auto


async def test_off_and_protection(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Off stops the load; protection holds the anti-freeze set point."""
    assert (
        await set_status(client, sim_cloud, {"function": "heating", "mode": "off"})
    )[0] == 200
    off = await thermostat_status(client, sim_cloud)
    assert (off["mode"], off["loadState"]) == ("OFF", "INACTIVE")
    assert (
        await set_status(
            client, sim_cloud, {"function": "heating", "mode": "protection"}
        )
    )[0] == 200
    protection = await thermostat_status(client, sim_cloud)
    assert (protection["mode"], protection["setPoint"]["value"]) == (
        "PROTECTION",
        "7.00000",
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"function": "heating", "mode": "manual"}, "setPoint is required"),
        ({"function": "heating", "mode": "boost"}, "activationTime is required"),
        ({"function": "heating", "mode": "automatic"}, "programs is required"),
        (_manual({"value": "2.5", "unit": "C"}), "between 3 and 40"),
        (_manual({"value": 40.5, "unit": "C"}), "between 3 and 40"),
        (_manual({"value": "warm", "unit": "C"}), "must be a number"),
        (_manual({"value": 20, "unit": "F"}), "unit must be C"),
        (_manual(20), "setPoint must be an object"),
        (
            {
                "function": "heating",
                "mode": "automatic",
                "programs": [{"number": 1}, {"number": 2}],
            },
            "at most one",
        ),
        (
            {"function": "heating", "mode": "automatic", "programs": [{"number": 9}]},
            "unknown program 9",
        ),
        (
            {
                "function": "heating",
                "mode": "automatic",
                "programs": [{"number": "one"}],
            },
            "integer",
        ),
        (
            {"function": "heating", "mode": "automatic", "programs": {"number": 1}},
            "must be a list",
        ),
        ({"function": "heating", "mode": "sleep"}, "mode must be one of"),
        ({"function": "drying", "mode": "off"}, "function must be one of"),
        ({"function": "heating"}, "mode is required"),
        (
            {"function": "heating", "mode": "off", "activationTime": "tomorrow"},
            "activationTime",
        ),
        (
            {
                "function": "heating",
                "mode": "off",
                "activationTime": "2020-01-01T10:00:00",
            },
            "in the future",
        ),
        (
            {
                "function": "heating",
                "mode": "boost",
                "activationTime": "2099-01-01T10:00:00/2099-01-01T09:00:00",
            },
            "starts after",
        ),
        (
            {
                "function": "heating",
                "mode": "boost",
                "activationTime": "2099-01-01T10:00:00/2099-01-03T10:00:00",
            },
            "24 hours",
        ),
        (
            {
                "function": "heating",
                "mode": "off",
                "activationTime": "2099-02-30T10:00:00",
            },
            "activationTime",
        ),
        (
            {"function": "heating", "mode": "off", "activationTime": 5},
            "must be a string",
        ),
        ({"function": "heating", "mode": "off", "activationTime": "a/b/c"}, "range"),
    ],
)
async def test_set_status_rules_answer_430(
    client: TestClient[Any, Any],
    sim_cloud: SimulatedCloud,
    body: dict[str, Any],
    reason: str,
) -> None:
    """Each documented rule broken: 430 with the reason, state unchanged."""
    before = await thermostat_status(client, sim_cloud)
    status, answer = await set_status(client, sim_cloud, body)
    assert status == 430
    assert answer["statusCode"] == 430
    assert reason in answer["message"]
    after = await thermostat_status(client, sim_cloud)
    assert (after["mode"], after["setPoint"]) == (before["mode"], before["setPoint"])


@pytest.mark.parametrize("raw", [b"{", b"[]", b"", b"\xff\xfe"])
async def test_malformed_set_status_is_400(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, raw: bytes
) -> None:
    """A body that is not a JSON object: 400."""
    response = await client.post(
        thermostat_path(),
        data=raw,
        headers=headers(sim_cloud, **{"Content-Type": "application/json"}),
    )
    assert response.status == 400
    assert (await response.json())["statusCode"] == 400


async def test_busy_display_is_486(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The next N commands get 486; then commands work; reads are not affected."""
    await client.post(f"/_sim/modules/{SOGGIORNO}/busy", json={"count": 2})
    body = {"function": "heating", "mode": "off"}
    assert (await set_status(client, sim_cloud, body))[0] == 486
    await thermostat_status(client, sim_cloud)
    status, answer = await set_status(client, sim_cloud, body)
    assert (status, answer["message"]) == (486, "Busy visual user interface")
    assert (await set_status(client, sim_cloud, body))[0] == 200


@pytest.mark.parametrize(
    ("flag", "status"), [("app-password-expired", 469), ("terms-expired", 470)]
)
async def test_account_conditions(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, flag: str, status: int
) -> None:
    """An expired Thermostat app password or terms: every Smarther read and command fails."""
    await client.post(f"/_sim/users/demo@example.com/{flag}", json={"expired": True})
    for path in (
        f"{SM_BASE}/plants",
        f"{SM_BASE}/plants/{SM_PLANT}/topology",
        thermostat_path(),
        f"{thermostat_path()}/measures",
        f"{thermostat_path()}/programlist",
    ):
        response = await client.get(path, headers=headers(sim_cloud))
        assert response.status == status
        assert (await response.json())["statusCode"] == status
    assert (
        await set_status(client, sim_cloud, {"function": "heating", "mode": "off"})
    )[0] == status
    await client.post(f"/_sim/users/demo@example.com/{flag}", json={"expired": False})
    assert (
        await client.get(f"{SM_BASE}/plants", headers=headers(sim_cloud))
    ).status == 200


async def test_offline_thermostat(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Offline gateway: status, measures and commands 404; topology and programs still answer."""
    await client.post(f"/_sim/plants/{SM_PLANT}/online", json={"online": False})
    assert (
        await client.get(thermostat_path(), headers=headers(sim_cloud))
    ).status == 404
    assert (
        await client.get(f"{thermostat_path()}/measures", headers=headers(sim_cloud))
    ).status == 404
    status, answer = await set_status(
        client, sim_cloud, {"function": "heating", "mode": "off"}
    )
    assert (status, answer["message"]) == (404, "Gateway offline")
    assert (
        await client.get(
            f"{SM_BASE}/plants/{SM_PLANT}/topology", headers=headers(sim_cloud)
        )
    ).status == 200
    assert (
        await client.get(f"{thermostat_path()}/programlist", headers=headers(sim_cloud))
    ).status == 200


@pytest.mark.parametrize(
    "path",
    [
        thermostat_path("00000000-0000-0000-0000-000000000000"),
        thermostat_path(SOGGIORNO, "00000000-0000-0000-0000-000000000000"),
        f"{SM_BASE}/plants/00000000-0000-0000-0000-000000000000/topology",
    ],
)
async def test_unknown_ids_are_404(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, path: str
) -> None:
    """Unknown plants and thermostats: 404 in the statusCode/message shape."""
    response = await client.get(path, headers=headers(sim_cloud))
    assert (response.status, (await response.json())["statusCode"]) == (404, 404)


async def test_another_users_plant_is_401(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Another account's plant: 401."""
    response = await client.get(
        thermostat_path(), headers=headers(sim_cloud, OTHER_USER)
    )
    assert response.status == 401


async def test_measures(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Temperature and humidity as strings with units, and the sender."""
    body = await _answer(client, sim_cloud, f"{thermostat_path()}/measures")
    assert body["thermometer"]["measures"][0]["value"] == "19.5"
    assert body["hygrometer"]["measures"][0]["unit"] == "%"
    assert body["sender"]["plant"]["module"]["id"] == SOGGIORNO


async def test_program_list(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Programs 0 to 3 with their names."""
    body = await _answer(client, sim_cloud, f"{thermostat_path()}/programlist")
    programs = body["chronothermostats"][0]["programs"]
    assert programs == [
        {"number": 0, "name": "Default"},
        {"number": 1, "name": "At Home"},
        {"number": 2, "name": "Not At Home"},
        {"number": 3, "name": "Risparmio"},
    ]


async def test_subscriptions_lifecycle(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """204 when none, 201 with an id, listed with EndPointUrl, 409 when repeated, deleted."""
    listing = f"{SM_BASE}/subscription"
    assert (await client.get(listing, headers=headers(sim_cloud))).status == 204
    url = "https://hooks.example.org/api/webhook/abc"
    created = await client.post(
        f"{SM_BASE}/plants/{SM_PLANT}/subscription",
        json={"EndPointUrl": url},
        headers=headers(sim_cloud),
    )
    assert created.status == 201
    subscription_id = (await created.json())["subscriptionId"]
    listed = await (await client.get(listing, headers=headers(sim_cloud))).json()
    assert listed == [
        {"plantId": SM_PLANT, "subscriptionId": subscription_id, "EndPointUrl": url}
    ]
    again = await client.post(
        f"{SM_BASE}/plants/{SM_PLANT}/subscription",
        json={"EndPointUrl": url},
        headers=headers(sim_cloud),
    )
    assert (again.status, (await again.json())["statusCode"]) == (409, 409)
    other_user = await client.get(listing, headers=headers(sim_cloud, OTHER_USER))
    assert other_user.status == 204
    deleted = await client.delete(
        f"{SM_BASE}/plants/{SM_PLANT}/subscription/{subscription_id}",
        headers=headers(sim_cloud),
    )
    assert deleted.status == 200
    gone = await client.delete(
        f"{SM_BASE}/plants/{SM_PLANT}/subscription/{subscription_id}",
        headers=headers(sim_cloud),
    )
    assert gone.status == 404
    assert (await client.get(listing, headers=headers(sim_cloud))).status == 204


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"EndPointUrl": 3},
        {"EndPointUrl": "not a url"},
        {"EndPointUrl": "ftp://example.org/x"},
        {"endpoint": "https://example.org"},
    ],
)
async def test_bad_subscriptions(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, body: dict[str, Any]
) -> None:
    """A subscription without a usable EndPointUrl: 400."""
    response = await client.post(
        f"{SM_BASE}/plants/{SM_PLANT}/subscription",
        json=body,
        headers=headers(sim_cloud),
    )
    assert response.status == 400


async def test_https_only_subscriptions(make_client: MakeClient) -> None:
    """With push_require_https an http endpoint is refused."""
    client = await make_client(push_require_https=True)
    cloud = client.app[CLOUD]
    response = await client.post(
        f"{SM_BASE}/plants/{SM_PLANT}/subscription",
        json={"EndPointUrl": "http://example.org/hook"},
        headers=headers(cloud),
    )
    assert response.status == 400


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("utc", "2026-11-25T10:00:00Z"),
        ("local", "2026-11-25T11:00:00"),
        ("offset", "2026-11-25T11:00:00+01:00"),
        ("range", "2026-11-25T10:30:00/2026-11-25T11:00:00"),
    ],
)
async def test_activation_time_styles(
    make_client: MakeClient, style: str, expected: str
) -> None:
    """The activation time of a boost in each configurable style."""
    client = await make_client(activation_time_format=style)
    cloud = client.app[CLOUD]
    cloud.clock.set(datetime(2026, 11, 25, 9, 30, 0, tzinfo=UTC))
    body = {
        "function": "heating",
        "mode": "boost",
        "activationTime": "2026-11-25T10:30:00/2026-11-25T11:00:00",
    }
    assert (await set_status(client, cloud, body))[0] == 200
    assert (await thermostat_status(client, cloud))["activationTime"] == expected


async def test_apim_shape_can_be_switched(make_client: MakeClient) -> None:
    """With smarther_error_shape=hc the Smarther errors use the errors list."""
    client = await make_client(smarther_error_shape="hc")
    cloud = client.app[CLOUD]
    status, answer = await set_status(
        client, cloud, {"function": "heating", "mode": "manual"}
    )
    assert status == 430
    assert answer["errors"][0]["code"] == 430

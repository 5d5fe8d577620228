"""Push: Event Grid deliveries to a test receiver, the validation handshake and the ban rule."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
import pytest

from simulator import CLOUD, SimulatedCloud

from .conftest import MakeClient
from .helpers import (
    CAMERA,
    SM_BASE,
    SM_PLANT,
    SOGGIORNO,
    hc_module,
    headers,
    thermostat_path,
)

VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent"


@dataclass
class Receiver:
    """A webhook endpoint that records what it gets and answers as told."""

    url: str = ""
    received: list[tuple[dict[str, str], Any]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    echo: bool = True
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        """Let requests through unless a test closes the gate."""
        self.gate.set()

    async def handle(self, request: web.Request) -> web.Response:
        """Record the events, then answer (after the gate and the delay)."""
        body = await request.json()
        self.received.append((dict(request.headers), body))
        await self.gate.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        first = body[0] if isinstance(body, list) and body else {}
        if first.get("eventType") == VALIDATION and self.echo:
            return web.json_response(
                {"validationResponse": first["data"]["validationCode"]}
            )
        return web.Response(status=self.status, text="OK")

    def events(self) -> list[dict[str, Any]]:
        """Return every device event received, flattened."""
        return [
            event
            for _, body in self.received
            for event in body
            if event["eventType"] == "DeviceToCloud"
        ]


@pytest.fixture
async def receiver(socket_enabled: None) -> AsyncIterator[Receiver]:
    """Run a webhook receiver on a local port."""
    sink = Receiver()
    app = web.Application()
    app.router.add_post("/api/webhook/{hook}", sink.handle)
    server = TestServer(app)
    await server.start_server()
    sink.url = str(server.make_url("/api/webhook/test-hook"))
    yield sink
    sink.gate.set()
    await server.close()


async def _subscribe(
    client: TestClient[Any, Any], cloud: SimulatedCloud, url: str
) -> str:
    """Subscribe the demo Smarther plant to an endpoint; return the subscription id."""
    response = await client.post(
        f"{SM_BASE}/plants/{SM_PLANT}/subscription",
        json={"EndPointUrl": url},
        headers=headers(cloud),
    )
    assert response.status == 201
    subscription_id: str = (await response.json())["subscriptionId"]
    return subscription_id


async def _command(
    client: TestClient[Any, Any],
    cloud: SimulatedCloud,
    setpoint: float = 22.0,
    module_id: str = SOGGIORNO,
) -> None:
    """Send a manual set point to a thermostat."""
    body = {
        "function": "heating",
        "mode": "manual",
        "setPoint": {"value": setpoint, "unit": "C"},
    }
    response = await client.post(
        thermostat_path(module_id), json=body, headers=headers(cloud)
    )
    assert response.status == 200


async def _log(client: TestClient[Any, Any]) -> list[dict[str, Any]]:
    """Return the push log after the deliveries in flight are done."""
    log: list[dict[str, Any]] = await (
        await client.get("/_sim/push", params={"wait": "1"})
    ).json()
    return log


async def test_command_pushes_an_event_grid_array(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """A command on a subscribed plant delivers the reference's event to the endpoint."""
    await _subscribe(client, sim_cloud, receiver.url)
    await _command(client, sim_cloud, 22.5)
    log = await _log(client)
    assert [(e["status"], e["banned"], e["dropped"]) for e in log] == [
        (200, False, False)
    ]
    sent_headers, body = receiver.received[0]
    assert sent_headers["aeg-event-type"] == "Notification"
    assert isinstance(body, list)
    event = body[0]
    assert event["eventType"] == "DeviceToCloud"
    assert event["subject"] == f"///bs_cloud_{SM_PLANT}//"
    assert event["subjectElements"] == {"plantId": f"bs_cloud_{SM_PLANT}"}
    assert event["eventTime"].endswith("Z")
    thermostat = event["data"]["chronothermostats"][0]
    assert (thermostat["mode"], thermostat["setPoint"]["value"]) == (
        "MANUAL",
        "22.50000",
    )
    assert thermostat["programs"] == [{"number": "1"}]
    assert thermostat["online"] is True
    assert thermostat["receiver"]["oid"]
    assert thermostat["sender"]["addressType"] == "AddressLocation"
    assert thermostat["sender"]["plant"] == {
        "id": SM_PLANT,
        "module": {"id": SOGGIORNO},
    }
    assert sim_cloud.counters["by_endpoint"].get("POST /api/webhook/{hook}") is None


async def test_delivery_does_not_block_the_command(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """The command answers while the endpoint is still holding the delivery."""
    await _subscribe(client, sim_cloud, receiver.url)
    receiver.gate.clear()
    await _command(client, sim_cloud)
    for _ in range(200):
        if receiver.received:
            break
        await asyncio.sleep(0.005)
    assert receiver.received
    assert sim_cloud.push.log == []
    receiver.gate.set()
    assert [e["status"] for e in await _log(client)] == [200]


async def test_physical_changes_push_and_home_control_does_not(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """Touching the thermostat pushes; pressing a Home + Control switch does not."""
    await _subscribe(client, sim_cloud, receiver.url)
    touched = await client.post(
        f"/_sim/modules/{CAMERA}/physical", json={"mode": "manual", "setPoint": 23.5}
    )
    assert touched.status == 200
    await client.post(
        f"/_sim/modules/{SOGGIORNO}/physical",
        json={"temperature": 25.0, "humidity": 40},
    )
    await client.post(
        f"/_sim/modules/{hc_module('Prise TV')}/physical", json={"status": "off"}
    )
    await _log(client)
    events = receiver.events()
    assert len(events) == 2
    camera = events[0]["data"]["chronothermostats"][0]
    assert (camera["sender"]["plant"]["module"]["id"], camera["setPoint"]["value"]) == (
        CAMERA,
        "23.50000",
    )
    soggiorno = events[1]["data"]["chronothermostats"][0]
    assert soggiorno["thermometer"]["measures"][0]["value"] == "25.0"
    assert soggiorno["hygrometer"]["measures"][0]["value"] == "40.0"


async def test_time_passing_pushes_the_end_of_a_boost(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """When the clock moves past a boost's end, the return to the program is pushed."""
    await client.post(
        f"/_sim/modules/{SOGGIORNO}/physical", json={"mode": "boost", "minutes": 30}
    )
    await _subscribe(client, sim_cloud, receiver.url)
    await client.post("/_sim/clock", json={"advance": 31 * 60})
    await _log(client)
    modes = [e["data"]["chronothermostats"][0]["mode"] for e in receiver.events()]
    assert "AUTOMATIC" in modes
    await client.post("/_sim/clock", json={"advance": 1})
    assert len(await _log(client)) == len(modes)


async def test_every_subscription_of_the_plant_gets_events(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """Two endpoints on the plant both get an event; an unsubscribed one stops getting them."""
    second = receiver.url.replace("test-hook", "second-hook")
    await _subscribe(client, sim_cloud, receiver.url)
    second_id = await _subscribe(client, sim_cloud, second)
    await _command(client, sim_cloud)
    await _log(client)
    assert len(receiver.received) == 2
    await client.delete(
        f"{SM_BASE}/plants/{SM_PLANT}/subscription/{second_id}",
        headers=headers(sim_cloud),
    )
    await _command(client, sim_cloud, 23)
    await _log(client)
    assert len(receiver.received) == 3


async def test_validation_handshake(
    make_client: MakeClient, receiver: Receiver
) -> None:
    """With validation on, the endpoint first gets the validation event and must echo the code."""
    client = await make_client(push_validation=True)
    cloud = client.app[CLOUD]
    await _subscribe(client, cloud, receiver.url)
    await _command(client, cloud)
    log = await _log(client)
    assert [e["event_type"] for e in log] == [VALIDATION, "DeviceToCloud"]
    assert log[0]["validated"] is True
    sent_headers, body = receiver.received[0]
    assert sent_headers["aeg-event-type"] == "SubscriptionValidation"
    assert body[0]["data"]["validationCode"]
    state = await (await client.get("/_sim/state")).json()
    assert state["subscriptions"][0]["validated"] is True


async def test_failed_validation_stops_deliveries(
    make_client: MakeClient, receiver: Receiver
) -> None:
    """An endpoint that does not echo the code is not validated; its events are dropped."""
    client = await make_client()
    cloud = client.app[CLOUD]
    await client.post("/_sim/push", json={"validation": True})
    receiver.echo = False
    await _subscribe(client, cloud, receiver.url)
    await _command(client, cloud)
    log = await _log(client)
    assert log[0]["validated"] is False
    assert (log[1]["dropped"], log[1]["error"]) == (True, "endpoint not validated")
    assert len(receiver.received) == 1


async def test_ban_rule(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """20 failed deliveries ban the endpoint a minute: events are lost, then delivered again."""
    settings = await (await client.post("/_sim/push", json={"ban_rule": True})).json()
    assert settings["ban_rule"] is True
    receiver.status = 500
    await _subscribe(client, sim_cloud, receiver.url)
    for step in range(20):
        await client.post(
            f"/_sim/modules/{SOGGIORNO}/physical", json={"temperature": 18 + step / 10}
        )
    await _log(client)
    assert len(receiver.received) == 20
    await _command(client, sim_cloud)
    log = await _log(client)
    assert (log[-1]["banned"], log[-1]["dropped"], log[-1]["status"]) == (
        True,
        True,
        None,
    )
    assert len(receiver.received) == 20
    state = await (await client.get("/_sim/state")).json()
    assert state["push"]["failures"] == {receiver.url: 20}
    assert receiver.url in state["push"]["banned_until"]
    sim_cloud.clock.advance(61)
    receiver.status = 200
    await _command(client, sim_cloud, 23)
    assert (await _log(client))[-1]["status"] == 200
    assert len(receiver.received) == 21


async def test_ban_grows_with_failures(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """Every 20 failures add a minute of ban (40 failures: two minutes)."""
    await client.post("/_sim/push", json={"ban_rule": True})
    receiver.status = 404
    await _subscribe(client, sim_cloud, receiver.url)
    for step in range(40):
        if step == 20:
            await _log(client)
            sim_cloud.clock.advance(61)
        await client.post(
            f"/_sim/modules/{SOGGIORNO}/physical", json={"temperature": 18 + step / 10}
        )
    await _log(client)
    assert sim_cloud.push.failures[receiver.url] == 40
    banned_for = sim_cloud.push.banned_until[receiver.url] - sim_cloud.clock.now()
    assert timedelta(seconds=110) < banned_for <= timedelta(minutes=2)


async def test_slow_answers_count_as_failures(
    make_client: MakeClient, receiver: Receiver
) -> None:
    """An answer slower than the threshold is a failure even when it is a 200."""
    client = await make_client(push_ban_rule=True, push_slow_threshold=0.05)
    cloud = client.app[CLOUD]
    receiver.delay = 0.3
    await _subscribe(client, cloud, receiver.url)
    await _command(client, cloud)
    log = await _log(client)
    assert log[0]["status"] == 200
    assert cloud.push.failures[receiver.url] == 1


async def test_without_ban_rule_failures_are_not_counted(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """By default the ban rule is off: failing endpoints keep getting events."""
    receiver.status = 500
    await _subscribe(client, sim_cloud, receiver.url)
    for step in range(21):
        await client.post(
            f"/_sim/modules/{SOGGIORNO}/physical", json={"temperature": 18 + step / 10}
        )
    log = await _log(client)
    assert len(receiver.received) == 21
    assert not any(e["banned"] for e in log)


async def test_drop_next_and_delay(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """drop_next loses the next events; a delay still delivers them."""
    await _subscribe(client, sim_cloud, receiver.url)
    await client.post("/_sim/push", json={"drop_next": 1, "delay": 0.01})
    await _command(client, sim_cloud, 21)
    await _command(client, sim_cloud, 22)
    log = await _log(client)
    assert [(e["dropped"], e["status"]) for e in log] == [(True, None), (False, 200)]
    assert len(receiver.received) == 1
    assert (
        receiver.events()[0]["data"]["chronothermostats"][0]["setPoint"]["value"]
        == "22.00000"
    )


async def test_silent_push_loses_every_delivery_until_it_speaks_again(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """While silent, the API answers and the subscription stays listed, but nothing arrives."""
    await _subscribe(client, sim_cloud, receiver.url)
    settings = await (await client.post("/_sim/push", json={"silent": True})).json()
    assert settings["silent"] is True
    await _command(client, sim_cloud, 21)
    await _command(client, sim_cloud, 22)
    listed = await client.get(f"{SM_BASE}/subscription", headers=headers(sim_cloud))
    assert listed.status == 200
    assert [s["EndPointUrl"] for s in await listed.json()] == [receiver.url]
    log = await _log(client)
    assert [(e["dropped"], e["error"]) for e in log] == [(True, "silent")] * 2
    assert receiver.received == []

    await client.post("/_sim/push", json={"silent": False})
    await _command(client, sim_cloud, 23)
    assert [e["dropped"] for e in await _log(client)] == [True, True, False]
    assert len(receiver.events()) == 1
    await client.post("/_sim/push", json={"silent": True, "reset": True})
    assert sim_cloud.push.silent is True
    await client.post("/_sim/push", json={"reset": True})
    assert sim_cloud.push.silent is False


async def test_unreachable_endpoint(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A delivery to a closed port is logged with no status and the error."""
    await _subscribe(client, sim_cloud, "http://127.0.0.1:9/api/webhook/closed")
    await _command(client, sim_cloud)
    log = await _log(client)
    assert log[0]["status"] is None
    assert log[0]["error"]


@pytest.mark.parametrize(
    "body",
    [
        {"drop_next": -1},
        {"delay": "soon"},
        {"ban_rule": "yes"},
        {"silent": 1},
        {"other": 1},
    ],
)
async def test_bad_push_settings(
    client: TestClient[Any, Any], body: dict[str, Any]
) -> None:
    """Push settings the control API cannot understand: 400."""
    assert (await client.post("/_sim/push", json=body)).status == 400


async def test_pending_deliveries_are_cancelled_on_close(
    make_client: MakeClient, receiver: Receiver
) -> None:
    """Closing the simulator cancels deliveries in flight: nothing lingers."""
    client = await make_client()
    cloud = client.app[CLOUD]
    await _subscribe(client, cloud, receiver.url)
    receiver.gate.clear()
    await _command(client, cloud)
    await client.close()
    assert not cloud.push._tasks
    await cloud.push.flush()


async def test_reset_clears_the_log(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """A push reset forgets the log and the ban state."""
    await _subscribe(client, sim_cloud, receiver.url)
    await _command(client, sim_cloud)
    await _log(client)
    await client.post("/_sim/push", json={"reset": True})
    assert await _log(client) == []


async def test_offline_thermostat_pushes_when_back(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, receiver: Receiver
) -> None:
    """Changes made while the plant is offline are pushed once it is back online."""
    await _subscribe(client, sim_cloud, receiver.url)
    await client.post(f"/_sim/plants/{SM_PLANT}/online", json={"online": False})
    await client.post(f"/_sim/modules/{SOGGIORNO}/physical", json={"mode": "off"})
    assert await _log(client) == []
    await client.post(f"/_sim/plants/{SM_PLANT}/online", json={"online": True})
    await _log(client)
    events = receiver.events()
    assert [e["data"]["chronothermostats"][0]["mode"] for e in events] == ["OFF"]
    assert events[0]["data"]["chronothermostats"][0]["online"] is True

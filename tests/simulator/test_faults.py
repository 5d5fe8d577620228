"""Injected faults: statuses in each API's shape, timeouts, malformed bodies, disconnects."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
import pytest

from simulator import SimulatedCloud

from .helpers import HC_BASE, HC_PLANT, SM_BASE, headers, thermostat_path

HC_STATUS = f"{HC_BASE}/plants/{HC_PLANT}"


async def _fault(client: TestClient[Any, Any], **fault: Any) -> None:
    """Inject a fault through the control API."""
    response = await client.post("/_sim/faults", json=fault)
    assert response.status == 201


@pytest.mark.parametrize("status", [400, 404, 408, 430, 469, 470, 486, 500, 503])
async def test_status_faults_in_smarther_shape(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, status: int
) -> None:
    """A Smarther call fails with the injected status and the statusCode/message body, once."""
    await _fault(client, status=status)
    sent = headers(sim_cloud)
    failed = await client.get(thermostat_path(), headers=sent)
    assert failed.status == status
    body = await failed.json()
    assert body["statusCode"] == status
    assert body["message"]
    assert (await client.get(thermostat_path(), headers=sent)).status == 200


@pytest.mark.parametrize("status", [400, 404, 406, 408, 500])
async def test_status_faults_in_homecontrol_shape(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, status: int
) -> None:
    """A Home + Control call fails with the errors list shape."""
    await _fault(client, status=status)
    failed = await client.get(HC_STATUS, headers=headers(sim_cloud))
    assert failed.status == status
    assert (await failed.json())["errors"][0]["code"] == status


@pytest.mark.parametrize("status", [401, 403])
async def test_gateway_status_faults(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, status: int
) -> None:
    """Gateway-level statuses keep the APIM shape on either API."""
    await _fault(client, status=status, message="Injected for a test")
    failed = await client.get(HC_STATUS, headers=headers(sim_cloud))
    assert await failed.json() == {
        "statusCode": status,
        "message": "Injected for a test",
    }


async def test_429_fault_has_retry_after(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """An injected 429 carries Retry-After (60 s unless given)."""
    await _fault(client, status=429)
    await _fault(client, status=429, retry_after=5)
    sent = headers(sim_cloud)
    first = await client.get(f"{SM_BASE}/plants", headers=sent)
    second = await client.get(f"{SM_BASE}/plants", headers=sent)
    assert (first.status, first.headers["Retry-After"]) == (429, "60")
    assert second.headers["Retry-After"] == "5"


async def test_fault_count_and_match(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A fault hits only matching paths, exactly count times; pending faults can be listed."""
    await _fault(client, status=500, count=2, match="/topology")
    sent = headers(sim_cloud)
    assert (await client.get(HC_STATUS, headers=sent)).status == 200
    pending = await (await client.get("/_sim/faults")).json()
    assert pending[0]["remaining"] == 2
    topology = f"{HC_STATUS}/topology"
    statuses = [(await client.get(topology, headers=sent)).status for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert await (await client.get("/_sim/faults")).json() == []


async def test_clear_faults(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """DELETE /_sim/faults drops every pending fault."""
    await _fault(client, status=500, count=5)
    await client.delete("/_sim/faults")
    assert (await client.get(HC_STATUS, headers=headers(sim_cloud))).status == 200


async def test_faults_count_against_the_quota(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A failed call is still a call: counted and charged."""
    await _fault(client, status=500)
    await client.get(HC_STATUS, headers=headers(sim_cloud))
    counters = sim_cloud.counters
    assert counters["total"] == 1
    assert counters["quota"]["demo@example.com"]["used"] == 1


async def test_malformed_fault(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A malformed answer is a 200 JSON response that does not parse."""
    await _fault(client, kind="malformed")
    response = await client.get(HC_STATUS, headers=headers(sim_cloud))
    assert response.status == 200
    assert response.content_type == "application/json"
    with pytest.raises(ValueError):
        await response.json()


async def test_timeout_fault(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A timeout holds the request; a client with a short timeout gives up."""
    await _fault(client, kind="timeout", delay=5)
    with pytest.raises(TimeoutError):
        await client.get(
            HC_STATUS,
            headers=headers(sim_cloud),
            timeout=aiohttp.ClientTimeout(total=0.2),
        )


async def test_timeout_fault_ends_with_504(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A patient client gets the gateway timeout after the delay."""
    await _fault(client, kind="timeout", delay=0.05)
    response = await client.get(HC_STATUS, headers=headers(sim_cloud))
    assert (response.status, (await response.json())["statusCode"]) == (504, 504)


async def test_a_held_request_is_told_to_a_listener(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Each held request is counted and told, with its delay, once its wait has started.

    A harness whose clock is frozen lets time run from the listener: here it stops the
    server's wait at once, as the clock passing the delay would.
    """
    told: list[float] = []

    def listener(delay: float) -> None:
        told.append(delay)
        sim_cloud.shutting_down.set()

    sim_cloud.faults.on_hold = listener
    await _fault(client, kind="timeout")
    await _fault(client, status=408, delay=0.05)
    await _fault(client, status=500)
    sent = headers(sim_cloud)
    assert (await client.get(HC_STATUS, headers=sent)).status == 504
    assert (await client.get(HC_STATUS, headers=sent)).status == 408
    assert (await client.get(HC_STATUS, headers=sent)).status == 500
    assert told == [sim_cloud.options.fault_timeout_delay, 0.05]
    assert sim_cloud.faults.held == 2


async def test_delayed_status_fault(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A status fault can come after a delay."""
    await _fault(client, status=408, delay=0.05)
    response = await client.get(thermostat_path(), headers=headers(sim_cloud))
    assert response.status == 408


async def test_disconnect_fault(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The connection drops without an answer; the next request works."""
    await _fault(client, kind="disconnect")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.get(HC_STATUS, headers=headers(sim_cloud))
    assert (await client.get(HC_STATUS, headers=headers(sim_cloud))).status == 200


@pytest.mark.parametrize(
    "body",
    [
        {"status": 200},
        {"status": "500"},
        {"count": 0},
        {"kind": "explode"},
        {"target": "everything"},
        {"match": ""},
        {"delay": -1},
        {"retry_after": 1.5},
        {"message": 3},
        {"unknown": 1},
    ],
)
async def test_bad_fault_bodies(
    client: TestClient[Any, Any], body: dict[str, Any]
) -> None:
    """A fault the control API cannot understand is a 400 with a reason."""
    response = await client.post("/_sim/faults", json=body)
    assert response.status == 400
    assert (await response.json())["error"]

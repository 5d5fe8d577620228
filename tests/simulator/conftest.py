"""Fixtures for tests that run without Home Assistant."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
import pytest

from simulator import CLOUD, SimulatedCloud, create_app

type MakeClient = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the root fixture: these tests never start Home Assistant."""
    return


@pytest.fixture
async def make_client(
    socket_enabled: None, start_time: datetime
) -> AsyncIterator[MakeClient]:
    """Start simulators on demand (on local sockets); on teardown, check none crashed.

    Each starts at the test's start time (`start_time` of the root conftest, which a module
    overrides), never at the machine's time.
    """
    clients: list[TestClient[Any, Any]] = []

    async def make(scenario: Any = "demo", **options: Any) -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = TestClient(
            TestServer(create_app(scenario, start=start_time, **options))
        )
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        cloud = client.app[CLOUD]
        await client.close()
        assert cloud.metering.unhandled == 0, (
            "a request reached the catch-all 500 handler"
        )


@pytest.fixture
async def client(make_client: MakeClient) -> TestClient[Any, Any]:
    """Return a client of a simulator running the demo scenario with its defaults."""
    return await make_client()


@pytest.fixture
def sim_cloud(client: TestClient[Any, Any]) -> SimulatedCloud:
    """Return the simulated cloud behind the demo client (named apart from the root "cloud")."""
    cloud: SimulatedCloud = client.app[CLOUD]
    return cloud

"""A simulated cloud on a local port, and a client of the demo's account on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from custom_components.legrand_eliot.eliot import EliotClient, Module
from simulator import CLOUD, create_app
from tests.moments import START

if TYPE_CHECKING:
    from .conftest import RecordingSleep

ROME = ZoneInfo("Europe/Rome")


@dataclass
class Sim:
    """A running simulator, a client on it and the control API."""

    server: TestServer
    session: ClientSession
    client: EliotClient
    time: Callable[[], datetime]
    sleeps: RecordingSleep
    cloud: Any
    refreshes: list[str] = field(default_factory=list, repr=False)

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the simulator's control API and return its JSON answer."""
        async with self.session.request(
            method, self.server.make_url(f"/_sim{path}"), json=body
        ) as response:
            assert response.status < 300, await response.text()
            return await response.json()

    async def advance(self, seconds: float) -> None:
        """Move the simulator's clock, which the budget reads too."""
        await self.control("POST", "/clock", {"advance": seconds})

    async def counters(self) -> dict[str, Any]:
        """Return the simulator's call counters."""
        result: dict[str, Any] = await self.control("GET", "/counters")
        return result

    async def fault(self, **fault: Any) -> None:
        """Make the next matching gateway requests fail."""
        await self.control("POST", "/faults", fault)

    async def hc_plant(self) -> str:
        """Return the id of the demo's Home + Control plant."""
        return (await self.client.hc_plants())[0].id

    async def hc_module(self, name: str) -> tuple[str, Module]:
        """Return the plant id and the Home + Control module of a given name."""
        plant = await self.hc_plant()
        topology = await self.client.hc_topology(plant)
        return plant, next(m for m in topology.modules if m.name == name)

    async def thermostat(self, name: str) -> tuple[str, str]:
        """Return the plant id and module id of a demo thermostat."""
        plant = (await self.client.smarther_plants())[0].id
        topology = await self.client.smarther_topology(plant)
        return plant, next(m.id for m in topology.modules if m.name == name)


async def start(**options: Any) -> tuple[TestServer, Any]:
    """Start a simulator of the demo scenario, without the burst limit unless asked."""
    options.setdefault("burst_limit", None)
    server = TestServer(create_app("demo", start=START, **options))
    await server.start_server()
    return server, server.app[CLOUD]

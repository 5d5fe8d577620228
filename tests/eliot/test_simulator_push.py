"""The client against the simulated cloud: push subscriptions."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.legrand_eliot.eliot import (
    EliotConflictError,
    ThermostatMode,
    parse_push_events,
)

from .simulated import Sim


async def test_push_subscription_lifecycle(sim: Sim) -> None:
    """Subscribe a receiver, get a pushed change parsed by the models, then unsubscribe."""
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put(await request.read())
        return web.json_response({"result": 0})

    receiver = web.Application()
    receiver.router.add_post("/api/webhook/hook-id", hook)
    async with TestServer(receiver) as receiver_server:
        url = str(receiver_server.make_url("/api/webhook/hook-id"))
        plant, module = await sim.thermostat("Soggiorno")
        assert await sim.client.subscriptions() == []

        subscription = await sim.client.subscribe(plant, url)
        with pytest.raises(EliotConflictError):
            await sim.client.subscribe(plant, url)
        listed = await sim.client.subscriptions()
        await sim.control(
            "POST", f"/modules/{module}/physical", {"mode": "manual", "setPoint": 23.5}
        )
        async with asyncio.timeout(5):
            body = await received.get()
        await sim.client.unsubscribe(plant, subscription)

        assert [(s.plant_id, s.subscription_id, s.endpoint_url) for s in listed] == [
            (plant, subscription, url)
        ]
        pushed = [
            state for event in parse_push_events(body) for state in event.thermostats
        ]
        assert [(s.module_id, s.mode, s.set_point) for s in pushed] == [
            (module, ThermostatMode.MANUAL, 23.5)
        ]
        assert await sim.client.subscriptions() == []

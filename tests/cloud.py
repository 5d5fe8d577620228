"""Drive the simulated cloud in tests: what happens outside Home Assistant, by name.

Each helper of CloudControl is one call to the simulator's control API (/_sim/...), and checks
that the simulator took it: a test that means to take a gateway offline never goes on with it
online. The functions after it read a cloud running in the test's own loop: its calls, its
subscriptions.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from simulator import SimulatedCloud

QUOTA_REFUSAL = "Out of call volume quota. Quota will be replenished in {:02d}:00:00."
# The default scenario's Home + Control plant, and the path of its status.
HC_PLANT = "000000005d1e3bc13598330000000001"
PLANT_STATUS = "/hc/api/v1.0/plants/" + HC_PLANT
# A plug an installer adds to that plant.
ADDED_PLUG = {
    "id": "000070ee503ed5d462756200000000aa",
    "name": "Prise Bureau",
    "hw_type": "NLP",
    "device": "plug",
    "status": "on",
    "load_watts": 12,
}


async def fault(sim: TestClient, **body: Any) -> None:
    """Make the simulated gateway fail the next matching requests."""
    response = await sim.post("/_sim/faults", json=body)
    assert response.status == 201, await response.text()


class CloudControl:
    """The simulated cloud's control API, one named helper per thing a test makes happen."""

    def __init__(self, sim: TestClient) -> None:
        """Drive the simulated cloud through a client of its control API."""
        self.sim = sim

    async def _post(self, path: str, body: dict[str, Any], status: int = 200) -> Any:
        """Post to the control API and return its answer, which must have this status."""
        response = await self.sim.post(f"/_sim/{path}", json=body)
        assert response.status == status, await response.text()
        return await response.json()

    async def _get(self, path: str) -> Any:
        """Return what the control API shows at a path."""
        response = await self.sim.get(f"/_sim/{path}")
        assert response.status == 200, await response.text()
        return await response.json()

    async def gateway_online(self, plant_id: str, online: bool) -> None:
        """Take a plant's gateway offline, or bring it back."""
        await self._post(f"plants/{plant_id}/online", {"online": online})

    async def gateway_offline(self, plant_id: str) -> None:
        """Take a plant's gateway offline: the cloud answers 404 for its plant and modules."""
        await self.gateway_online(plant_id, False)

    async def gateway_back(self, plant_id: str) -> None:
        """Bring a plant's gateway back online."""
        await self.gateway_online(plant_id, True)

    async def press(self, module_id: str, **fields: Any) -> dict[str, Any]:
        """Change a module or thermostat on the device itself: a press, a knob, a battery.

        The fields are those of the simulator's physical changes (status, level, reachable,
        battery, mode, setPoint, temperature...); the answer is the device's new state.
        """
        result: dict[str, Any] = await self._post(
            f"modules/{module_id}/physical", fields
        )
        return result

    async def out_of_reach(self, module_id: str, reachable: bool = False) -> None:
        """Put a module out of its gateway's reach (or back within it)."""
        await self.press(module_id, reachable=reachable)

    async def busy(self, module_id: str, count: int) -> None:
        """Have a thermostat's display refuse the next commands (486) as if someone used it."""
        await self._post(f"modules/{module_id}/busy", {"count": count})

    async def refuse(
        self,
        status: int,
        match: str | None = None,
        *,
        count: int | None = None,
        message: str | None = None,
    ) -> None:
        """Have the cloud answer the next requests (those whose path has `match`) with a status."""
        fault: dict[str, Any] = {"status": status}
        if match is not None:
            fault["match"] = match
        if count is not None:
            fault["count"] = count
        if message is not None:
            fault["message"] = message
        await self._post("faults", fault, 201)

    async def refuse_for_quota(
        self, match: str | None = None, *, hours: int = 1, count: int | None = None
    ) -> None:
        """Have the cloud refuse requests as out of the daily quota, for so many hours."""
        await self.refuse(403, match, count=count, message=QUOTA_REFUSAL.format(hours))

    async def state(self) -> dict[str, Any]:
        """Return every plant, module and thermostat as the simulated cloud holds them."""
        state: dict[str, Any] = await self._get("state")
        return state

    async def modules(self, plant_id: str) -> dict[str, dict[str, Any]]:
        """Return a Home + Control plant's modules as the simulated cloud holds them."""
        modules: dict[str, dict[str, Any]] = (await self.state())["homecontrol"][
            plant_id
        ]["modules"]
        return modules

    async def module(self, plant_id: str, module_id: str) -> dict[str, Any]:
        """Return a Home + Control module as the simulated cloud holds it."""
        return (await self.modules(plant_id))[module_id]

    async def thermostat(self, plant_id: str, module_id: str) -> dict[str, Any]:
        """Return a thermostat as the simulated cloud holds it."""
        thermostat: dict[str, Any] = (await self.state())["smarther"][plant_id][
            "thermostats"
        ][module_id]
        return thermostat

    async def counters(self) -> dict[str, Any]:
        """Return the cloud's call counters: total, by endpoint, quota used by user."""
        counters: dict[str, Any] = await self._get("counters")
        return counters

    async def calls(self) -> int:
        """Return how many calls the simulated cloud has answered."""
        return int((await self.counters())["total"])

    async def calls_to(self, endpoint: str) -> int:
        """Return how many calls one endpoint ("GET /route/{param}") has answered."""
        return int((await self.counters())["by_endpoint"].get(endpoint, 0))

    async def add_module(self, plant_id: str, **module: Any) -> None:
        """Add a module (or a thermostat) to a plant, as an installer does."""
        await self._post(f"topology/{plant_id}/modules", module, 201)

    async def remove_module(self, plant_id: str, module_id: str) -> None:
        """Remove a module (or a thermostat) from a plant."""
        response = await self.sim.delete(
            f"/_sim/topology/{plant_id}/modules/{module_id}"
        )
        assert response.status == 200, await response.text()


def subscriptions_in(cloud: SimulatedCloud) -> list[tuple[str, str]]:
    """Return (plant, address) of every subscription the simulated cloud holds."""
    return sorted((s.plant_id, s.url) for s in cloud.world.subscriptions.values())


def calls_to(cloud: SimulatedCloud, endpoint: str) -> int:
    """Return how many requests an endpoint of the simulated gateway answered."""
    return int(cloud.counters["by_endpoint"].get(endpoint, 0))


def by_endpoint(cloud: SimulatedCloud) -> dict[str, int]:
    """Return a copy of the simulated cloud's calls by route."""
    return dict(cloud.counters["by_endpoint"])


def spent(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Return the calls made between two counts, by route, leaving out routes not called."""
    return {
        route: after[route] - before.get(route, 0)
        for route in after
        if after[route] != before.get(route, 0)
    }


def used_by_user(cloud: SimulatedCloud) -> int:
    """Return the calls the simulated gateway counted today for the scenario's user."""
    return int(cloud.counters["quota"][cloud.user().email]["used"])

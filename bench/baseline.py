"""The baseline poller: the former home_plus_control schedule, with no budget at all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from custom_components.legrand_eliot.eliot import EliotClient
from custom_components.legrand_eliot.eliot.exceptions import (
    EliotError,
    EliotQuotaExceededError,
)
from custom_components.legrand_eliot.eliot.home_control_models import ModuleState
from custom_components.legrand_eliot.eliot.smarther_models import ThermostatStatus


class BaselinePoller:
    """Read plants, topologies, statuses and thermostats when the schedule says, whatever it costs.

    Like the former integration, it keeps calling after the gateway says the quota is gone.
    """

    def __init__(self, client: EliotClient) -> None:
        """Poll through a client of the baseline's own account."""
        self.client = client
        self.hc_plants: list[str] = []
        self.smarther_plants: list[str] = []
        self.thermostat_ids: dict[str, list[str]] = {}
        self.states: dict[str, ModuleState] = {}
        self.thermostats: dict[str, ThermostatStatus] = {}
        self.refused = 0

    async def run(self, task: str) -> None:
        """Run one task of the schedule."""
        if task == "plants":
            hc = await self._call(self.client.hc_plants)
            if hc is not None:
                self.hc_plants = [plant.id for plant in hc]
            smarther = await self._call(self.client.smarther_plants)
            if smarther is not None:
                self.smarther_plants = [plant.id for plant in smarther]
        elif task == "topology":
            for plant_id in self.hc_plants:
                await self._call(self.client.hc_topology, plant_id)
            for plant_id in self.smarther_plants:
                topology = await self._call(self.client.smarther_topology, plant_id)
                if topology is not None:
                    self.thermostat_ids[plant_id] = [m.id for m in topology.modules]
        elif task == "status":
            for plant_id in self.hc_plants:
                status = await self._call(self.client.hc_plant_status, plant_id)
                if status is not None:
                    self.states.update(status.modules)
        elif task == "thermostats":
            for plant_id, module_ids in self.thermostat_ids.items():
                for module_id in module_ids:
                    thermostat = await self._call(
                        self.client.thermostat_status, plant_id, module_id
                    )
                    if thermostat is not None:
                        self.thermostats[module_id] = thermostat

    async def _call[T](self, call: Callable[..., Awaitable[T]], *args: Any) -> T | None:
        """Make one call; a refusal is counted and forgotten, so the next call is sent anyway."""
        try:
            return await call(*args)
        except EliotQuotaExceededError:
            self.refused += 1
            self.client.budget.paused_until = None
            self.client.budget.paused_daily = False
            return None
        except EliotError:
            return None

    def view(self, module_id: str, family: str) -> Any:
        """Return what the baseline shows of a device: on/off, level or set point."""
        return show(self.states.get(module_id), self.thermostats.get(module_id), family)

    def viewer(self, families: dict[str, str]) -> Callable[[str], Any]:
        """Return a view of every device, each judged by its family."""
        return lambda module_id: self.view(module_id, families[module_id])


def show(
    state: ModuleState | None, thermostat: ThermostatStatus | None, family: str
) -> Any:
    """Return the value a change of this family is judged by."""
    if family == "thermostat":
        return None if thermostat is None else thermostat.set_point
    if state is None or not state.reachable:
        return None
    if family == "shutter":
        return state.level
    return state.on

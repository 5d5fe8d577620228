"""Client calls run as an entity's action runs them: through the error mapping's decorator."""

from __future__ import annotations

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.error_mapping import eliot_command

from .cloud import HC_PLANT


class Action:
    """A stand-in for an entity: one action that runs a client call, decorated like entities."""

    device_name = "Soggiorno"

    def __init__(self, entry: MockConfigEntry) -> None:
        """Keep the entry whose client runs the calls."""
        self.client = entry.runtime_data.client
        self.coordinator = entry.runtime_data.coordinator

    @eliot_command
    async def set_temperature(self, value: float) -> None:
        """Set the first thermostat to manual at a set point."""
        plant = next(iter(self.coordinator.data.smarther.values()))
        module = plant.topology.modules[0]
        status = plant.thermostats[module.id]
        await self.client.set_manual(
            plant.plant.id, module.id, function=status.function, set_point=value
        )

    @eliot_command
    async def switch_plug(self) -> None:
        """Switch the first plug of the Home + Control plant on."""
        plant = self.coordinator.data.home_control[HC_PLANT]
        plug = next(m for m in plant.topology.modules if m.device == "plug")
        await self.client.switch(HC_PLANT, plug.id, plug.device, on=True)

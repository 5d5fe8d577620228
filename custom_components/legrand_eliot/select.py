"""The weekly program of each Smarther thermostat, picked by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .command_entities import ThermostatCommandEntity
from .coordinator import LegrandEliotConfigEntry
from .discovery import async_add_entities_when_seen, thermostat_candidates
from .eliot import ThermostatMode
from .entity import ThermostatEntityDescription, function_of
from .error_mapping import eliot_command

# A thermostat's commands go through its queue, shared with its climate entity: the newest of
# either replaces the one waiting, which a platform-wide turn would hold behind every answer.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EliotSelectEntityDescription(
    SelectEntityDescription, ThermostatEntityDescription
):
    """A select of a thermostat."""


SELECTS: tuple[EliotSelectEntityDescription, ...] = (
    EliotSelectEntityDescription(key="program", translation_key="program"),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the program select of every thermostat, now and when one appears."""
    async_add_entities_when_seen(
        entry,
        async_add_entities,
        lambda coordinator: thermostat_candidates(
            coordinator, SELECTS, EliotProgramSelect
        ),
    )


class EliotProgramSelect(ThermostatCommandEntity, SelectEntity):
    """The weekly program: the one followed in automatic mode, or resumed after a timed mode."""

    entity_description: EliotSelectEntityDescription

    @property
    @override
    def options(self) -> list[str]:
        """Return the programs' names."""
        return list(self.program_labels)

    @property
    @override
    def current_option(self) -> str | None:
        """Return the name of the thermostat's program."""
        status = self.status
        return None if status is None else self.program_label(status.program)

    @eliot_command
    @override
    async def async_select_option(self, option: str) -> None:
        """Follow the chosen program (this also switches the thermostat to automatic)."""
        number = self.program_labels[option]
        function = function_of(self.status)
        await self._command(
            lambda: self.client.set_automatic(
                self.plant_id, self.module_id, function=function, program=number
            ),
            function=function,
            mode=ThermostatMode.AUTOMATIC,
            programs=(number,),
            activation_time=None,
        )

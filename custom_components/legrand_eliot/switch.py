"""Plugs and outlets of Home + Control as switches."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .command_entities import ModuleCommandEntity
from .command_queue import Call
from .coordinator import LegrandEliotConfigEntry
from .discovery import async_add_entities_when_seen, module_candidates
from .eliot import DeviceKind
from .entity import ModuleEntityDescription
from .error_mapping import eliot_command

# Each plug's commands are coalesced by its own queue and the client sends one request at a
# time: a platform-wide turn would hold every press behind the answer to the previous one.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EliotSwitchEntityDescription(SwitchEntityDescription, ModuleEntityDescription):
    """A switch of a module kind, and the kind the client addresses it as."""

    kind: DeviceKind


SWITCHES: tuple[EliotSwitchEntityDescription, ...] = (
    EliotSwitchEntityDescription(
        key="outlet",
        name=None,
        device_class=SwitchDeviceClass.OUTLET,
        kinds=(DeviceKind.PLUG,),
        kind=DeviceKind.PLUG,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch for every plug, now and when one appears."""
    async_add_entities_when_seen(
        entry,
        async_add_entities,
        lambda coordinator: module_candidates(coordinator, SWITCHES, EliotSwitch),
    )


class EliotSwitch(ModuleCommandEntity, SwitchEntity):
    """A connected outlet."""

    entity_description: EliotSwitchEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the outlet is on."""
        return self.module_state.on

    def _switch(self, on: bool) -> Call:
        """Return the call that switches the outlet on or off."""
        return partial(
            self.client.switch,
            self.plant_id,
            self.module_id,
            self.entity_description.kind,
            on,
        )

    @eliot_command
    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the outlet on."""
        await self._command(self._switch(True), on=True)

    @eliot_command
    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the outlet off; it draws no power then."""
        await self._command(self._switch(False), on=False, power=0.0)

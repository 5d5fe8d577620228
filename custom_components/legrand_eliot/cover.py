"""Shutters of Home + Control: open, close, stop and set a position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.components.cover import (
    ATTR_POSITION,
    CoverDeviceClass,
    CoverEntity,
    CoverEntityDescription,
    CoverEntityFeature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import LegrandEliotConfigEntry
from .eliot import DeviceKind
from .entity import (
    HomeControlEntity,
    ModuleEntityDescription,
    async_add_entities_when_seen,
    module_candidates,
)
from .helpers import eliot_command

PARALLEL_UPDATES = 1

OPEN_LEVEL = 100
CLOSED_LEVEL = 0
# A shutter travels end to end in well under a minute: a movement not seen to finish within
# this time was stopped by someone else, so the entity stops reporting it.
MOVEMENT_TIMEOUT = timedelta(minutes=2)


@dataclass(frozen=True, kw_only=True)
class EliotCoverEntityDescription(CoverEntityDescription, ModuleEntityDescription):
    """A cover of a module kind."""


COVERS: tuple[EliotCoverEntityDescription, ...] = (
    EliotCoverEntityDescription(
        key="shutter",
        name=None,
        device_class=CoverDeviceClass.SHUTTER,
        kinds=(DeviceKind.AUTOMATION,),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a cover for every shutter, now and when one appears."""
    async_add_entities_when_seen(
        entry,
        async_add_entities,
        lambda coordinator: module_candidates(coordinator, COVERS, EliotCover),
    )


class EliotCover(HomeControlEntity, CoverEntity):
    """A roller shutter whose position is the module's level (0 closed, 100 open)."""

    entity_description: EliotCoverEntityDescription
    _attr_supported_features = (
        CoverEntityFeature.OPEN
        | CoverEntityFeature.CLOSE
        | CoverEntityFeature.STOP
        | CoverEntityFeature.SET_POSITION
    )
    # The level a command sent the shutter to, while it is on its way there.
    _target: int | None = None
    _target_sent_at: datetime | None = None

    @property
    def _level(self) -> int | None:
        """Return the reported level; -1 (moving, position unknown) reads as unknown."""
        level = self.module_state.level
        return None if level is None or level < 0 else level

    @property
    @override
    def current_cover_position(self) -> int | None:
        """Return the position: 0 closed, 100 fully open."""
        return self._level

    @property
    @override
    def is_closed(self) -> bool | None:
        """Return whether the shutter is fully closed."""
        level = self._level
        return None if level is None else level == CLOSED_LEVEL

    @property
    @override
    def is_opening(self) -> bool:
        """Return whether the shutter is on its way up to a commanded level."""
        level = self._level
        return self._target is not None and level is not None and level < self._target

    @property
    @override
    def is_closing(self) -> bool:
        """Return whether the shutter is on its way down to a commanded level."""
        level = self._level
        return self._target is not None and level is not None and level > self._target

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Stop reporting a movement once the shutter is there, or it took too long."""
        if self._target is not None and (
            self._level is None
            or self._level == self._target
            or self._target_sent_at is None
            or dt_util.utcnow() - self._target_sent_at > MOVEMENT_TIMEOUT
        ):
            self._target = None
        super()._handle_coordinator_update()

    async def _move_to(self, level: int) -> None:
        """Send the shutter to a level and show it moving there until it arrives."""
        await self.client.set_level(
            self.plant_id, self.module_id, DeviceKind.AUTOMATION, level
        )
        self._target = level
        self._target_sent_at = dt_util.utcnow()
        self._handle_coordinator_update()

    @eliot_command
    @override
    async def async_open_cover(self, **kwargs: Any) -> None:
        """Open the shutter fully."""
        await self._move_to(OPEN_LEVEL)

    @eliot_command
    @override
    async def async_close_cover(self, **kwargs: Any) -> None:
        """Close the shutter fully."""
        await self._move_to(CLOSED_LEVEL)

    @eliot_command
    @override
    async def async_set_cover_position(self, **kwargs: Any) -> None:
        """Move the shutter to a position."""
        await self._move_to(int(kwargs[ATTR_POSITION]))

    @eliot_command
    @override
    async def async_stop_cover(self, **kwargs: Any) -> None:
        """Stop the shutter where it is; the next poll tells where that is."""
        await self.client.stop_automation(self.plant_id, self.module_id)
        self._target = None
        self.async_write_ha_state()

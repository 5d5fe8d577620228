"""Shutters of Home + Control: open, close, stop and set a position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, override

from homeassistant.components.cover import (
    ATTR_POSITION,
    CoverDeviceClass,
    CoverEntity,
    CoverEntityDescription,
    CoverEntityFeature,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .changes import EveryReadingContext
from .command_entities import QueuedCommandEntity
from .coordinator import LegrandEliotConfigEntry
from .discovery import async_add_entities_when_seen, module_candidates
from .eliot import DeviceKind
from .entity import HomeControlEntity, ModuleEntityDescription
from .error_mapping import eliot_command

# Each shutter's commands are coalesced by its own queue and the client sends one request at a
# time: a platform-wide turn would hold every press behind the answer to the previous one.
PARALLEL_UPDATES = 0

OPEN_LEVEL = 100
CLOSED_LEVEL = 0
# What a stop asks, among the levels the other commands ask (the API's own word for it).
STOP = -1
# Legrand does not say how long a shutter takes from closed to open: a usual roller shutter
# takes about this long. Between polls the position moves at this pace.
TRAVEL_TIME = timedelta(seconds=30)
# While a shutter moves, its estimated position is written this often.
MOVING_UPDATE = timedelta(seconds=2)
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


class EliotCover(QueuedCommandEntity[int], HomeControlEntity, CoverEntity):
    """A roller shutter whose position is the module's level (0 closed, 100 open)."""

    entity_description: EliotCoverEntityDescription
    _attr_supported_features = (
        CoverEntityFeature.OPEN
        | CoverEntityFeature.CLOSE
        | CoverEntityFeature.STOP
        | CoverEntityFeature.SET_POSITION
    )
    # The level a command sent the shutter to, while it is on its way there, where it started
    # from, and when.
    _target: int | None = None
    _start: int | None = None
    _target_sent_at: datetime | None = None
    _cancel_moving: CALLBACK_TYPE | None = None
    # While it moves, every reading of the shutter ends the estimate, even one that shows no
    # change (a shutter stopped by hand where it was).
    _cancel_reading: CALLBACK_TYPE | None = None

    @property
    def _level(self) -> int | None:
        """Return the reported level; -1 (moving, position unknown) reads as unknown."""
        level = self.module_state.level
        return None if level is None or level < 0 else level

    @property
    def _arrival(self) -> datetime | None:
        """Return when a commanded movement should be over, going at the usual pace."""
        if self._target is None or self._start is None or self._target_sent_at is None:
            return None
        distance = abs(self._target - self._start) / (OPEN_LEVEL - CLOSED_LEVEL)
        return self._target_sent_at + TRAVEL_TIME * distance

    @property
    def _position(self) -> int | None:
        """Return the position: reported, or estimated from the travel time while moving."""
        if self._target is None or self._start is None or self._target_sent_at is None:
            return self._level
        elapsed = dt_util.utcnow() - self._target_sent_at
        moved = round((OPEN_LEVEL - CLOSED_LEVEL) * (elapsed / TRAVEL_TIME))
        if self._target >= self._start:
            return min(self._start + moved, self._target)
        return max(self._start - moved, self._target)

    @property
    def _heading(self) -> int | None:
        """Return the level the shutter is sent to: the newest command's, or the moving one's."""
        asked = self.asked
        if asked is None:
            return self._target
        return None if asked == STOP else asked

    @property
    @override
    def current_cover_position(self) -> int | None:
        """Return the position: 0 closed, 100 fully open."""
        return self._position

    @property
    @override
    def is_closed(self) -> bool | None:
        """Return whether the shutter is fully closed."""
        position = self._position
        return None if position is None else position == CLOSED_LEVEL

    @property
    @override
    def is_opening(self) -> bool:
        """Return whether the shutter is on its way up to a commanded level."""
        position = self._position
        heading = self._heading
        return heading is not None and position is not None and position < heading

    @property
    @override
    def is_closing(self) -> bool:
        """Return whether the shutter is on its way down to a commanded level."""
        position = self._position
        heading = self._heading
        return heading is not None and position is not None and position > heading

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Stop estimating once a poll after the arrival tells where the shutter is."""
        arrival = self._arrival
        now = dt_util.utcnow()
        if self._target is not None and (
            self._level == self._target
            or arrival is None
            or now >= arrival
            or self._target_sent_at is None
            or now - self._target_sent_at > MOVEMENT_TIMEOUT
        ):
            self._stop_estimating()
        super()._handle_coordinator_update()

    def _stop_estimating(self) -> None:
        """Forget the commanded movement and its timer."""
        self._target = self._start = self._target_sent_at = None
        if self._cancel_moving is not None:
            self._cancel_moving()
            self._cancel_moving = None
        if self._cancel_reading is not None:
            self._cancel_reading()
            self._cancel_reading = None

    @callback
    def _moving(self, now: datetime) -> None:
        """Write the estimated position; once there, read the shutter if the budget allows."""
        arrival = self._arrival
        if arrival is None or now < arrival:
            self.async_write_ha_state()
            return
        if self._cancel_moving is not None:
            self._cancel_moving()
            self._cancel_moving = None
        self.async_write_ha_state()
        self.coordinator.confirm_module(self.module_id)

    async def _move_to(self, level: int) -> None:
        """Send the shutter to a level and show it moving there until it arrives."""
        await self.commands.send(
            level,
            partial(
                self.client.set_level,
                self.plant_id,
                self.module_id,
                DeviceKind.AUTOMATION,
                level,
            ),
            partial(self._moving_to, level),
        )

    def _moving_to(self, level: int) -> None:
        """Show the shutter moving from where it is to the level the cloud just took."""
        start = self._position
        self._stop_estimating()
        self._target = level
        self._start = start
        self._target_sent_at = dt_util.utcnow()
        self._cancel_reading = self.coordinator.async_add_listener(
            self._handle_coordinator_update, EveryReadingContext(self.module_id)
        )
        if start is not None and start != level:
            self._cancel_moving = async_track_time_interval(
                self.hass, self._moving, MOVING_UPDATE
            )
        self.async_write_ha_state()

    async def async_will_remove_from_hass(self) -> None:
        """Stop the movement timer."""
        self._stop_estimating()
        await super().async_will_remove_from_hass()

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
        """Stop the shutter where it is: shown where the travel time says it got to."""
        await self.commands.send(
            STOP,
            partial(self.client.stop_automation, self.plant_id, self.module_id),
            self._stopped,
        )

    def _stopped(self) -> None:
        """Show the shutter where the travel time says it was when the cloud took the stop."""
        position = self._position
        self._stop_estimating()
        if position is not None:
            self.coordinator.apply_module_state(self.module_id, level=position)
        self.async_write_ha_state()

"""Entities whose commands go through their device's queue, showing the newest intent."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any, override

from homeassistant.core import callback

from .command_queue import Call, CommandQueue
from .eliot.home_control_models import ModuleState
from .eliot.smarther_models import ThermostatStatus
from .entity import EliotEntity, HomeControlEntity, ThermostatEntity


class QueuedCommandEntity[IntentT](EliotEntity):
    """An entity whose commands go through its device's queue, showing the newest intent.

    The queue is the device's, shared with the device's other entities that command it: each
    shows what the newest command of any of them asks.
    """

    module_id: str
    _queue: CommandQueue[IntentT] | None = None
    # Seconds a command that closely follows another waits for the asks to pause (0: none).
    _command_settle: float = 0.0

    @property
    def commands(self) -> CommandQueue[IntentT]:
        """Return the queue of the device's commands, joined when the entity is added."""
        if self._queue is None:
            self._queue = self.coordinator.commands.join(
                self.module_id, self._intent_changed
            )
        return self._queue

    @property
    def asked(self) -> IntentT | None:
        """Return what the newest command asks until its call is answered; else None."""
        return None if self._queue is None else self._queue.intent

    @override
    async def async_added_to_hass(self) -> None:
        """Join the device's queue at once: a sibling's command shows here too."""
        await super().async_added_to_hass()
        _ = self.commands

    @callback
    def _intent_changed(self) -> None:
        """Show the newest intent, or the device as the cloud holds it once all is answered."""
        if not self._shows_current_state():
            self.async_write_ha_state()

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Leave the device's queue: once its last entity leaves, the command waiting is dropped."""
        if self._queue is not None:
            self.coordinator.commands.leave(self.module_id, self._intent_changed)
            self._queue = None
        await super().async_will_remove_from_hass()


class ModuleCommandEntity(QueuedCommandEntity[dict[str, Any]], HomeControlEntity):
    """A Home + Control module whose commands change fields of its state (on, level, power)."""

    @property
    @override
    def module_state(self) -> ModuleState:
        """Return the module's state as the newest unanswered command will leave it."""
        state = super().module_state
        if (changes := self.asked) is None:
            return state
        return replace(state, **changes)

    async def _command(self, call: Call, **changes: Any) -> None:
        """Send a command whose effect is these fields of the module's state."""
        await self.commands.send(
            changes,
            call,
            partial(self.coordinator.apply_module_state, self.module_id, **changes),
            self._command_settle,
        )


class ThermostatCommandEntity(QueuedCommandEntity[dict[str, Any]], ThermostatEntity):
    """A thermostat entity whose commands change fields of its status (mode, set point...).

    Every thermostat command sets the thermostat's whole mode, so the newest one, from the
    climate entity or the program select, replaces any waiting.
    """

    @property
    @override
    def status(self) -> ThermostatStatus | None:
        """Return the thermostat's status as the newest unanswered command will leave it."""
        status = super().status
        if status is None or (changes := self.asked) is None:
            return status
        return replace(status, **changes)

    def _apply(self, **changes: Any) -> None:
        """Keep a command's effect once the cloud took it; the next poll or push confirms it."""
        if (status := super().status) is not None:
            self.coordinator.apply_thermostat(replace(status, **changes))

    async def _command(self, call: Call, **changes: Any) -> None:
        """Send a thermostat command whose effect is these fields of its status."""
        await self.commands.send(
            changes, call, lambda: self._apply(**changes), self._command_settle
        )

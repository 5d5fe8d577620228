"""Coalesce each device's commands: one call in flight, the newest intent waiting, none stale.

A person holding a thermostat's arrow, dragging a dimmer's slider, or an automation that loops
asks faster than the cloud answers (the client sends one request at a time, paced). A device's
commands go through one queue: while a call is in flight, a newer command replaces the one
waiting, so a burst costs the call in flight plus one for the newest intent, and ends at the last
value asked. The caller of a replaced command returns at once, without error: its intent was
replaced by a newer one, whose caller alone learns how the cloud answered it.

A newer command replaces the waiting one whatever its kind. Each command of these devices says
the whole of what the person wants next: a thermostat command sets its mode together with its set
point, program or end; a light's level also turns it on; a shutter's position, open, close and
stop each say where it is to end. A stop is therefore never dropped behind a stale position: it is
the newest command, sent as soon as the call in flight is answered.

From the moment a command is asked until the cloud answers its target's last call, the entity
shows what was asked: neither an earlier call's effect nor a refresh that read the device before
the newest call reached it. A refusal of the last call shows again what the cloud holds.

A cloud that answers faster than a person presses would still get a call for nearly every press:
each one finds the previous call answered. A queue may therefore settle: a command that follows
the previous one within `settle` seconds waits until the asks pause that long (and no longer than
`SETTLE_LIMIT` settle periods after the previous call started), so that fifteen presses of a
thermostat's arrow cost the first call and one for the last value. Thermostats settle (a set
point may come a second later); lights, shutters and plugs do not (a stop must not wait).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
import math
from typing import Any, override

from homeassistant.core import callback

from .const import LOGGER
from .eliot.home_control_models import ModuleState
from .entity import EliotEntity, HomeControlEntity

type Call = Callable[[], Awaitable[None]]

# A burst that never pauses (an automation in a loop) still reaches the device: its newest
# command is sent at the latest this many settle periods after the previous call started.
SETTLE_LIMIT = 5


class CommandQueue[IntentT]:
    """One device's commands, sent one at a time; a newer command replaces the one waiting."""

    def __init__(self, intent_changed: Callable[[], None], settle: float = 0.0) -> None:
        """Tell `intent_changed` whenever what the newest unanswered command asks changes.

        With `settle`, a command that follows the previous one within that many seconds waits
        for the asks to pause that long before it is sent.
        """
        self._intent_changed = intent_changed
        self._settle = settle
        # Loop times of the newest command asked and of the last call's start.
        self._asked_at = -math.inf
        self._started_at = -math.inf
        self._settling: asyncio.TimerHandle | None = None
        self._intent: IntentT | None = None
        # The newest command asked, by an identity of its own (two may ask the same thing).
        self._newest: object | None = None
        self._busy = False
        self._waiting: asyncio.Future[bool] | None = None
        self._closed = False

    @property
    def intent(self) -> IntentT | None:
        """Return what the newest command asks until its call is answered; else None."""
        return self._intent

    async def send(self, intent: IntentT, call: Call, done: Callable[[], None]) -> None:
        """Send a command's call once the device's call in flight is answered.

        `done` shows the call's effect once the cloud took it, even when a newer command came
        meanwhile (it is what the device does until the newer call reaches it), unless the queue
        closed meanwhile: the entity is gone, and the next refresh reads the device. Returns
        without sending when a newer command replaces this one first or the queue is closed;
        raises the call's error only when no newer command came.
        """
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        follows = loop.time() - self._asked_at < self._settle
        self._asked_at = loop.time()
        ticket = object()
        self._newest = ticket
        self._intent = intent
        self._intent_changed()
        if self._busy or follows:
            if self._waiting is not None and not self._waiting.done():
                self._waiting.set_result(False)
            self._waiting = waiting = loop.create_future()
            if not self._busy:
                # Right after the previous command: its turn comes once the asks pause.
                self._busy = True
                self._next()
            if not await waiting:
                return
            if self._closed or self._newest is not ticket:
                # Replaced between its turn and now: the turn passes on, nothing is sent.
                self._next()
                return
        self._busy = True
        self._started_at = loop.time()
        try:
            await call()
        except Exception as err:
            if self._newest is ticket:
                raise
            LOGGER.debug("A command replaced by a newer one failed: %s", err)
        else:
            if not self._closed:
                done()
        finally:
            self._next()

    def close(self) -> None:
        """Drop the command waiting and refuse new ones; the call in flight may finish.

        Nothing of the entity runs any more: the effect of the call in flight is not shown.
        """
        self._closed = True
        self._intent = None
        self._stop_settling()
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result(False)
        self._waiting = None

    def _next(self, planned: float | None = None) -> None:
        """Give the turn to the command waiting, or show the device as the cloud holds it.

        A settling queue gives it once the asks paused for `settle` seconds, or at the limit:
        at the moment it `planned`, unless a newer ask moved that moment.
        """
        self._stop_settling()
        waiting = self._waiting
        if waiting is not None and not waiting.done():
            loop = asyncio.get_running_loop()
            due = min(
                self._asked_at + self._settle,
                self._started_at + SETTLE_LIMIT * self._settle,
            )
            if due > loop.time() and due != planned:
                self._settling = loop.call_at(due, self._next, due)
                return
            self._waiting = None
            waiting.set_result(True)
            return
        self._waiting = None
        self._busy = False
        self._newest = None
        if self._intent is not None:
            self._intent = None
            self._intent_changed()

    def _stop_settling(self) -> None:
        """Forget the turn planned for when the asks pause: it is given now, or never."""
        if self._settling is not None:
            self._settling.cancel()
            self._settling = None


class QueuedCommandEntity[IntentT](EliotEntity):
    """An entity whose commands go through its device's queue, showing the newest intent."""

    _queue: CommandQueue[IntentT] | None = None
    # Seconds a command that closely follows another waits for the asks to pause (0: none).
    _command_settle: float = 0.0

    @property
    def commands(self) -> CommandQueue[IntentT]:
        """Return the queue of the entity's commands, made at its first command."""
        if self._queue is None:
            self._queue = CommandQueue(self._intent_changed, self._command_settle)
        return self._queue

    @property
    def asked(self) -> IntentT | None:
        """Return what the newest command asks until its call is answered; else None."""
        return None if self._queue is None else self._queue.intent

    @callback
    def _intent_changed(self) -> None:
        """Show the newest intent, or the device as the cloud holds it once all is answered."""
        if not self._shows_current_state():
            self.async_write_ha_state()

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Send nothing more: the command waiting is dropped."""
        if self._queue is not None:
            self._queue.close()
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
        )

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
import math
from typing import Any

from .const import LOGGER

type Call = Callable[[], Awaitable[None]]

# A burst that never pauses (an automation in a loop) still reaches the device: its newest
# command is sent at the latest this many settle periods after the previous call started.
SETTLE_LIMIT = 5


class CommandQueue[IntentT]:
    """One device's commands, sent one at a time; a newer command replaces the one waiting."""

    def __init__(self, settle: float = 0.0) -> None:
        """Make a device's queue; its watchers are told when the newest intent changes.

        With `settle` (or a command's own), a command that follows the previous one within that
        many seconds waits for the asks to pause that long before it is sent.
        """
        self._watchers: list[Callable[[], None]] = []
        self._default_settle = settle
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

    def watch(self, watcher: Callable[[], None]) -> None:
        """Tell `watcher` whenever what the newest command asks changes."""
        self._watchers.append(watcher)

    def unwatch(self, watcher: Callable[[], None]) -> bool:
        """Stop telling `watcher`; return whether any watcher is left."""
        if watcher in self._watchers:
            self._watchers.remove(watcher)
        return bool(self._watchers)

    def _intent_changed(self) -> None:
        """Tell every watcher that what the newest command asks changed."""
        for watcher in list(self._watchers):
            watcher()

    @property
    def intent(self) -> IntentT | None:
        """Return what the newest command asks until its call is answered; else None."""
        return self._intent

    async def send(
        self,
        intent: IntentT,
        call: Call,
        done: Callable[[], None],
        settle: float | None = None,
    ) -> None:
        """Send a command's call once the device's call in flight is answered.

        `settle` is the command's own (else the queue's): how long the asks must pause before
        it is sent when it closely follows the previous one.

        `done` shows the call's effect once the cloud took it, even when a newer command came
        meanwhile (it is what the device does until the newer call reaches it), unless the queue
        closed meanwhile: the entity is gone, and the next refresh reads the device. Returns
        without sending when a newer command replaces this one first or the queue is closed;
        raises the call's error only when no newer command came.
        """
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        self._settle = self._default_settle if settle is None else settle
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


class DeviceQueues:
    """An account's command queues, one a device, shared by the device's entities.

    A thermostat's climate entity and its program select command the same device: one queue
    keeps one call in flight for both, and the newest intent of either replaces the one waiting.
    """

    def __init__(self) -> None:
        """Start with no queue; each is made when the first entity of its device joins."""
        self._queues: dict[str, CommandQueue[Any]] = {}

    def join(self, device: str, watcher: Callable[[], None]) -> CommandQueue[Any]:
        """Return a device's queue, telling `watcher` whenever its newest intent changes."""
        queue = self._queues.get(device)
        if queue is None:
            queue = self._queues[device] = CommandQueue()
        queue.watch(watcher)
        return queue

    def leave(self, device: str, watcher: Callable[[], None]) -> None:
        """Stop telling `watcher`; the last entity of a device to leave closes its queue."""
        queue = self._queues.get(device)
        if queue is not None and not queue.unwatch(watcher):
            queue.close()
            del self._queues[device]

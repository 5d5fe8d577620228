"""Tests for the command queue: a burst costs the call in flight and the newest, nothing stale."""

from __future__ import annotations

import asyncio
import math

import pytest

from custom_components.legrand_eliot.command_queue import Call, CommandQueue
from custom_components.legrand_eliot.eliot.exceptions import EliotInvalidValueError


class Device:
    """A device behind a cloud that answers each call only when the test lets it."""

    def __init__(self) -> None:
        """Start with nothing sent, every answer held, and no value refused."""
        self.sent: list[int] = []
        self.applied: list[int] = []
        self.value: int | None = None
        self.refused: set[int] = set()
        self.answer = asyncio.Event()
        self.shown: list[int | None] = []
        self.queue: CommandQueue[int] = CommandQueue()
        self.queue.watch(self._intent_changed)

    def _intent_changed(self) -> None:
        """Record what an entity would show: the newest intent, or None for the device."""
        self.shown.append(self.queue.intent)

    def call(self, value: int) -> Call:
        """Return the cloud call that sets a value."""

        async def send() -> None:
            self.sent.append(value)
            await self.answer.wait()
            if value in self.refused:
                raise EliotInvalidValueError(f"{value} refused")
            self.value = value

        return send

    async def ask(self, value: int) -> None:
        """Ask for a value through the queue."""
        await self.queue.send(
            value, self.call(value), lambda: self.applied.append(value)
        )

    def asked(self, *values: int) -> list[asyncio.Task[None]]:
        """Ask for values one after the other, each in a task of its own."""
        return [asyncio.create_task(self.ask(value)) for value in values]


async def settle() -> None:
    """Let every task run until it waits for the cloud or for its turn."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_burst_costs_the_call_in_flight_and_the_newest() -> None:
    """Fifty values asked while the first is in flight: two calls, ending at the last value."""
    device = Device()
    tasks = device.asked(*range(50))
    await settle()
    assert device.sent == [0]
    assert device.queue.intent == 49
    # The replaced callers are done already, without error: their intent was replaced.
    assert all(task.done() for task in tasks[1:49])
    device.answer.set()
    assert await asyncio.gather(*tasks) == [None] * 50
    assert device.sent == [0, 49]
    assert device.value == 49
    # The first call's effect is kept (the cloud took it) but never shown as the intent.
    assert device.applied == [0, 49]
    assert device.shown == [*range(50), None]
    assert device.queue.intent is None


async def test_a_target_that_is_free_sends_at_once() -> None:
    """Values asked one after the other, each answered, cost one call each."""
    device = Device()
    device.answer.set()
    for value in (1, 2, 3):
        await device.ask(value)
    assert device.sent == [1, 2, 3]
    assert device.shown == [1, None, 2, None, 3, None]


async def test_only_the_newest_callers_error_is_raised() -> None:
    """A refused call that a newer one replaced is silent; the newest one's refusal is raised."""
    device = Device()
    device.refused = {0, 9}
    tasks = device.asked(*range(10))
    await settle()
    device.answer.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[:9] == [None] * 9
    assert isinstance(results[9], EliotInvalidValueError)
    assert device.sent == [0, 9]
    assert device.applied == []
    assert device.value is None
    assert device.shown[-1] is None


async def test_a_refused_call_in_flight_does_not_stop_the_newest() -> None:
    """When the call in flight is refused, the newest intent is still sent, and it holds."""
    device = Device()
    device.refused = {0}
    tasks = device.asked(0, 1, 2)
    await settle()
    device.answer.set()
    assert await asyncio.gather(*tasks) == [None] * 3
    assert device.sent == [0, 2]
    assert device.value == 2


async def test_a_turn_replaced_before_it_starts_passes_on_without_a_call() -> None:
    """A command given its turn but replaced before it could start is never sent."""
    device = Device()
    tasks = device.asked(0, 1)
    await settle()
    # The answer to the first call gives the second its turn; the third comes before it starts.
    device.answer.set()
    tasks.append(asyncio.create_task(device.ask(2)))
    await asyncio.gather(*tasks)
    assert device.sent == [0, 2]
    assert device.value == 2


async def test_closing_drops_the_waiting_command() -> None:
    """Once closed, the waiting command and every later one are dropped; the one in flight ends.

    The entity is gone: the effect of the call in flight is not shown, the next refresh reads it.
    """
    device = Device()
    tasks = device.asked(0, 1)
    await settle()
    device.queue.close()
    assert device.queue.intent is None
    shown = list(device.shown)
    device.answer.set()
    await asyncio.gather(*tasks)
    await device.ask(2)
    assert device.sent == [0]
    assert device.value == 0
    assert device.applied == []
    assert device.shown == shown


async def test_a_turn_given_as_the_queue_closes_sends_nothing() -> None:
    """A command handed its turn just before the queue closes sends nothing."""
    device = Device()
    tasks = device.asked(0, 1)
    await settle()
    device.answer.set()
    await asyncio.sleep(0)
    # The first call is answered and the second has its turn, but has not started yet.
    assert tasks[0].done()
    device.queue.close()
    await asyncio.gather(*tasks)
    assert device.sent == [0]


async def test_a_cancelled_waiting_caller_sends_nothing() -> None:
    """A caller that gives up while waiting sends nothing; the device then shows as it is."""
    device = Device()
    tasks = device.asked(0, 1)
    await settle()
    tasks[1].cancel()
    device.answer.set()
    await tasks[0]
    with pytest.raises(asyncio.CancelledError):
        await tasks[1]
    assert device.sent == [0]
    assert device.queue.intent is None
    assert device.shown[-1] is None


async def test_a_caller_cancelled_in_flight_passes_the_turn() -> None:
    """A caller that gives up while its call is in flight lets the waiting command go."""
    device = Device()
    tasks = device.asked(0, 1)
    await settle()
    tasks[0].cancel()
    await settle()
    assert device.sent == [0, 1]
    device.answer.set()
    await tasks[1]
    assert device.value == 1


class Clock:
    """The running loop's clock, moved by the test alone."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Stop the loop's clock where it is."""
        loop = asyncio.get_running_loop()
        self.now = loop.time()
        monkeypatch.setattr(loop, "time", lambda: self.now)
        # A step that moves the clock is not a slow callback.
        monkeypatch.setattr(loop, "slow_callback_duration", math.inf)

    async def advance(self, seconds: float) -> None:
        """Move the clock on, then let every task run that this wakes."""
        self.now += seconds
        await settle()


async def _first_sent(monkeypatch: pytest.MonkeyPatch) -> tuple[Clock, Device]:
    """Return a stopped clock and a device that waits for presses to pause, 0 sent to it."""
    clock = Clock(monkeypatch)
    device = Device()
    device.queue = CommandQueue(settle=1.0)
    device.queue.watch(device._intent_changed)
    device.answer.set()
    await device.ask(0)
    return clock, device


async def _presses(
    clock: Clock, device: Device, values: range, every: float
) -> list[asyncio.Task[None]]:
    """Press each value in turn, `every` seconds apart; return the presses' tasks."""
    tasks: list[asyncio.Task[None]] = []
    for value in values:
        await clock.advance(every)
        tasks.append(asyncio.create_task(device.ask(value)))
        await settle()
    return tasks


async def test_presses_one_after_the_other_cost_the_first_and_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fifteen presses, each answered before the next: the first is sent, then the last.

    A person presses more slowly than the cloud answers: without waiting for the presses to
    pause, each one would be a call.
    """
    clock, device = await _first_sent(monkeypatch)
    tasks = await _presses(clock, device, range(1, 15), every=0.2)
    assert device.sent == [0]
    # Each press shows at once, and waits: the earlier ones are replaced and return.
    assert device.shown == [0, None, *range(1, 15)]
    assert all(task.done() for task in tasks[:-1])
    await clock.advance(0.9)
    assert device.sent == [0]
    await clock.advance(0.2)
    await asyncio.gather(*tasks)
    assert device.sent == [0, 14]
    assert device.value == 14
    assert device.shown[-1] is None


async def test_a_burst_that_never_pauses_reaches_the_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Asks that never pause send their newest value five settle periods after the last call."""
    clock, device = await _first_sent(monkeypatch)
    tasks = await _presses(clock, device, range(1, 13), every=0.5)
    # Five settle periods after the first call, the value asked last went; the later ones
    # wait for the next limit, or a pause.
    assert device.sent == [0, 9]
    await clock.advance(1.0)
    await asyncio.gather(*tasks)
    assert device.sent == [0, 9, 12]


async def test_a_settling_command_is_dropped_when_the_queue_closes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command waiting for the presses to pause is never sent once the entity is gone."""
    clock, device = await _first_sent(monkeypatch)
    task = asyncio.create_task(device.ask(1))
    await settle()
    device.queue.close()
    await clock.advance(2.0)
    await task
    assert device.sent == [0]
    assert device.queue.intent is None

"""Injected failures: the next N matching requests fail with a status, hang, break or disconnect."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import contextlib
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

KINDS = ("status", "timeout", "malformed", "disconnect")
TARGETS = ("gateway", "token")
# A valid JSON prefix cut short: what a broken answer looks like.
MALFORMED_BODY = '{"plants": [{"id": "0000'
DEFAULT_RETRY_AFTER = 60


@dataclass(kw_only=True)
class Fault:
    """One injected failure and how many more requests it will hit."""

    kind: str = "status"
    status: int = 500
    remaining: int = 1
    match: str | None = None
    delay: float = 0.0
    target: str = "gateway"
    message: str | None = None
    retry_after: int | None = None

    def matches(self, path: str, target: str) -> bool:
        """Return whether a request to this path is one the fault is waiting for."""
        return (
            self.remaining > 0
            and self.target == target
            and (self.match is None or self.match in path)
        )


def parse_fault(data: Mapping[str, Any]) -> Fault:
    """Build a fault from the control API's body; a bad field raises ValueError."""
    allowed = {
        "kind",
        "status",
        "count",
        "match",
        "delay",
        "target",
        "message",
        "retry_after",
    }
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unknown fault fields {sorted(unknown)}")
    kind = data.get("kind", "status")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}")
    target = data.get("target", "gateway")
    if target not in TARGETS:
        raise ValueError(f"target must be one of {list(TARGETS)}")
    status = data.get("status", 500)
    if (
        isinstance(status, bool)
        or not isinstance(status, int)
        or not 400 <= status <= 599
    ):
        raise ValueError("status must be an HTTP error status from 400 to 599")
    count = data.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("count must be a positive integer")
    match = data.get("match")
    if match is not None and (not isinstance(match, str) or not match):
        raise ValueError("match must be a non-empty string")
    delay = data.get("delay", 0.0)
    if (
        isinstance(delay, bool)
        or not isinstance(delay, (int, float))
        or not 0 <= delay <= 3600
    ):
        raise ValueError("delay must be a number of seconds from 0 to 3600")
    message = data.get("message")
    if message is not None and not isinstance(message, str):
        raise ValueError("message must be a string")
    retry_after = data.get("retry_after")
    if retry_after is not None and (
        isinstance(retry_after, bool)
        or not isinstance(retry_after, int)
        or retry_after < 0
    ):
        raise ValueError("retry_after must be a whole number of seconds")
    return Fault(
        kind=kind,
        status=status,
        remaining=count,
        match=match,
        delay=float(delay),
        target=target,
        message=message,
        retry_after=retry_after,
    )


class FaultQueue:
    """The injected failures waiting for their requests, in the order they were added."""

    def __init__(self) -> None:
        """Start with no fault."""
        self._faults: list[Fault] = []
        # Requests held so far (a timeout, or a fault with a delay).
        self.held = 0
        # Told how long each held request will hang, once its wait has started: a harness that
        # drives a frozen clock lets time run, so that the client's own timeout can end it.
        self.on_hold: Callable[[float], None] | None = None

    def add(self, fault: Fault) -> None:
        """Queue a fault."""
        self._faults.append(fault)

    def clear(self) -> None:
        """Drop every pending fault."""
        self._faults.clear()

    def take(self, path: str, target: str) -> Fault | None:
        """Return the first fault matching a request and count it as spent once."""
        for fault in self._faults:
            if fault.matches(path, target):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        """Return the pending faults, for the control API."""
        return [asdict(fault) for fault in self._faults]

    async def hold(
        self, fault: Fault, stopping: asyncio.Event, timeout_delay: float
    ) -> None:
        """Wait the fault's delay (a timeout's default if it has none), or until the server stops."""
        delay = fault.delay or (timeout_delay if fault.kind == "timeout" else 0.0)
        if not delay:
            return
        self.held += 1
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                if self.on_hold is not None:
                    self.on_hold(delay)
                await stopping.wait()


def broken_answer(request: web.Request, fault: Fault) -> web.StreamResponse | None:
    """Return the answer of a malformed or disconnect fault; None for the other kinds."""
    if fault.kind == "malformed":
        return web.Response(
            status=200, text=MALFORMED_BODY, content_type="application/json"
        )
    if fault.kind == "disconnect":
        # Closing the connection first means this answer is never written.
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)
    return None


def retry_headers(fault: Fault) -> dict[str, str]:
    """Return the Retry-After header a 429 fault (or one given a retry_after) carries."""
    if fault.status != 429 and fault.retry_after is None:
        return {}
    seconds = (
        fault.retry_after if fault.retry_after is not None else DEFAULT_RETRY_AFTER
    )
    return {"Retry-After": str(seconds)}

"""Hold a client method's calls in flight until a test lets them through: a cloud slow to answer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from custom_components.legrand_eliot.eliot import EliotClient


class HeldCalls:
    """The calls of one client method, held before they leave until `release`."""

    def __init__(self) -> None:
        """Hold every call until released."""
        self.started = asyncio.Event()
        self._released = asyncio.Event()

    def release(self) -> None:
        """Let the held calls, and every later one, through."""
        self._released.set()

    async def hold(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        """Wait until released, then make the call."""
        self.started.set()
        await self._released.wait()
        return await call(*args, **kwargs)


@contextmanager
def held(client: EliotClient, method: str) -> Iterator[HeldCalls]:
    """Hold each call of `client.<method>` in flight until the test releases them."""
    calls = HeldCalls()
    real = getattr(client, method)

    async def slow(*args: Any, **kwargs: Any) -> Any:
        return await calls.hold(real, *args, **kwargs)

    with patch.object(client, method, slow):
        yield calls

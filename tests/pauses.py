"""Holding a task at one chosen await, to cancel it there as a closing page does."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntries

from custom_components.legrand_eliot import config_flow, identity
from custom_components.legrand_eliot.coordinator import LegrandEliotCoordinator
from custom_components.legrand_eliot.eliot import EliotClient
from custom_components.legrand_eliot.oauth import LegrandOAuth2Implementation

# Every await of the flow and of the first setup that can wait on something: a name, and the
# object and attribute that is awaited there.
AWAITS: dict[str, list[tuple[Any, str]]] = {
    "token request": [(LegrandOAuth2Implementation, "_token_request")],
    "login document": [(identity, "_get_json")],
    "API call": [(EliotClient, "_send")],
    "integration setup": [(config_flow, "async_setup_component")],
    "stored data": [
        (LegrandEliotCoordinator, "async_restore_budget"),
        (LegrandEliotCoordinator, "async_restore_learned"),
        (LegrandEliotCoordinator, "async_restore_account"),
    ],
    "platforms": [(ConfigEntries, "async_forward_entry_setups")],
}


class Pause:
    """Hold whatever reaches the nth await of a kind; note every await passed."""

    def __init__(self, kind: str | None = None, nth: int = 0) -> None:
        """Hold at the `nth` await of `kind` (never, without a kind)."""
        self.target = (kind, nth)
        self.passed: list[str] = []
        self.reached = asyncio.Event()
        self.released = asyncio.Event()
        # Set when the held await itself is cancelled (it runs in the cancelled task).
        self.cancelled = asyncio.Event()

    async def at(self, kind: str) -> None:
        """Note an await of this kind; hold it if it is the chosen one."""
        self.passed.append(kind)
        if self.target == (kind, self.passed.count(kind)):
            self.reached.set()
            try:
                await self.released.wait()
            except asyncio.CancelledError:
                self.cancelled.set()
                raise

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Pass every await of `AWAITS` through this pause."""
        with ExitStack() as stack:
            for kind, places in AWAITS.items():
                for owner, name in places:
                    original = getattr(owner, name)
                    stack.enter_context(
                        patch.object(owner, name, self._through(kind, original))
                    )
            yield

    def _through(
        self, kind: str, original: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        async def held(*args: Any, **kwargs: Any) -> Any:
            await self.at(kind)
            return await original(*args, **kwargs)

        return held


async def cancel_at(pause: Pause, task: asyncio.Future[Any]) -> Any:
    """Cancel a task once it is held by the pause, let it go on, and return how it ended.

    The answer is the task's result, or the CancelledError it ended with.
    """
    waiting = asyncio.ensure_future(pause.reached.wait())
    done, _ = await asyncio.wait({waiting, task}, return_when=asyncio.FIRST_COMPLETED)
    if waiting not in done:
        waiting.cancel()
        raise AssertionError("the task ended before reaching the await")
    task.cancel()
    pause.released.set()
    try:
        return await task
    except asyncio.CancelledError as err:
        return err

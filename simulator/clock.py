"""The simulated cloud's clock: UTC time plus an offset that tests and the control API move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Current time of the simulated cloud.

    It reads `datetime.now(UTC)` on every call, never the event loop's monotonic time, so frozen
    time in tests freezes the simulator too, and the offset moves it independently. Given a start,
    the clock begins there (and goes back there on reset) instead of at the machine's time, so a
    scenario built on it does not depend on when it runs.
    """

    def __init__(self, start: datetime | None = None) -> None:
        """Start at `start` (an aware time), or at the machine's time without one."""
        if start is not None and start.tzinfo is None:
            raise ValueError("the start needs a UTC offset")
        self._start = start
        self._offset = timedelta()
        self.reset()

    @property
    def offset(self) -> timedelta:
        """How far the simulated time is ahead of (or behind) the machine's time."""
        return self._offset

    def now(self) -> datetime:
        """Return the current simulated time, timezone aware in UTC."""
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward and return the new time."""
        if seconds < 0:
            raise ValueError("the clock only advances; use set to go back")
        self._offset += timedelta(seconds=seconds)
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Jump to a given aware time and return it."""
        if when.tzinfo is None:
            raise ValueError("the time needs a UTC offset")
        self._offset = when - datetime.now(UTC)
        return self.now()

    def reset(self) -> None:
        """Go back to the start: the given one, else the machine's time."""
        if self._start is None:
            self._offset = timedelta()
        else:
            self.set(self._start)

"""The Home Assistant internals the integration relies on, each behind one function.

Home Assistant offers no public way to these: when the timer of a coordinator fires, moving
that timer alone, which context each of its listeners gave, and what an entity would write.
Each is used here alone, and tests/test_ha_internals.py fails the moment an installed Home
Assistant changes one.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE
from homeassistant.helpers.entity import CalculatedState, Entity
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util


def scheduled_refresh_at(coordinator: DataUpdateCoordinator[Any]) -> datetime | None:
    """Return when a coordinator's scheduled refresh runs; None while none is scheduled.

    Its timer is the one record of every way Home Assistant schedules: the update interval,
    a failed refresh's retry_after, a pause.
    """
    cancel = coordinator._unsub_refresh  # noqa: SLF001 - no public way to the timer
    handle = getattr(cancel, "__self__", None)
    if not isinstance(handle, asyncio.TimerHandle):
        return None
    return dt_util.utcnow() + timedelta(
        seconds=handle.when() - coordinator.hass.loop.time()
    )


def reschedule_refresh(coordinator: DataUpdateCoordinator[Any]) -> None:
    """Schedule a coordinator's next refresh again, its update interval from now.

    The public way, `async_set_updated_data`, also marks the data fresh and drops a refresh
    asked for meanwhile.
    """
    coordinator._schedule_refresh()  # noqa: SLF001 - no public way to move the timer alone


def listeners(
    coordinator: DataUpdateCoordinator[Any],
) -> list[tuple[CALLBACK_TYPE, object | None]]:
    """Return a coordinator's listeners, each with the context it gave (None: none)."""
    return list(coordinator._listeners.values())  # noqa: SLF001 - contexts alone are public


def calculated_state(entity: Entity) -> CalculatedState:
    """Return the state and attributes an entity would write now."""
    return entity._async_calculate_state()  # noqa: SLF001 - what a write would compute

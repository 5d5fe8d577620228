"""Thermostat states that arrived by push: which are kept, and what they vouch for.

A state older than the one shown is a late or replayed delivery and is dropped; a state of
unknown age replaces nothing, it only has the thermostat read at the next refresh. A state kept
vouches, by its own time, for a thermostat whose reads fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .const import LOGGER
from .data import EliotData, Pushed
from .eliot.smarther_models import ThermostatStatus
from .push_health import PushEvidence, PushHealth


def keep_pushed_states(
    data: EliotData,
    pushed: Iterable[tuple[ThermostatStatus, datetime | None]],
    health: PushHealth,
    evidence: PushEvidence,
    now: datetime,
) -> int:
    """Keep the pushed states (each with its event time) that may be shown; return how many."""
    applied = 0
    for status, event_time in pushed:
        found = data.thermostat(status.module_id)
        if found is None or found[0].plant.id != status.plant_id:
            health.note_ignored()
            continue
        plant = found[0]
        pushed_as = plant.store_pushed(status, event_time, now)
        if pushed_as is Pushed.UNKNOWN_AGE:
            LOGGER.debug("A pushed thermostat state of unknown age: read it instead")
            health.note_ignored()
            continue
        if pushed_as is Pushed.OLDER:
            LOGGER.debug("Ignoring a pushed thermostat state older than the one shown")
            health.note_stale()
            continue
        moment = plant.shown_at[status.module_id]
        evidence.pushed(status.module_id, min(moment, now))
        if not evidence.shown(status.module_id, now):
            # A late delivery of an old state: while reads fail, it vouches for nothing.
            plant.unavailable.add(status.module_id)
        applied += 1
    return applied

"""Tests for the Home Assistant internals the integration reads: each fails if one changes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from unittest.mock import AsyncMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import CalculatedState, Entity
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from custom_components.legrand_eliot.ha_internals import (
    calculated_state,
    listeners,
    reschedule_refresh,
    scheduled_refresh_at,
)

INTERVAL = timedelta(minutes=5)


def coordinator_of(hass: HomeAssistant) -> DataUpdateCoordinator[None]:
    """Return a plain Home Assistant coordinator refreshing every five minutes."""
    return DataUpdateCoordinator(
        hass,
        logging.getLogger(__name__),
        config_entry=None,
        name="internals",
        update_interval=INTERVAL,
        update_method=AsyncMock(return_value=None),
    )


async def test_the_refresh_timer_is_a_timer_handle_read_as_a_moment(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The timer Home Assistant sets for the next refresh tells when that refresh runs."""
    coordinator = coordinator_of(hass)
    assert scheduled_refresh_at(coordinator) is None
    unsubscribe = coordinator.async_add_listener(lambda: None)
    # The internal itself: a bound `cancel` of the loop's timer handle.
    assert isinstance(coordinator._unsub_refresh.__self__, asyncio.TimerHandle)
    moment = scheduled_refresh_at(coordinator)
    assert moment is not None
    # Home Assistant starts the interval on a whole loop second, plus a fraction of its own.
    assert (
        INTERVAL - timedelta(seconds=1)
        <= moment - dt_util.utcnow()
        <= INTERVAL + (timedelta(seconds=1))
    )
    unsubscribe()
    assert scheduled_refresh_at(coordinator) is None


async def test_the_refresh_timer_moves_alone_to_a_new_interval(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Rescheduling sets the timer to the interval from now, and keeps the data as it was."""
    coordinator = coordinator_of(hass)
    unsubscribe = coordinator.async_add_listener(lambda: None)
    coordinator.last_update_success = False
    freezer.tick(timedelta(minutes=2))
    coordinator.update_interval = timedelta(minutes=30)
    reschedule_refresh(coordinator)
    moment = scheduled_refresh_at(coordinator)
    assert moment is not None
    assert (
        timedelta(minutes=30) - timedelta(seconds=1)
        <= moment - dt_util.utcnow()
        <= timedelta(minutes=30, seconds=1)
    )
    # Unlike async_set_updated_data, nothing else of the coordinator changes.
    assert coordinator.last_update_success is False
    unsubscribe()


async def test_listeners_come_with_their_contexts(hass: HomeAssistant) -> None:
    """Each listener is read with the context it gave, None for none, in the order added."""
    coordinator = coordinator_of(hass)
    first, second = (lambda: None), (lambda: None)
    context = object()
    remove_first = coordinator.async_add_listener(first, context)
    coordinator.async_add_listener(second)
    assert listeners(coordinator) == [(first, context), (second, None)]
    remove_first()
    assert listeners(coordinator) == [(second, None)]


async def test_the_calculated_state_is_what_a_write_shows(hass: HomeAssistant) -> None:
    """What an entity would write is its state and every attribute, its name included."""
    entity = Entity()
    entity.hass = hass
    entity.entity_id = "sensor.internals"
    entity._attr_name = "Internals"
    entity._attr_state = "on"
    entity._attr_extra_state_attributes = {"kept": 1}
    calculated = calculated_state(entity)
    assert isinstance(calculated, CalculatedState)
    assert calculated.state == "on"
    assert calculated.attributes == {"kept": 1, "friendly_name": "Internals"}
    entity.async_write_ha_state()
    shown = hass.states.get("sensor.internals")
    assert shown is not None
    assert (shown.state, shown.attributes) == (calculated.state, calculated.attributes)

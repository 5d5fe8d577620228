"""Tests for the shutters: position, open, close, set position, stop, and movement."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.cover import (
    ATTR_CURRENT_POSITION,
    ATTR_POSITION,
    DOMAIN as COVER_DOMAIN,
    CoverState,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_CLOSE_COVER,
    SERVICE_OPEN_COVER,
    SERVICE_SET_COVER_POSITION,
    SERVICE_STOP_COVER,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from simulator import SimulatedCloud
from tests.cloud import CloudControl
from tests.demo import (
    BEDROOM_COVER,
    BEDROOM_SHUTTER,
    HC_PLANT,
    LIVING_COVER,
    LIVING_SHUTTER,
)
from tests.entities import NextPoll, PlatformSnapshot, shown
from tests.held_calls import held

pytestmark = pytest.mark.platforms(Platform.COVER)


async def _cover(
    hass: HomeAssistant, service: str, entity_id: str, **data: Any
) -> None:
    """Call a cover service and wait for it."""
    await hass.services.async_call(
        COVER_DOMAIN, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Every shutter of the demo home, with its position."""
    await platform_snapshot()


async def test_open_moves_until_the_next_poll_sees_it_there(
    hass: HomeAssistant, cloud_control: CloudControl, next_poll: NextPoll
) -> None:
    """Opening sends level 100: the shutter shows opening, then open at the next poll."""
    assert shown(hass, BEDROOM_COVER, ATTR_CURRENT_POSITION) == (CoverState.CLOSED, 0)

    await _cover(hass, SERVICE_OPEN_COVER, BEDROOM_COVER)
    module = await cloud_control.module(HC_PLANT, BEDROOM_SHUTTER)
    assert module["moving"]
    assert hass.states.get(BEDROOM_COVER).state == CoverState.OPENING

    await next_poll()
    assert shown(hass, BEDROOM_COVER, ATTR_CURRENT_POSITION) == (CoverState.OPEN, 100)


async def test_close_and_set_position(
    hass: HomeAssistant, cloud_control: CloudControl, next_poll: NextPoll
) -> None:
    """Closing and setting a position send their levels; the state follows the reports."""
    await _cover(hass, SERVICE_SET_COVER_POSITION, LIVING_COVER, **{ATTR_POSITION: 40})
    assert hass.states.get(LIVING_COVER).state == CoverState.CLOSING
    await next_poll()
    assert shown(hass, LIVING_COVER, ATTR_CURRENT_POSITION) == (CoverState.OPEN, 40)
    assert (await cloud_control.module(HC_PLANT, LIVING_SHUTTER))["position"] == 40

    await _cover(hass, SERVICE_CLOSE_COVER, LIVING_COVER)
    assert hass.states.get(LIVING_COVER).state == CoverState.CLOSING
    await next_poll()
    assert hass.states.get(LIVING_COVER).state == CoverState.CLOSED


async def test_stop_halts_the_shutter_midway(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    cloud_control: CloudControl,
    next_poll: NextPoll,
) -> None:
    """Stop sends level -1: the shutter stays where it was, and no longer shows moving."""
    await _cover(hass, SERVICE_CLOSE_COVER, LIVING_COVER)
    # The demo's shutters travel end to end in 30 s: after 12 s it is 40 % of the way down.
    freezer.tick(12)
    await _cover(hass, SERVICE_STOP_COVER, LIVING_COVER)
    module = await cloud_control.module(HC_PLANT, LIVING_SHUTTER)
    assert not module["moving"]
    assert module["position"] == 60
    assert hass.states.get(LIVING_COVER).state == CoverState.OPEN

    await next_poll()
    assert shown(hass, LIVING_COVER, ATTR_CURRENT_POSITION) == (CoverState.OPEN, 60)


async def test_movement_stopped_elsewhere_is_not_shown_forever(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    cloud_control: CloudControl,
    next_poll: NextPoll,
) -> None:
    """A shutter stopped by its wall switch before the target no longer shows moving."""
    await _cover(hass, SERVICE_OPEN_COVER, BEDROOM_COVER)
    freezer.tick(6)
    await cloud_control.press(BEDROOM_SHUTTER, level=-1)
    await next_poll()
    assert shown(hass, BEDROOM_COVER, ATTR_CURRENT_POSITION) == (CoverState.OPEN, 20)


async def test_position_follows_the_travel_time_then_one_read_confirms(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """Between polls a moving shutter's position follows its travel time; a read confirms it."""
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.update_interval is not None
    assert coordinator.update_interval > timedelta(seconds=60)
    route = "GET /hc/api/v1.0/automation/automation/addressLocation/plants/{plantId}"
    reads = cloud.counters["by_endpoint"].get(
        f"{route}/modules/parameter/id/value/{{moduleId}}", 0
    )
    await _cover(hass, SERVICE_OPEN_COVER, BEDROOM_COVER)
    freezer.tick(timedelta(seconds=15))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert shown(hass, BEDROOM_COVER, ATTR_CURRENT_POSITION) == (
        CoverState.OPENING,
        50,
    )
    freezer.tick(timedelta(seconds=16))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert shown(hass, BEDROOM_COVER, ATTR_CURRENT_POSITION) == (CoverState.OPEN, 100)
    assert (
        cloud.counters["by_endpoint"][
            f"{route}/modules/parameter/id/value/{{moduleId}}"
        ]
        == reads + 1
    )
    assert (
        coordinator.budget.calls_used
        == cloud.counters["quota"][cloud.user().email]["used"]
    )


async def _positions(
    hass: HomeAssistant, entity_id: str, positions: list[int]
) -> list[None]:
    """Ask a shutter for each position at once, as a looping automation does."""
    return await asyncio.gather(
        *(
            _cover(
                hass, SERVICE_SET_COVER_POSITION, entity_id, **{ATTR_POSITION: level}
            )
            for level in positions
        )
    )


async def test_fifty_positions_cost_two_calls_and_end_where_asked(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    cloud_control: CloudControl,
    next_poll: NextPoll,
) -> None:
    """Fifty positions asked at once: two calls, the shutter headed for the last one."""
    before = await cloud_control.calls()
    outcomes = await _positions(hass, BEDROOM_COVER, list(range(2, 101, 2)))
    assert outcomes == [None] * 50
    assert await cloud_control.calls() - before <= 2
    assert hass.states.get(BEDROOM_COVER).state == CoverState.OPENING
    freezer.tick(timedelta(seconds=31))
    await next_poll()
    assert (await cloud_control.module(HC_PLANT, BEDROOM_SHUTTER))["position"] == 100
    assert shown(hass, BEDROOM_COVER, ATTR_CURRENT_POSITION) == (CoverState.OPEN, 100)


async def test_a_stop_after_positions_is_sent(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """A stop asked after a run of positions is sent, and the shutter is shown stopped."""
    before = await cloud_control.calls()
    await asyncio.gather(
        *(
            _cover(
                hass,
                SERVICE_SET_COVER_POSITION,
                LIVING_COVER,
                **{ATTR_POSITION: level},
            )
            for level in range(90, 10, -10)
        ),
        _cover(hass, SERVICE_STOP_COVER, LIVING_COVER),
    )
    assert await cloud_control.calls() - before == 2
    assert not (await cloud_control.module(HC_PLANT, LIVING_SHUTTER))["moving"]
    assert shown(hass, LIVING_COVER, ATTR_CURRENT_POSITION) == (CoverState.OPEN, 100)


async def test_a_position_asked_shows_at_once_and_a_refusal_undoes_it(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """The shutter shows closing as soon as asked; refused, it shows where it is again."""
    await cloud_control.refuse(430, LIVING_SHUTTER)
    with held(init_integration.runtime_data.client, "set_level") as calls:
        task = hass.async_create_task(
            _cover(hass, SERVICE_SET_COVER_POSITION, LIVING_COVER, **{ATTR_POSITION: 0})
        )
        await calls.started.wait()
        assert hass.states.get(LIVING_COVER).state == CoverState.CLOSING
        calls.release()
        with pytest.raises(HomeAssistantError) as err:
            await task
    assert err.value.translation_key == "invalid_value"
    assert hass.states.get(LIVING_COVER).state == CoverState.OPEN


async def test_a_removed_shutter_sends_nothing_more(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    cloud_control: CloudControl,
) -> None:
    """A position waiting when the shutter is removed is dropped; nothing moves on screen."""
    before = await cloud_control.calls()
    with held(init_integration.runtime_data.client, "set_level") as calls:
        task = hass.async_create_task(_positions(hass, LIVING_COVER, [40, 20]))
        await calls.started.wait()
        cover = hass.data["entity_components"][COVER_DOMAIN].get_entity(LIVING_COVER)
        await cover.async_remove()
        calls.release()
        assert await task == [None, None]
    # No movement is estimated for an entity that is gone: no timer is left running.
    assert cover._cancel_moving is None
    assert await cloud_control.calls() - before == 1
    freezer.tick(timedelta(seconds=31))
    assert (await cloud_control.module(HC_PLANT, LIVING_SHUTTER))["position"] == 40

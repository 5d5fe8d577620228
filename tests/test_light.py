"""Tests for the lights: state, on/off, brightness scaling, and failed commands."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.light import DOMAIN as LIGHT_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.legrand_eliot.light import (
    brightness_to_level,
    level_to_brightness,
)
from tests.held_calls import held
from tests.polling import next_refresh

PLANT = "000000005d1e3bc13598330000000001"
DIMMER = "000070ee503ed5d46275620000000002"
CEILING = "000070ee503ed5d46275620000000005"
DIMMER_ENTITY = "light.salon_lumiere_salon"
CEILING_ENTITY = "light.cuisine_plafonnier_cuisine"
BEDSIDE_ENTITY = "light.chambre_lampe_chambre"


@pytest.fixture(autouse=True)
def only_lights() -> Generator[None]:
    """Set up the light platform alone."""
    with patch("custom_components.legrand_eliot.PLATFORMS", [Platform.LIGHT]):
        yield


async def _module(sim: TestClient, module_id: str) -> dict[str, Any]:
    """Return a module's state as the simulated cloud holds it."""
    state = await (await sim.get("/_sim/state")).json()
    return state["homecontrol"][PLANT]["modules"][module_id]


async def _turn(hass: HomeAssistant, service: str, **data: Any) -> None:
    """Call a light service and wait for it."""
    await hass.services.async_call(LIGHT_DOMAIN, service, data, blocking=True)


async def test_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every light of the demo home, with its color mode and brightness."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


def test_brightness_scaling() -> None:
    """Levels map onto the whole brightness range and back, and never round a light off."""
    assert level_to_brightness(0) == 0
    assert level_to_brightness(60) == 153
    assert level_to_brightness(100) == 255
    assert brightness_to_level(255) == 100
    assert brightness_to_level(153) == 60
    assert brightness_to_level(1) == 1
    assert all(
        brightness_to_level(level_to_brightness(level)) == level
        for level in range(1, 101)
    )


async def test_dimmer_reports_its_level(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A dimmer at level 60 shows brightness 153; a plain switch has no brightness."""
    dimmer = hass.states.get(DIMMER_ENTITY)
    assert dimmer.state == STATE_ON
    assert dimmer.attributes["brightness"] == 153
    assert dimmer.attributes["supported_color_modes"] == ["brightness"]
    ceiling = hass.states.get(CEILING_ENTITY)
    assert ceiling.state == STATE_OFF
    assert ceiling.attributes["supported_color_modes"] == ["onoff"]


async def test_turn_on_and_off(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Switching reaches the module and shows at once, without another poll."""
    counters = await (await sim.get("/_sim/counters")).json()
    await _turn(hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: CEILING_ENTITY})
    assert (await _module(sim, CEILING))["status"] == "on"
    assert hass.states.get(CEILING_ENTITY).state == STATE_ON

    await _turn(hass, SERVICE_TURN_OFF, **{ATTR_ENTITY_ID: CEILING_ENTITY})
    assert (await _module(sim, CEILING))["status"] == "off"
    assert hass.states.get(CEILING_ENTITY).state == STATE_OFF

    after = await (await sim.get("/_sim/counters")).json()
    assert after["total"] - counters["total"] == 2


async def test_brightness_reaches_the_module(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Brightness 64 of 255 is sent as level 25, and shows as brightness 64 at once."""
    await _turn(
        hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: DIMMER_ENTITY, "brightness": 64}
    )
    module = await _module(sim, DIMMER)
    assert module["level"] == 25
    assert module["status"] == "on"
    state = hass.states.get(DIMMER_ENTITY)
    assert state.state == STATE_ON
    assert state.attributes["brightness"] == level_to_brightness(25) == 64


async def test_dimmer_turned_off_and_on_keeps_its_level(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Turning a dimmer on without a brightness sends on/off, not a level."""
    await _turn(hass, SERVICE_TURN_OFF, **{ATTR_ENTITY_ID: DIMMER_ENTITY})
    await _turn(hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: DIMMER_ENTITY})
    module = await _module(sim, DIMMER)
    assert module["status"] == "on"
    assert module["level"] == 60
    assert hass.states.get(DIMMER_ENTITY).attributes["brightness"] == 153


async def test_brightness_ignored_by_a_plain_switch(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A light that does not dim is switched on; no level is sent that it would refuse."""
    await _turn(
        hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: BEDSIDE_ENTITY, "brightness": 10}
    )
    module = await _module(sim, "000070ee503ed5d46275620000000006")
    assert module["status"] == "on"
    assert module["level"] is None


async def test_physical_press_shows_on_next_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A light switched on the wall reaches Home Assistant with the next poll."""
    response = await sim.post(f"/_sim/modules/{DIMMER}/physical", json={"level": 30})
    assert response.status == 200
    assert hass.states.get(DIMMER_ENTITY).attributes["brightness"] == 153
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert hass.states.get(DIMMER_ENTITY).attributes["brightness"] == 76


async def test_offline_gateway_refuses_the_command(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A gateway gone offline fails the command with a message naming the light."""
    await sim.post(f"/_sim/plants/{PLANT}/online", json={"online": False})
    with pytest.raises(HomeAssistantError) as err:
        await _turn(hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: CEILING_ENTITY})
    assert err.value.translation_key == "not_found"
    assert err.value.translation_placeholders == {"device": "Plafonnier Cuisine"}
    assert hass.states.get(CEILING_ENTITY).state == STATE_OFF


async def test_quota_refusal_applies_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """The cloud's quota answer fails the command, says when calls resume, changes nothing."""
    await sim.post(
        "/_sim/faults",
        json={
            "status": 403,
            "match": CEILING,
            "message": "Out of call volume quota. Quota will be replenished in 01:00:00.",
        },
    )
    with pytest.raises(HomeAssistantError) as err:
        await _turn(hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: CEILING_ENTITY})
    assert err.value.translation_key == "quota_exhausted"
    assert "resume_time" in err.value.translation_placeholders
    assert hass.states.get(CEILING_ENTITY).state == STATE_OFF
    assert (await _module(sim, CEILING))["status"] == "off"


async def test_unreachable_module_is_unavailable(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A light its gateway cannot reach is unavailable, and comes back when it answers."""
    await sim.post(f"/_sim/modules/{CEILING}/physical", json={"reachable": False})
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert hass.states.get(CEILING_ENTITY).state == STATE_UNAVAILABLE
    assert hass.states.get(DIMMER_ENTITY).state == STATE_ON

    await sim.post(f"/_sim/modules/{CEILING}/physical", json={"reachable": True})
    await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)
    assert hass.states.get(CEILING_ENTITY).state == STATE_OFF


async def test_light_that_starts_reporting_a_level_dims(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A switch first seen without a level gains brightness once it reports one."""
    assert hass.states.get(CEILING_ENTITY).attributes["supported_color_modes"] == [
        "onoff"
    ]
    init_integration.runtime_data.coordinator.apply_module_state(
        CEILING, on=True, level=50
    )
    await hass.async_block_till_done()
    state = hass.states.get(CEILING_ENTITY)
    assert state.attributes["supported_color_modes"] == ["brightness"]
    assert state.attributes["brightness"] == 128


async def _counted_calls(sim: TestClient) -> int:
    """Return how many calls the simulated cloud has answered."""
    return int((await (await sim.get("/_sim/counters")).json())["total"])


async def _dim(hass: HomeAssistant, brightnesses: list[int]) -> list[None]:
    """Ask the dimmer for each brightness at once, as a dragged slider does."""
    return await asyncio.gather(
        *(
            _turn(
                hass,
                SERVICE_TURN_ON,
                **{ATTR_ENTITY_ID: DIMMER_ENTITY, "brightness": brightness},
            )
            for brightness in brightnesses
        )
    )


async def test_a_dragged_slider_costs_two_calls_and_ends_where_asked(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Fifty brightnesses asked at once: two calls, the light at the last one."""
    before = await _counted_calls(sim)
    outcomes = await _dim(hass, list(range(5, 255, 5)))
    assert outcomes == [None] * 50
    assert await _counted_calls(sim) - before <= 2
    assert (await _module(sim, DIMMER))["level"] == brightness_to_level(250) == 98
    assert hass.states.get(DIMMER_ENTITY).attributes["brightness"] == (
        level_to_brightness(98)
    )


async def test_turning_on_keeps_a_brightness_on_its_way(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A plain turn-on after a brightness not yet sent sends that brightness, not the old one."""
    await asyncio.gather(
        _turn(
            hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: DIMMER_ENTITY, "brightness": 64}
        ),
        _turn(
            hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: DIMMER_ENTITY, "brightness": 128}
        ),
        _turn(hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: DIMMER_ENTITY}),
    )
    module = await _module(sim, DIMMER)
    assert (module["status"], module["level"]) == ("on", 50)
    assert hass.states.get(DIMMER_ENTITY).attributes["brightness"] == 128


async def test_the_last_of_on_and_off_wins(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A brightness then off: the light ends off, though the brightness was asked first."""
    before = await _counted_calls(sim)
    await asyncio.gather(
        _turn(
            hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: DIMMER_ENTITY, "brightness": 10}
        ),
        _turn(
            hass, SERVICE_TURN_ON, **{ATTR_ENTITY_ID: DIMMER_ENTITY, "brightness": 20}
        ),
        _turn(hass, SERVICE_TURN_OFF, **{ATTR_ENTITY_ID: DIMMER_ENTITY}),
    )
    assert await _counted_calls(sim) - before == 2
    assert (await _module(sim, DIMMER))["status"] == "off"
    assert hass.states.get(DIMMER_ENTITY).state == STATE_OFF


async def test_a_removed_light_sends_nothing_more(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Brightnesses waiting when the light is removed are dropped; the one in flight ends."""
    before = await _counted_calls(sim)
    with held(init_integration.runtime_data.client, "set_level") as calls:
        task = hass.async_create_task(_dim(hass, [64, 128, 255]))
        await calls.started.wait()
        light = hass.data["entity_components"][LIGHT_DOMAIN].get_entity(DIMMER_ENTITY)
        await light.async_remove()
        assert hass.states.get(DIMMER_ENTITY).state == STATE_UNAVAILABLE
        calls.release()
        assert await task == [None] * 3
    assert await _counted_calls(sim) - before == 1
    assert (await _module(sim, DIMMER))["level"] == 25

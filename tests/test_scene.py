"""Tests for the Home + Control scenes."""

from __future__ import annotations

from homeassistant.components.scene import DOMAIN as SCENE_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON, Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import SimulatedCloud
from tests.cloud import CloudControl
from tests.demo import HC_PLANT, TV_PLUG
from tests.entities import PlatformSnapshot

ALL_OFF = "scene.tout_eteindre"
LIGHTS = (
    "000070ee503ed5d46275620000000002",
    "000070ee503ed5d46275620000000005",
    "000070ee503ed5d46275620000000006",
)


pytestmark = pytest.mark.platforms(Platform.SCENE)


async def test_snapshot(platform_snapshot: PlatformSnapshot) -> None:
    """Both scenes of the demo home, named as the plant names them."""
    await platform_snapshot()


async def test_scenes_are_named_as_the_plant_names_them(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A scene is called by its own name, without the home's, as a voice command says it."""
    assert hass.states.get(ALL_OFF).name == "Tout éteindre"
    assert hass.states.get("scene.bonjour").name == "Bonjour"


async def test_run_a_scene(
    hass: HomeAssistant, init_integration: MockConfigEntry, cloud_control: CloudControl
) -> None:
    """Running a scene reaches the plant, which carries out its commands."""
    assert (await cloud_control.modules(HC_PLANT))[TV_PLUG]["status"] == "on"
    await hass.services.async_call(
        SCENE_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: ALL_OFF}, blocking=True
    )
    modules = await cloud_control.modules(HC_PLANT)
    assert all(modules[light]["status"] == "off" for light in (*LIGHTS, TV_PLUG))
    assert hass.states.get(ALL_OFF).state != "unknown"


async def test_a_scene_listed_twice_is_one_scene(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A scenes answer naming a scene twice gives one scene entity, and no unique id clash."""
    scenes = cloud.world.hc_plants[HC_PLANT].scenes
    scenes.append(scenes[0])
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert sorted(hass.states.async_entity_ids(SCENE_DOMAIN)) == [
        "scene.bonjour",
        ALL_OFF,
    ]
    assert "does not generate unique IDs" not in caplog.text
    # The account holds it once: diagnostics and the kept account list it once too.
    scenes_read = config_entry.runtime_data.coordinator.data.home_control[
        HC_PLANT
    ].scenes
    assert sorted(scene.name for scene in scenes_read) == ["Bonjour", "Tout éteindre"]

"""Home + Control scenes, run from Home Assistant."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any, override

from homeassistant.components.scene import Scene
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import LegrandEliotConfigEntry, LegrandEliotCoordinator
from .discovery import Candidate, async_add_entities_when_seen
from .eliot.home_control_models import Scene as PlantScene
from .entity import PlantEntity
from .error_mapping import eliot_command

PARALLEL_UPDATES = 1

SCENE = EntityDescription(key="scene")


def _candidates(
    coordinator: LegrandEliotCoordinator,
) -> Iterator[Candidate]:
    """Yield a scene entity for every scene of every Home + Control plant."""
    for plant in coordinator.data.home_control.values():
        for scene in plant.scenes:
            yield Candidate(
                scene.id,
                f"{scene.id}_{SCENE.key}",
                partial(EliotScene, coordinator, plant.plant.id, scene.id, SCENE),
            )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add every scene, now and when one appears."""
    async_add_entities_when_seen(entry, async_add_entities, _candidates)


class EliotScene(PlantEntity, Scene):
    """A scene of a plant, named as the Home + Control app names it and nothing more.

    A scene is no device, and on its gateway's device its name would carry the home's name
    ("Maison Bonjour"), which nobody says to a voice assistant: it stands on its own.
    """

    def __init__(
        self,
        coordinator: LegrandEliotCoordinator,
        plant_id: str,
        scene_id: str,
        description: EntityDescription,
    ) -> None:
        """Name the scene as the plant does."""
        super().__init__(coordinator, plant_id, scene_id, description)
        self.scene_id = scene_id
        scene = self._scene()
        if scene is not None and scene.name:
            self._attr_name = scene.name
            self._attr_device_info = None
        else:
            # Without a name of its own it is known by its gateway's.
            self._attr_name = None

    @property
    @override
    def device_name(self) -> str:
        """Return the scene's name, as error messages name it."""
        return self._attr_name or super().device_name

    def _scene(self) -> PlantScene | None:
        """Return the scene as the latest scenes list has it."""
        scenes = self.plant.scenes if self.plant is not None else []
        return next((scene for scene in scenes if scene.id == self.scene_id), None)

    @property
    @override
    def available(self) -> bool:
        """Return whether the gateway answered and still has this scene."""
        plant = self.plant
        return (
            super().available
            and plant is not None
            and plant.available
            and (self._scene() is not None)
        )

    @eliot_command
    @override
    async def async_activate(self, **kwargs: Any) -> None:
        """Run the scene; its modules' new states come with the next poll."""
        await self.client.run_scene(self.plant_id, self.scene_id)

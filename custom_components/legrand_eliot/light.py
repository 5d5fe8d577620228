"""Lights of Home + Control: on/off, and brightness when the module dims."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, override

from homeassistant.components.light import LightEntity, LightEntityDescription
from homeassistant.components.light.const import ATTR_BRIGHTNESS, ColorMode
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .command_entities import ModuleCommandEntity
from .coordinator import LegrandEliotConfigEntry, LegrandEliotCoordinator
from .discovery import async_add_entities_when_seen, module_candidates
from .eliot import DeviceKind
from .eliot.home_control_models import ModuleState
from .eliot.plant_models import Module
from .entity import ModuleEntityDescription
from .error_mapping import eliot_command

# Each light's commands are coalesced by its own queue and the client sends one request at a
# time: a platform-wide turn would hold every press behind the answer to the previous one.
PARALLEL_UPDATES = 0

# The one Legrand light switch documented as a dimmer; others dim when they report a level.
DIMMER_HW_TYPES = frozenset({"NLF"})


def is_dimmer(module: Module, state: ModuleState) -> bool:
    """Return whether a light module dims: a documented dimmer, or one reporting a level."""
    return (module.hw_type or "").upper() in DIMMER_HW_TYPES or state.level is not None


def level_to_brightness(level: int) -> int:
    """Convert the API's level (0-100) to Home Assistant's brightness (0-255)."""
    return round(level * 255 / 100)


def brightness_to_level(brightness: int) -> int:
    """Convert a brightness (1-255) to a level (1-100); a dim light never rounds down to off."""
    return max(1, min(100, round(brightness * 100 / 255)))


@dataclass(frozen=True, kw_only=True)
class EliotLightEntityDescription(LightEntityDescription, ModuleEntityDescription):
    """A light of a module kind."""


LIGHTS: tuple[EliotLightEntityDescription, ...] = (
    EliotLightEntityDescription(key="light", name=None, kinds=(DeviceKind.LIGHT,)),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a light for every lighting module, now and when one appears."""
    async_add_entities_when_seen(
        entry,
        async_add_entities,
        lambda coordinator: module_candidates(coordinator, LIGHTS, EliotLight),
    )


class EliotLight(ModuleCommandEntity, LightEntity):
    """A light switch or dimmer."""

    entity_description: EliotLightEntityDescription

    def __init__(
        self,
        coordinator: LegrandEliotCoordinator,
        module_id: str,
        description: EliotLightEntityDescription,
    ) -> None:
        """Choose the color mode once: a light that dims keeps its brightness control."""
        super().__init__(coordinator, module_id, description)
        module = self.module
        assert module is not None
        self._dimmer = is_dimmer(module, self.module_state)
        self._set_color_mode()

    def _set_color_mode(self) -> None:
        """Offer brightness to dimmers, on/off to the others."""
        mode = ColorMode.BRIGHTNESS if self._dimmer else ColorMode.ONOFF
        self._attr_color_mode = mode
        self._attr_supported_color_modes = {mode}

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Learn that a light dims when it first reports a level."""
        if not self._dimmer and self.module_state.level is not None:
            self._dimmer = True
            self._set_color_mode()
        super()._handle_coordinator_update()

    @property
    @override
    def is_on(self) -> bool | None:
        """Return whether the light is on."""
        return self.module_state.on

    @property
    @override
    def brightness(self) -> int | None:
        """Return the brightness (0-255) of a dimmer."""
        level = self.module_state.level
        if not self._dimmer or level is None or level < 0:
            return None
        return level_to_brightness(level)

    def _level_to_send(self, kwargs: dict[str, Any]) -> int | None:
        """Return the level a turn-on sends: the one given, or one asked and not yet answered.

        A plain turn-on after a brightness still on its way keeps that brightness: the level
        turns the light on too, so the newest intent is to be on at that level.
        """
        if not self._dimmer:
            return None
        if ATTR_BRIGHTNESS in kwargs:
            return brightness_to_level(kwargs[ATTR_BRIGHTNESS])
        asked = self.asked
        return None if asked is None or not asked.get("on") else asked.get("level")

    @eliot_command
    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the light on, at a brightness when one is given and the light dims."""
        if (level := self._level_to_send(kwargs)) is not None:
            await self._command(
                partial(
                    self.client.set_level,
                    self.plant_id,
                    self.module_id,
                    DeviceKind.LIGHT,
                    level,
                ),
                on=True,
                level=level,
            )
            return
        await self._command(
            partial(
                self.client.switch,
                self.plant_id,
                self.module_id,
                DeviceKind.LIGHT,
                True,
            ),
            on=True,
        )

    @eliot_command
    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the light off; it draws no power then."""
        await self._command(
            partial(
                self.client.switch,
                self.plant_id,
                self.module_id,
                DeviceKind.LIGHT,
                False,
            ),
            on=False,
            power=0.0,
        )

"""The account's rooms as Home Assistant areas, made in one go before the devices that name them.

Home Assistant's frontend learns new areas and new devices from two lists it fetches again
after registry changes, each at most every half second. When each device brings its own new
area, the "Name and assign" step after linking can receive a device before its area and shows
"Unknown area selected". Areas that all exist before the first device is registered reach the
browser first.

A room's type in the Home + Control app gives its new area an icon; an area that already exists
keeps its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import logging
import re

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import area_registry as ar

from .eliot import EliotClient
from .eliot.exceptions import EliotError
from .eliot.ids import hashed_id
from .eliot.plant_models import Ambient, Module, Plant, Topology

_LOGGER = logging.getLogger(__name__)

# The icon of each room type, keyed by the type without case, spaces or underscores
# ("living_room", "Living room" and "livingroom" are one type). Legrand's topology has shown
# livingroom, kitchen, bedroom, dining_room, lobby and home_office; a type not listed here gives
# the area no icon (Home Assistant's generic one).
ROOM_TYPE_ICONS: dict[str, str] = {
    "livingroom": "mdi:sofa",
    "kitchen": "mdi:stove",
    "bedroom": "mdi:bed",
    "diningroom": "mdi:silverware-fork-knife",
    "lobby": "mdi:door",
    "entrance": "mdi:door",
    "hallway": "mdi:door",
    "homeoffice": "mdi:desk",
    "office": "mdi:desk",
    "bathroom": "mdi:shower",
    "toilet": "mdi:toilet",
    "garage": "mdi:garage",
    "garden": "mdi:flower",
    "laundry": "mdi:washing-machine",
    "kidsroom": "mdi:teddy-bear",
}


@dataclass(frozen=True, slots=True)
class Room:
    """An area to create: its name, and its icon when the room's type has one."""

    name: str
    icon: str | None = None


def room_icon(room_type: str | None) -> str | None:
    """Return the icon of a Home + Control room type; None for no type or an unknown one."""
    if room_type is None:
        return None
    return ROOM_TYPE_ICONS.get(re.sub(r"[\s_-]", "", room_type.lower()))


def _module_ambient(topology: Topology, module: Module) -> Ambient | None:
    """Return the named room a Home + Control module is in, if it is in one."""
    if module.ambient_id is None:
        return None
    return next(
        (
            ambient
            for ambient in topology.ambients
            if ambient.id == module.ambient_id and ambient.name
        ),
        None,
    )


def module_area(topology: Topology, module: Module) -> str | None:
    """Return the area a Home + Control module suggests: the room it is in, if it is in one."""
    ambient = _module_ambient(topology, module)
    return None if ambient is None else ambient.name


def thermostat_area(module: Module) -> str | None:
    """Return the area a thermostat suggests: its own name.

    The Smarther API has no rooms, and a thermostat is named after the room it heats.
    """
    return module.name or None


def rooms(home_control: Iterable[Topology], smarther: Iterable[Topology]) -> list[Room]:
    """Return the areas the account's devices will suggest, each once, in the order first met.

    A name met in several homes takes the icon of the first of its rooms that has one.
    """
    icons: dict[str, str | None] = {}
    for topology in home_control:
        for module in topology.modules:
            if (ambient := _module_ambient(topology, module)) is None:
                continue
            assert ambient.name is not None
            icon = room_icon(ambient.ambient_type)
            if icons.get(ambient.name) is None:
                icons[ambient.name] = icon
    for topology in smarther:
        for module in topology.modules:
            if (name := thermostat_area(module)) and name not in icons:
                icons[name] = None
    return [Room(name, icon) for name, icon in icons.items()]


async def async_read_rooms(
    client: EliotClient, home_control: Iterable[Plant], smarther: Iterable[Plant]
) -> list[Room]:
    """Read each plant's topology and return its rooms; a plant that fails gives none."""
    hc_topologies: list[Topology] = []
    smarther_topologies: list[Topology] = []
    for plant in home_control:
        try:
            hc_topologies.append(await client.hc_topology(plant.id))
        except EliotError as err:
            _LOGGER.debug(
                "The rooms of plant %s could not be read: %s", hashed_id(plant.id), err
            )
    for plant in smarther:
        try:
            smarther_topologies.append(await client.smarther_topology(plant.id))
        except EliotError as err:
            _LOGGER.debug(
                "The thermostats of plant %s could not be read: %s",
                hashed_id(plant.id),
                err,
            )
    return rooms(hc_topologies, smarther_topologies)


@callback
def async_create_areas(hass: HomeAssistant, new_rooms: Iterable[Room]) -> None:
    """Create the areas these rooms call for, all at once; an existing area is kept as it is.

    One synchronous pass: the browser's first look at the areas after the first one appears
    already finds every one of them. A new area gets its room's icon; an existing one keeps its
    icon, whatever the room's type says.
    """
    registry = ar.async_get(hass)
    for room in new_rooms:
        if registry.async_get_area_by_name(room.name) is None:
            registry.async_create(room.name, icon=room.icon)

"""The account's rooms as Home Assistant areas, made in one go before the devices that name them.

Home Assistant's frontend learns new areas and new devices from two lists it fetches again
after registry changes, each at most every half second. When each device brings its own new
area, the "Name and assign" step after linking can receive a device before its area and shows
"Unknown area selected". Areas that all exist before the first device is registered reach the
browser first.
"""

from __future__ import annotations

from collections.abc import Iterable
import logging

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import area_registry as ar

from .eliot import EliotClient
from .eliot.exceptions import EliotError
from .eliot.ids import hashed_id
from .eliot.models import Module, Plant, Topology

_LOGGER = logging.getLogger(__name__)


def module_area(topology: Topology, module: Module) -> str | None:
    """Return the area a Home + Control module suggests: the room it is in, if it is in one."""
    if module.ambient_id is None:
        return None
    return next(
        (
            ambient.name
            for ambient in topology.ambients
            if ambient.id == module.ambient_id and ambient.name
        ),
        None,
    )


def thermostat_area(module: Module) -> str | None:
    """Return the area a thermostat suggests: its own name.

    The Smarther API has no rooms, and a thermostat is named after the room it heats.
    """
    return module.name or None


def room_names(
    home_control: Iterable[Topology], smarther: Iterable[Topology]
) -> list[str]:
    """Return the areas the account's devices will suggest, each once, in the order first met."""
    names = [
        name
        for topology in home_control
        for module in topology.modules
        if (name := module_area(topology, module))
    ]
    names.extend(
        name
        for topology in smarther
        for module in topology.modules
        if (name := thermostat_area(module))
    )
    return list(dict.fromkeys(names))


async def async_read_room_names(
    client: EliotClient, home_control: Iterable[Plant], smarther: Iterable[Plant]
) -> list[str]:
    """Read each plant's topology and return its room names; a plant that fails gives none."""
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
    return room_names(hc_topologies, smarther_topologies)


@callback
def async_create_areas(hass: HomeAssistant, names: Iterable[str]) -> None:
    """Create the areas these names call for, all at once; an existing area is kept as it is.

    One synchronous pass: the browser's first look at the areas after the first one appears
    already finds every one of them.
    """
    registry = ar.async_get(hass)
    for name in names:
        registry.async_get_or_create(name)

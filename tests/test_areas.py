"""The account's rooms as areas: which rooms, in which order, with which icon."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
import pytest

from custom_components.legrand_eliot.areas import (
    Room,
    async_create_areas,
    room_icon,
    rooms,
)
from custom_components.legrand_eliot.eliot.plant_models import Topology


def hc_topology(plant_id: str, ambients: list[dict[str, Any]]) -> Topology:
    """Return a Home + Control topology with these rooms, each holding one plug."""
    return Topology.from_dict(
        {
            "plant": {
                "id": plant_id,
                "ambients": [
                    {
                        **ambient,
                        "id": f"{plant_id}-{index}",
                        "modules": [
                            {"id": f"{plant_id}-{index}-plug", "device": "plug"}
                        ],
                    }
                    for index, ambient in enumerate(ambients)
                ],
                "modules": [{"id": f"{plant_id}-remote", "device": "remote"}],
            }
        },
        plant_id,
    )


def thermostats(plant_id: str, *names: str) -> Topology:
    """Return a Smarther topology with one thermostat of each name."""
    return Topology.from_dict(
        {
            "plant": {
                "id": plant_id,
                "modules": [
                    {
                        "id": f"{plant_id}-{name}",
                        "name": name,
                        "device": "chronothermostat",
                    }
                    for name in names
                ],
            }
        },
        plant_id,
    )


@pytest.mark.parametrize(
    ("room_type", "icon"),
    [
        # The types Legrand's topology has shown.
        ("livingroom", "mdi:sofa"),
        ("kitchen", "mdi:stove"),
        ("bedroom", "mdi:bed"),
        ("dining_room", "mdi:silverware-fork-knife"),
        ("lobby", "mdi:door"),
        ("home_office", "mdi:desk"),
        # The same types written otherwise.
        ("Living room", "mdi:sofa"),
        ("living_room", "mdi:sofa"),
        ("DININGROOM", "mdi:silverware-fork-knife"),
        ("home-office", "mdi:desk"),
        # No type, or one without an icon: the generic area icon.
        ("attic", None),
        ("", None),
        (None, None),
    ],
)
def test_room_icon(room_type: str | None, icon: str | None) -> None:
    """A room's type in the Home + Control app chooses its area's icon."""
    assert room_icon(room_type) == icon


def test_rooms_in_the_order_met_each_once() -> None:
    """Rooms with a device, then each thermostat's room; a name met again is one area.

    A name met in two homes takes the icon of the first of its rooms that has one.
    """
    first = hc_topology(
        "hc-1",
        [
            {"name": "Salon", "type": "livingroom"},
            {"name": "Bureau"},
            {"name": "", "type": "kitchen"},
        ],
    )
    second = hc_topology(
        "hc-2",
        [
            {"name": "Bureau", "type": "home_office"},
            {"name": "Salon", "type": "kitchen"},
        ],
    )

    assert rooms([first, second], [thermostats("sm-1", "Soggiorno", "Salon")]) == [
        Room("Salon", "mdi:sofa"),
        Room("Bureau", "mdi:desk"),
        Room("Soggiorno", None),
    ]


async def test_new_areas_get_their_icon_existing_ones_keep_theirs(
    hass: HomeAssistant, area_registry: ar.AreaRegistry
) -> None:
    """Only a new area takes the room's icon; an area the user already has is left alone."""
    area_registry.async_create("salon", icon="mdi:television")
    area_registry.async_create("Bureau")

    async_create_areas(
        hass,
        [
            Room("Salon", "mdi:sofa"),
            Room("Bureau", "mdi:desk"),
            Room("Cuisine", "mdi:stove"),
            Room("Soggiorno", None),
        ],
    )

    assert {area.name: area.icon for area in area_registry.async_list_areas()} == {
        "salon": "mdi:television",
        "Bureau": None,
        "Cuisine": "mdi:stove",
        "Soggiorno": None,
    }

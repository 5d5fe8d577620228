"""The account's rooms as areas: which rooms, in which order, with which icon, made when."""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import area_registry as ar, device_registry as dr
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.areas import (
    Room,
    async_create_areas,
    room_icon,
    rooms,
)
from custom_components.legrand_eliot.eliot.plant_models import Topology
from simulator import SimulatedCloud

from .flows import FLOW_FIXTURES, WithTheSimulatedCloud, add_account, link, mock_cloud


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


def area_names(hass: HomeAssistant) -> list[str]:
    """Return the names of every area Home Assistant has."""
    return sorted(area.name for area in ar.async_get(hass).async_list_areas())


@pytest.mark.usefixtures(*FLOW_FIXTURES)
async def test_rooms_are_areas_before_the_entry_is_set_up(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    no_setup: Any,
) -> None:
    """The rooms that hold a device, and each thermostat's room, are areas before setup starts.

    An empty room gets no area; a room already there (in another case) is not made twice and
    keeps its own icon.
    """
    existing = ar.async_get(hass).async_create("salon")
    seen_at_setup: list[list[str]] = []
    no_setup.side_effect = lambda hass, entry: seen_at_setup.append(area_names(hass))
    no_setup.return_value = True
    mock_cloud(aioclient_mock)
    result = await link(hass, hass_client_no_auth)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert seen_at_setup == [["Soggiorno", "salon"]]
    assert ar.async_get(hass).async_get_area_by_name("Salon") == existing
    assert existing.icon is None


@pytest.mark.parametrize(
    ("broken", "areas"), [("hc", ["Soggiorno"]), ("smarther", ["Salon"])]
)
@pytest.mark.usefixtures(*FLOW_FIXTURES)
async def test_a_plant_whose_rooms_cannot_be_read_gives_no_area(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    broken: str,
    areas: list[str],
) -> None:
    """A topology that fails to read: that plant's rooms get no area, the account still links."""
    mock_cloud(aioclient_mock, broken_topology=broken)
    result = await link(hass, hass_client_no_auth)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert area_names(hass) == areas


@pytest.mark.usefixtures(*FLOW_FIXTURES)
class TestWithTheSimulatedCloud(WithTheSimulatedCloud):
    """Areas and devices as the browser learns them."""

    async def test_every_area_exists_before_the_first_device(
        self,
        hass: HomeAssistant,
        hass_client_no_auth: ClientSessionGenerator,
        cloud: SimulatedCloud,
    ) -> None:
        """The browser learns every new area before any new device that is in one.

        Home Assistant's frontend fetches its area and device lists again, at most every half
        second, after the registries change. When each device brings its own new area, the
        "Name and assign" step shown with the created entry can hold a device whose area the
        browser does not know yet ("Unknown area selected"). Every area made in one go before
        the first device reaches the browser first.
        """
        changes: list[tuple[str, str]] = []

        @callback
        def note(kind: str, event: Event[Any]) -> None:
            if event.data["action"] == "create":
                changes.append((kind, event.data.get("area_id") or ""))

        hass.bus.async_listen(ar.EVENT_AREA_REGISTRY_UPDATED, partial(note, "area"))
        hass.bus.async_listen(dr.EVENT_DEVICE_REGISTRY_UPDATED, partial(note, "device"))
        result = await add_account(hass, hass_client_no_auth, cloud)

        assert result["type"] is FlowResultType.CREATE_ENTRY
        devices = dr.async_entries_for_config_entry(
            dr.async_get(hass), result["result"].entry_id
        )
        assert devices
        kinds = [kind for kind, _ in changes]
        first_device = kinds.index("device")
        assert "area" not in kinds[first_device:]
        # Every area made holds a device, and each device is in the area its room names.
        areas = ar.async_get(hass)
        made = {area_id for kind, area_id in changes if kind == "area"}
        assert made == {device.area_id for device in devices if device.area_id}
        rooms = {
            device.name: areas.async_get_area(device.area_id).name
            for device in devices
            if device.area_id
        }
        assert rooms["Lumière Salon"] == "Salon"
        assert rooms["Soggiorno"] == "Soggiorno"
        # Each room's type in the app gives its new area an icon; the Smarther API has none.
        icons = {area.name: area.icon for area in areas.async_list_areas()}
        assert icons == {
            "Salon": "mdi:sofa",
            "Cuisine": "mdi:stove",
            "Chambre": "mdi:bed",
            "Bureau": "mdi:desk",
            "Soggiorno": None,
            "Camera": None,
        }
        await hass.async_block_till_done()

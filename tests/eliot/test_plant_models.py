"""What both APIs share: the plants list and a plant's topology."""

from __future__ import annotations

import pytest

from custom_components.legrand_eliot.eliot.const import DeviceKind
from custom_components.legrand_eliot.eliot.exceptions import EliotResponseError
from custom_components.legrand_eliot.eliot.plant_models import (
    parse_plants,
    parse_topology,
)

from .conftest import ENDPOINT


def test_topology_modules_without_rooms_and_duplicates() -> None:
    """A module listed in a room and at the top level appears once, with its room."""
    data = {
        "plant": {
            "ambients": [{"id": "a1", "modules": [{"id": "m1", "device": "Light"}]}],
            "modules": [
                {"id": "m1", "device": "light"},
                {"id": "m2", "device": "Energy_Meter"},
            ],
        }
    }

    topology = parse_topology(data, "plant-from-request", ENDPOINT)

    assert topology.plant_id == "plant-from-request"
    assert [(m.id, m.device, m.ambient_id) for m in topology.modules] == [
        ("m1", DeviceKind.LIGHT, "a1"),
        ("m2", DeviceKind.ENERGYMETER, None),
    ]
    assert topology.module("m3") is None


def test_plants_bare_list_and_204() -> None:
    """Plants may come wrapped or bare; no body is no plants."""
    assert [
        plant.id for plant in parse_plants([{"id": 17, "type": "home"}], ENDPOINT)
    ] == ["17"]
    assert parse_plants(None, ENDPOINT) == []
    with pytest.raises(EliotResponseError):
        parse_plants({"plants": [{"name": "no id"}]}, ENDPOINT)

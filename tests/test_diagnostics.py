"""Tests for diagnostics: useful for support, with no secret and no raw id in them."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.const import DOMAIN
from simulator import SimulatedCloud


def _assert_nothing_secret(
    text: str, entry: MockConfigEntry, cloud: SimulatedCloud
) -> None:
    """No token, key, secret, e-mail address or raw plant/module id in a dump."""
    token = entry.data["token"]
    for secret in (
        token["access_token"],
        token["refresh_token"],
        token["id_token"],
        cloud.subscription_key,
        cloud.client_secret,
        cloud.user().email,
    ):
        assert secret not in text
    for plant in entry.runtime_data.coordinator.data.home_control.values():
        assert plant.plant.id not in text
        for module in plant.topology.modules:
            assert module.id not in text


async def test_entry_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """The entry dump has topology, states, quota and schedule, and hides what must be hidden."""
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    text = json.dumps(result)
    _assert_nothing_secret(text, init_integration, cloud)
    assert result["entry"]["data"]["subscription_key"] == "**REDACTED**"
    assert result["entry"]["data"]["token"] == "**REDACTED**"
    assert result["quota"]["daily_limit"] == 500
    assert (
        result["quota"]["used"]
        == init_integration.runtime_data.coordinator.budget.calls_used
    )
    assert result["schedule"]["calls_per_refresh"] == 3
    assert result["schedule"]["update_interval_seconds"] >= 60
    home_control = result["account"]["home_control"][0]
    assert home_control["plant"]["name"] == "Maison"
    assert home_control["plant"]["id"].startswith("id-")
    # Ids are hashed the same way everywhere, so a module can be followed through the dump.
    status_ids = set(home_control["status"]["modules"])
    topology_ids = {module["id"] for module in home_control["topology"]["modules"]}
    assert status_ids
    assert status_ids <= topology_ids
    assert len(result["account"]["smarther"][0]["thermostats"]) == 2


async def test_device_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """A thermostat's dump shows its status and programs, and nothing secret."""
    plant = next(iter(init_integration.runtime_data.coordinator.data.smarther.values()))
    module = plant.topology.modules[0]
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={(DOMAIN, module.id)}
    )
    result = await get_diagnostics_for_device(
        hass, hass_client, init_integration, device
    )
    text = json.dumps(result)
    _assert_nothing_secret(text, init_integration, cloud)
    assert module.id not in text
    [dumped] = result["modules"]
    assert dumped["module"]["name"] == module.name
    assert dumped["state"]["mode"] in {
        "automatic",
        "manual",
        "boost",
        "off",
        "protection",
    }
    assert dumped["programs"]
    assert dumped["available"] is True

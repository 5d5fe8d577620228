"""Tests for the repair issues the integration raises and clears by itself."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.const import DOMAIN
from simulator import SimulatedCloud

from .actions import Action
from .cloud import HC_PLANT, fault
from .entities import plug_entity
from .polling import Polled, next_refresh, polling_coordinator, thermostat_ids
from .registry import CLIMATE, entry_devices, entry_entities


@pytest.mark.parametrize(
    ("flag", "issue"),
    [
        ("app-password-expired", "app_password_expired"),
        ("terms-expired", "terms_expired"),
    ],
)
async def test_thermostat_app_problems_raise_issues_that_clear(
    hass: HomeAssistant,
    polled: Polled,
    flag: str,
    issue: str,
) -> None:
    """469 / 470: thermostats unavailable and a repair issue, both gone when the API answers."""
    user = polled.cloud.user().email
    await polled.sim.post(f"/_sim/users/{user}/{flag}", json={"expired": True})
    await polled.refresh()
    issue_id = f"{issue}_{polled.entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    plant = next(iter(polled.coordinator.data.smarther.values()))
    assert plant.unavailable == set(thermostat_ids(polled.coordinator))
    assert polled.coordinator.data.home_control[HC_PLANT].available
    await polled.sim.post(f"/_sim/users/{user}/{flag}", json={"expired": False})
    await polled.refresh()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert not plant.unavailable


@pytest.mark.parametrize(
    ("flag", "issue"),
    [
        ("app-password-expired", "app_password_expired"),
        ("terms-expired", "terms_expired"),
    ],
)
async def test_thermostat_app_problems_met_by_a_command_raise_the_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    flag: str,
    issue: str,
) -> None:
    """469 / 470 on a command: it fails, explained, and the repair says what to do at once.

    No poll is needed (push may keep the thermostat fresh for half an hour); a plug that obeys
    says nothing of the Thermostat app; the next thermostat command that goes through clears it.
    """
    user = cloud.user().email
    issue_id = f"{issue}_{init_integration.entry_id}"
    climate = hass.states.async_all("climate")[0].entity_id
    set_point = {"entity_id": climate, "temperature": 21.5}
    await sim.post(f"/_sim/users/{user}/{flag}", json={"expired": True})
    statuses = cloud.counters["total"]

    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "climate", "set_temperature", set_point, blocking=True
        )
    assert err.value.translation_key == issue
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    # One call: the command's own.
    assert cloud.counters["total"] == statuses + 1

    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": plug_entity(hass)}, blocking=True
    )
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    await sim.post(f"/_sim/users/{user}/{flag}", json={"expired": False})
    await hass.services.async_call(
        "climate", "set_temperature", set_point, blocking=True
    )
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_other_command_errors_raise_no_thermostat_app_issue(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A command refused for another reason raises neither Thermostat app issue."""
    await fault(sim, status=430, match="/chronothermostat/", count=1)
    with pytest.raises(ServiceValidationError):
        await Action(init_integration).set_temperature(21.5)
    assert not [
        issue
        for (domain, issue) in ir.async_get(hass).issues
        if domain == DOMAIN and issue.startswith(("app_password", "terms"))
    ]


async def test_reload_with_expired_app_password_keeps_thermostats(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """A reload during a 469 keeps the thermostats; renewing brings them back, no reload."""
    devices = entry_devices(hass, init_integration)
    entities = entry_entities(hass, init_integration)
    issue_id = f"app_password_expired_{init_integration.entry_id}"
    user = cloud.user().email
    await sim.post(f"/_sim/users/{user}/app-password-expired", json={"expired": True})
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    coordinator = polling_coordinator(init_integration)
    assert entry_devices(hass, init_integration) == devices
    assert entry_entities(hass, init_integration) == entities
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert hass.states.get(CLIMATE).state == STATE_UNAVAILABLE
    await sim.post(f"/_sim/users/{user}/app-password-expired", json={"expired": False})
    await next_refresh(hass, freezer, coordinator)
    assert not ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert hass.states.get(CLIMATE).state != STATE_UNAVAILABLE
    assert entry_devices(hass, init_integration) == devices

"""Tests for the errors of commands: what the user reads for each answer the cloud gives an action."""

from __future__ import annotations

import logging

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.const import DOMAIN
from simulator import SimulatedCloud

from .actions import Action
from .cloud import HC_PLANT, fault
from .polling import thermostat_ids


async def test_bad_request_on_an_action(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """400 on a command: a translated error naming the endpoint."""
    await fault(sim, status=400, match="/plug/energy/", count=1)
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "bad_request"
    assert "{plantId}" in err.value.translation_placeholders["endpoint"]


async def test_forbidden_names_the_scope(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """403 without the quota message: a translated error naming the missing scope."""
    await fault(sim, status=403, match="/plug/energy/", count=1, message="Forbidden")
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "forbidden"
    assert err.value.translation_placeholders == {"scope": "plug.write"}


async def test_transient_failure_on_a_command_is_retried(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """A 500 on a command is retried a bounded number of times before it fails."""
    await fault(sim, status=500, match="/plug/energy/", count=1)
    await Action(init_integration).switch_plug()
    await fault(sim, status=502, match="/plug/energy/", count=10)
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "communication_error"


async def test_invalid_value_names_the_value(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """430: the action fails with a translated error naming the refused value."""
    await fault(sim, status=430, match="/chronothermostat/", count=1)
    with pytest.raises(ServiceValidationError) as err:
        await Action(init_integration).set_temperature(21.5)
    assert err.value.translation_key == "invalid_value"
    assert err.value.translation_placeholders["value"]


async def test_busy_display_is_retried_then_explained(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """486: retried a few times; still busy gives a translated error."""
    module_id = thermostat_ids(init_integration.runtime_data.coordinator)[0]
    await sim.post(f"/_sim/modules/{module_id}/busy", json={"count": 1})
    await Action(init_integration).set_temperature(21.5)
    await sim.post(f"/_sim/modules/{module_id}/busy", json={"count": 10})
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).set_temperature(22)
    assert err.value.translation_key == "display_busy"


async def test_short_rate_limit_is_told_as_such(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """429 with Retry-After 120 on a command: a slow-down message with the wait, no repair."""
    await fault(
        sim,
        status=429,
        match="/plug/energy/",
        count=1,
        retry_after=120,
        message="Rate limit is exceeded. Try again in 120 seconds.",
    )
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "rate_limited"
    assert err.value.translation_placeholders["seconds"] == "120"
    assert "120 s" in str(err.value)
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{init_integration.entry_id}"
    )


async def test_quota_answer_to_a_command_raises_the_repair_at_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """The first call that meets the daily quota raises the repair, before any refresh."""
    await fault(
        sim,
        status=403,
        match="/plug/energy/",
        count=1,
        message="Out of call volume quota. Quota will be replenished in 05:00:00.",
    )
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "quota_exhausted"
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{init_integration.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "resume_time": err.value.translation_placeholders["resume_time"]
    }


@pytest.mark.parametrize("status", [408, 430, 500])
async def test_cloud_text_reaches_the_user_filtered(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    """The cloud's words come with route placeholders, never raw ids or e-mail addresses."""
    caplog.set_level(logging.INFO)
    await fault(
        sim,
        status=status,
        match="/plug/energy/",
        count=10,
        message=f"Failed for {cloud.user().email}",
    )
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    shown = f"{err.value} {err.value.translation_placeholders} {caplog.text}"
    assert cloud.user().email not in shown
    assert HC_PLANT not in shown
    assert "**EMAIL**" in str(err.value.__cause__)
    assert "{plantId}" in str(err.value.__cause__)

"""Tests for the availability log: each failure and recovery told once, by its name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
import logging

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.availability_log import AvailabilityLog
from custom_components.legrand_eliot.eliot.exceptions import (
    EliotQuotaExceededError,
    EliotServerError,
)
from custom_components.legrand_eliot.topology import (
    SMARTHER_PLANTS_KEY,
    TOPOLOGY_INTERVAL,
)

from .cloud import HC_PLANT, PLANT_STATUS, fault
from .polling import Polled

RESUME = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the messages logged."""
    return [record.getMessage() for record in caplog.records]


def test_unavailable_and_back_are_told_once_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A plant failing twice is logged once; its recovery once, and its error forgotten."""
    caplog.set_level(logging.INFO)
    log = AvailabilityLog(lambda: None)
    log.plant_failed("p1", "Maison", EliotServerError(status=500))
    log.plant_failed("p1", "Maison", EliotServerError(status=500))
    assert log.last_errors.keys() == {"p1"}
    log.recovered("p1")
    log.recovered("p1")
    assert log.last_errors == {}
    assert [m.split(":")[0] for m in _messages(caplog)] == [
        "Maison is unavailable",
        "Maison is available again",
    ]


def test_smarther_failures_are_named_never_by_raw_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The plants list is named; an id the account does not show gets a stand-in."""
    caplog.set_level(logging.INFO)
    log = AvailabilityLog(lambda: None)
    log.smarther_failed(SMARTHER_PLANTS_KEY, EliotServerError(status=500))
    log.unavailable("0123abcd", "the Thermostat app password expired")
    messages = _messages(caplog)
    assert messages[0].startswith("The Smarther plants list is unavailable")
    assert messages[1] == (
        "A Smarther plant or thermostat is unavailable: "
        "the Thermostat app password expired"
    )
    assert "0123abcd" not in caplog.text


def test_a_quota_pause_is_told_once(caplog: pytest.LogCaptureFixture) -> None:
    """The same pause met twice is logged once; the next pause is logged again."""
    log = AvailabilityLog(lambda: None)
    log.quota_paused(EliotQuotaExceededError(resume_at=RESUME, daily=True))
    log.quota_paused(EliotQuotaExceededError(resume_at=RESUME, daily=True))
    later = RESUME + timedelta(minutes=1)
    log.quota_paused(EliotQuotaExceededError(resume_at=later, daily=False))
    assert _messages(caplog) == [
        f"Legrand API daily quota used up; no call until {RESUME.isoformat()}",
        f"Legrand API rate limit reached; no call until {later.isoformat()}",
    ]


async def test_malformed_answer_marks_plant_and_logs_once(
    hass: HomeAssistant,
    polled: Polled,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Malformed JSON: that plant unavailable, one log line with the endpoint, no crash."""
    caplog.set_level(logging.INFO)
    await fault(polled.sim, kind="malformed", match=PLANT_STATUS, count=2)
    await polled.refresh()
    await polled.refresh()
    assert polled.coordinator.last_update_success
    assert not polled.coordinator.data.home_control[HC_PLANT].available
    lines = [
        r.getMessage() for r in caplog.records if "is unavailable" in r.getMessage()
    ]
    assert len(lines) == 1
    assert "GET /hc/api/v1.0/plants/{plantId}" in lines[0]
    await polled.refresh()
    assert polled.coordinator.data.home_control[HC_PLANT].available


async def test_errors_of_a_poll_name_no_raw_id(
    hass: HomeAssistant,
    polled: Polled,
    caplog: pytest.LogCaptureFixture,
    hass_client: ClientSessionGenerator,
) -> None:
    """A plant failing and recovering: logs and diagnostics name it without its raw id."""
    caplog.set_level(logging.INFO)
    await fault(polled.sim, status=500, match=PLANT_STATUS, count=1)
    await polled.refresh()
    assert polled.coordinator.last_errors
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, polled.entry
    )
    await polled.refresh()

    assert "is available again" in caplog.text
    assert HC_PLANT not in caplog.text
    assert HC_PLANT not in json.dumps(diagnostics["last_errors"])
    assert "{plantId}" in json.dumps(diagnostics["last_errors"])


async def test_a_failed_smarther_plants_list_is_logged_by_its_name(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The log names the Smarther plants list that failed, never a stand-in."""
    coordinator = init_integration.runtime_data.coordinator
    freezer.tick(TOPOLOGY_INTERVAL)
    await fault(sim, status=500, count=1, match="/smarther/v2.0/plants")
    await coordinator.async_refresh()

    assert "The Smarther plants list is unavailable" in caplog.text


async def test_offline_gateway_marks_only_its_devices(
    hass: HomeAssistant,
    polled: Polled,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """404: the plant's devices are unavailable until it answers again; logged once each way."""
    await polled.sim.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": False})
    await polled.refresh()
    await polled.refresh()
    assert not polled.coordinator.data.home_control[HC_PLANT].available
    assert not any(
        plant.unavailable for plant in polled.coordinator.data.smarther.values()
    )
    unavailable_lines = [
        r for r in caplog.records if "is unavailable" in r.getMessage()
    ]
    assert len(unavailable_lines) == 1
    await polled.sim.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": True})
    await polled.refresh()
    assert polled.coordinator.data.home_control[HC_PLANT].available
    assert len([r for r in caplog.records if "available again" in r.getMessage()]) == 1

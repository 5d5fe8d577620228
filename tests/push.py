"""Push in tests: serving Home Assistant's address, and pushing thermostat events to it.

Its fixtures are loaded for every test (tests/conftest.py names this module a plugin); none of
them is used unless a test asks for it, the push test modules through their `pytestmark`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.coordinator import LegrandEliotCoordinator
from custom_components.legrand_eliot.push_receiver import COALESCE_DELAY
from simulator import SimulatedCloud
from simulator.push import device_event
from simulator.timefmt import local_offset_iso

from .polling import Polled

# The demo account's thermostats: one Smarther plant, a living room and a bedroom.
PLANT = "7c1f4e2a-9b3d-4a68-b5e0-2d8f6c1a9e47"
LIVING = "3e8a1c5f-7d2b-4f96-a0c4-6b9e2d7f1a35"
BEDROOM = "9b2d6f4a-3c8e-4a17-b6d1-5e0f9a2c7b83"
LIVING_ENTITY = "climate.soggiorno_soggiorno"
BEDROOM_ENTITY = "climate.camera_camera"
# The simulated cloud's endpoints, as its call counters name them.
SUBSCRIBE = "POST /smarther/v2.0/plants/{plantId}/subscription"
LISTING = "GET /smarther/v2.0/subscription"
STATUS = (
    "GET /smarther/v2.0/chronothermostat/thermoregulation/addressLocation"
    "/plants/{plantId}/modules/parameter/id/value/{moduleId}"
)
UNSUBSCRIBE = "DELETE /smarther/v2.0/plants/{plantId}/subscription/{subscriptionId}"


@pytest.fixture
def only_climate() -> Generator[None]:
    """Set up the climate platform alone: push concerns thermostats."""
    with patch("custom_components.legrand_eliot.PLATFORMS", [Platform.CLIMATE]):
        yield


@pytest.fixture
def webhook_id_stays_secret(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> Generator[None]:
    """Fail a test whose log records of the integration or the cloud name a webhook id.

    Home Assistant's own HTTP helper names the paths it serves at debug level: not ours.
    """
    yield
    ids = {
        entry.data[CONF_WEBHOOK_ID]
        for entry in hass.config_entries.async_entries(DOMAIN)
        if CONF_WEBHOOK_ID in entry.data
    }
    for when in ("setup", "call", "teardown"):
        for record in caplog.get_records(when):
            if record.name.startswith(("custom_components", "simulator")):
                text = record.getMessage()
                assert not any(i in text for i in ids), record.name


@pytest.fixture
async def ha_url(
    hass: HomeAssistant, credentials: None, hass_client_no_auth: ClientSessionGenerator
) -> str:
    """Serve Home Assistant on a local port and make it the internal address."""
    return await serve_home_assistant(hass, hass_client_no_auth)


@pytest.fixture
def push_polled(
    polled_of: Callable[[MockConfigEntry], Polled], push_entry: MockConfigEntry
) -> Polled:
    """Return the entry set up with push (each push module's `push_entry`), polling."""
    return polled_of(push_entry)


@pytest.fixture
async def push_integration(
    hass: HomeAssistant, ha_url: str, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up the integration with an address the simulated cloud can post to."""
    await setup_entry(hass, config_entry)
    return config_entry


async def serve_home_assistant(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> str:
    """Serve Home Assistant on a local port, make it the internal address and return it.

    Serving freezes Home Assistant's routes: every component that adds views is set up first.
    """
    assert await async_setup_component(hass, "webhook", {})
    assert await async_setup_component(hass, "diagnostics", {})
    client = await hass_client_no_auth()
    url = str(client.make_url("")).rstrip("/")
    await hass.config.async_update(internal_url=url)
    return url


async def setup_entry(
    hass: HomeAssistant, entry: MockConfigEntry
) -> LegrandEliotCoordinator:
    """Add and set up an entry, wait for its subscriptions and return its coordinator."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return coordinator_of(entry)


def coordinator_of(entry: MockConfigEntry) -> LegrandEliotCoordinator:
    """Return the coordinator of a loaded entry."""
    coordinator: LegrandEliotCoordinator = entry.runtime_data.coordinator
    return coordinator


def webhook_path(entry: MockConfigEntry) -> str:
    """Return the webhook's path."""
    return f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"


def real_event(
    cloud: SimulatedCloud,
    module_id: str,
    *,
    set_point: float | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Return the Event Grid event the simulated cloud sends for a thermostat's state."""
    found = cloud.world.thermostat(module_id)
    assert found is not None
    plant, thermostat = found
    now = cloud.clock.now()
    status = thermostat.status(
        now, plant.zone, cloud.options.activation_time_format, push=True, online=True
    )
    if set_point is not None:
        status["mode"] = "MANUAL"
        status["setPoint"] = {"value": f"{set_point:.5f}", "unit": "C"}
    if at is not None:
        # The thermostat stamps its state with the moment it changed.
        status["time"] = local_offset_iso(at, plant.zone)
    return device_event(plant.id, [status], at or now)


async def written(hass: HomeAssistant) -> None:
    """Let the coalescing delay pass, so that queued pushed states are written."""
    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=COALESCE_DELAY + 0.5)
    )
    await hass.async_block_till_done()


async def delivered(hass: HomeAssistant, cloud: SimulatedCloud) -> None:
    """Wait for the simulated cloud's deliveries and Home Assistant's handling of them."""
    await cloud.push.flush()
    await hass.async_block_till_done()


async def post_and_write(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    entry: MockConfigEntry,
    body: Any,
) -> None:
    """Deliver one body to the webhook and let its states be written."""
    client = await hass_client_no_auth()
    assert (await client.post(webhook_path(entry), json=body)).status == 200
    await written(hass)


async def set_by_hand(
    hass: HomeAssistant,
    cloud: SimulatedCloud,
    sim: TestClient,
    module_id: str,
    set_point: float,
) -> None:
    """Set a thermostat by hand to a manual set point; what push delivers (if any) is handled."""
    response = await sim.post(
        f"/_sim/modules/{module_id}/physical",
        json={"mode": "manual", "setPoint": set_point},
    )
    assert response.status == 200
    await delivered(hass, cloud)
    await written(hass)

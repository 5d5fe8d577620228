"""Tests for push: subscriptions in the simulated cloud, and the webhook its deliveries reach."""

from __future__ import annotations

from collections.abc import Generator
import copy
from dataclasses import replace
from datetime import datetime, timedelta
import json
import logging
from typing import Any
from unittest.mock import AsyncMock, patch
import uuid

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.cloud import (
    SIGNAL_CLOUD_CONNECTION_STATE,
    CloudConnectionState,
    CloudNotAvailable,
    CloudNotConnected,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_WEBHOOK_ID,
    EVENT_STATE_CHANGED,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.dispatcher import async_dispatcher_send
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
from custom_components.legrand_eliot.eliot import (
    Subscription as EliotSubscription,
    ThermostatMode,
)
from custom_components.legrand_eliot.push_health import PushState
from custom_components.legrand_eliot.push_receiver import COALESCE_DELAY, MAX_BODY_BYTES
from custom_components.legrand_eliot.push_subscriptions import (
    CONF_PUSH_URL,
    RETRY_DELAY,
    PushSubscriptions,
    _is_ours,
    async_endpoint_url,
    async_setup_push,
)
from simulator import SimulatedCloud
from simulator.generate import generate_scenario
from simulator.push import device_event, validation_event
from simulator.timefmt import local_offset_iso
from simulator.world import Subscription

from .polling import next_refresh

PLANT = "7c1f4e2a-9b3d-4a68-b5e0-2d8f6c1a9e47"
LIVING = "3e8a1c5f-7d2b-4f96-a0c4-6b9e2d7f1a35"
BEDROOM = "9b2d6f4a-3c8e-4a17-b6d1-5e0f9a2c7b83"
LIVING_ENTITY = "climate.soggiorno_soggiorno"
BEDROOM_ENTITY = "climate.camera_camera"
SUBSCRIBE = "POST /smarther/v2.0/plants/{plantId}/subscription"
LISTING = "GET /smarther/v2.0/subscription"
STATUS = (
    "GET /smarther/v2.0/chronothermostat/thermoregulation/addressLocation"
    "/plants/{plantId}/modules/parameter/id/value/{moduleId}"
)
UNSUBSCRIBE = "DELETE /smarther/v2.0/plants/{plantId}/subscription/{subscriptionId}"


@pytest.fixture(autouse=True)
def only_climate() -> Generator[None]:
    """Set up the climate platform alone: push concerns thermostats."""
    with patch("custom_components.legrand_eliot.PLATFORMS", [Platform.CLIMATE]):
        yield


@pytest.fixture
async def ha_url(
    hass: HomeAssistant, credentials: None, hass_client_no_auth: ClientSessionGenerator
) -> str:
    """Serve Home Assistant on a local port and make it the internal address."""
    return await serve_home_assistant(hass, hass_client_no_auth)


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


@pytest.fixture(autouse=True)
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
async def push_integration(
    hass: HomeAssistant, ha_url: str, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up the integration with an address the simulated cloud can post to."""
    await setup_entry(hass, config_entry)
    return config_entry


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add and set up an entry, and wait for its subscriptions."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def coordinator_of(entry: MockConfigEntry) -> LegrandEliotCoordinator:
    """Return the coordinator of a loaded entry."""
    coordinator: LegrandEliotCoordinator = entry.runtime_data.coordinator
    return coordinator


def webhook_path(entry: MockConfigEntry) -> str:
    """Return the webhook's path."""
    return f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"


def subscriptions_in(cloud: SimulatedCloud) -> list[tuple[str, str]]:
    """Return (plant, address) of every subscription the simulated cloud holds."""
    return sorted((s.plant_id, s.url) for s in cloud.world.subscriptions.values())


def calls_to(cloud: SimulatedCloud, endpoint: str) -> int:
    """Return how many requests an endpoint of the simulated gateway answered."""
    return int(cloud.counters["by_endpoint"].get(endpoint, 0))


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


async def test_each_smarther_plant_is_subscribed_once(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    ha_url: str,
) -> None:
    """Setup subscribes the thermostats' plant to this entry's webhook, kept in the entry."""
    webhook_id = push_integration.data[CONF_WEBHOOK_ID]
    url = f"{ha_url}/api/webhook/{webhook_id}"
    assert subscriptions_in(cloud) == [(PLANT, url)]
    assert push_integration.data[CONF_PUSH_URL] == url
    health = coordinator_of(push_integration).push
    assert health.state is PushState.ACTIVE
    assert health.url_kind == "development"
    assert calls_to(cloud, LISTING) == 1
    assert calls_to(cloud, SUBSCRIBE) == 1
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"no_push_url_{push_integration.entry_id}"
    )
    # Another core setting changes: the address stays, nothing is sent.
    calls = cloud.counters["total"]
    await hass.config.async_update(location_name="Casa")
    await hass.async_block_till_done()
    assert cloud.counters["total"] == calls
    # A reload keeps the webhook id and the address: no new webhook, same subscription.
    assert await hass.config_entries.async_reload(push_integration.entry_id)
    await hass.async_block_till_done()
    assert push_integration.data[CONF_WEBHOOK_ID] == webhook_id
    assert subscriptions_in(cloud) == [(PLANT, url)]


async def test_change_on_thermostat_shows_without_a_poll(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """Setting the thermostat by hand reaches Home Assistant by push: no API call at all."""
    before = cloud.counters["total"]
    response = await sim.post(
        f"/_sim/modules/{LIVING}/physical", json={"mode": "manual", "setPoint": 23.5}
    )
    assert response.status == 200
    await delivered(hass, cloud)
    [delivery] = cloud.push.log
    assert delivery["status"] == 200
    assert delivery["event_type"] == "DeviceToCloud"
    # The state is queued for the coalescing delay, then written.
    assert hass.states.get(LIVING_ENTITY).attributes["temperature"] != 23.5
    await written(hass)
    state = hass.states.get(LIVING_ENTITY)
    assert state.attributes["temperature"] == 23.5
    assert state.state == "heat"
    assert cloud.counters["total"] == before
    health = coordinator_of(push_integration).push
    assert (health.deliveries, health.events, health.writes) == (1, 1, 1)
    assert health.last_event is not None


async def test_a_flood_is_answered_at_once_and_written_once(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Hundreds of events in one body and many bodies in a row: the last state, written once.

    Every answer comes before anything is written: the handler only queues. Out-of-order
    events (an older event time arriving later) do not win.
    """
    coordinator = coordinator_of(push_integration)
    writes: list[str] = []

    @callback
    def _state_written(event: Event[Any]) -> None:
        """Count the state writes of the two thermostats."""
        if event.data["entity_id"] in (LIVING_ENTITY, BEDROOM_ENTITY):
            writes.append(event.data["entity_id"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, _state_written)
    start = cloud.clock.now()
    sent: dict[str, float] = {}

    def event(index: int) -> dict[str, Any]:
        """Return the index-th event of the flood, alternating the thermostats."""
        module = (LIVING, BEDROOM)[index % 2]
        set_point = round(15 + (index % 100) * 0.1, 1)
        sent[module] = set_point
        return real_event(
            cloud,
            module,
            set_point=set_point,
            at=start + timedelta(milliseconds=100 * index),
        )

    client = await hass_client_no_auth()
    before = cloud.counters["total"]
    first = await client.post(
        webhook_path(push_integration), json=[event(i) for i in range(300)]
    )
    assert first.status == 200
    statuses = []
    for body in range(20):
        events = [event(300 + body * 10 + i) for i in range(10)]
        statuses.append(
            (await client.post(webhook_path(push_integration), json=events)).status
        )
    # A late delivery of an old event for the living room: it must not win.
    late = real_event(cloud, LIVING, set_point=30.0, at=start - timedelta(minutes=1))
    statuses.append(
        (await client.post(webhook_path(push_integration), json=[late])).status
    )
    assert statuses == [200] * 21
    assert coordinator.push.writes == 0
    assert writes == []
    assert coordinator.push.events == 501
    await written(hass)
    assert coordinator.push.writes == 1
    assert sorted(writes) == sorted([LIVING_ENTITY, BEDROOM_ENTITY])
    plant = coordinator.data.smarther[PLANT]
    assert plant.thermostats[LIVING].set_point == sent[LIVING]
    assert plant.thermostats[BEDROOM].set_point == sent[BEDROOM]
    assert plant.thermostats[LIVING].mode is ThermostatMode.MANUAL
    assert hass.states.get(BEDROOM_ENTITY).attributes["temperature"] == sent[BEDROOM]
    assert cloud.counters["total"] == before


async def test_bad_bodies_and_foreign_events_change_nothing(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Malformed, oversized and foreign bodies are refused or ignored; nothing crashes."""
    coordinator = coordinator_of(push_integration)
    plant = coordinator.data.smarther[PLANT]
    before = dict(plant.thermostats)
    devices = len(dr.async_get(hass).devices)
    entities = len(er.async_get(hass).entities)
    client = await hass_client_no_auth()
    path = webhook_path(push_integration)

    broken = copy.deepcopy(good := real_event(cloud, LIVING, set_point=28.0))
    broken["data"]["chronothermostats"] = [{"mode": "MANUAL"}]
    refused = [
        b"not json",
        b"42",
        b'"text"',
        b"\xff\xfe\x00",
        b"[" * 50_000 + b"]" * 50_000,
        json.dumps([42, {"eventType": []}, broken]).encode(),
    ]
    for body in refused:
        response = await client.post(path, data=body)
        assert response.status == 400, body[:20]
    # Too large: refused unread, although it is a valid array of valid events.
    flood = json.dumps([good] * (MAX_BODY_BYTES // len(json.dumps(good)) + 1))
    assert len(flood) > MAX_BODY_BYTES
    assert (await client.post(path, data=flood)).status == 413
    assert coordinator.push.rejected == len(refused) + 1
    assert coordinator.push.events == 0

    foreign_plant = copy.deepcopy(good)
    other = str(uuid.uuid4())
    foreign_plant["subject"] = f"///bs_cloud_{other}//"
    foreign_plant["subjectElements"]["plantId"] = f"bs_cloud_{other}"
    foreign_plant["data"]["chronothermostats"][0]["sender"]["plant"]["id"] = other
    foreign_module = copy.deepcopy(good)
    foreign_module["data"]["chronothermostats"][0]["sender"]["plant"]["module"][
        "id"
    ] = str(uuid.uuid4())
    # The envelope names one plant, the state another.
    mismatched = copy.deepcopy(good)
    mismatched["subjectElements"]["plantId"] = f"bs_cloud_{other}"
    body = [foreign_plant, foreign_module, mismatched]
    assert (await client.post(path, json=body)).status == 200
    assert (await client.get(path)).status == 405
    await written(hass)
    assert coordinator.push.ignored == 3
    assert coordinator.push.rejected == len(refused) + 1
    assert coordinator.push.events == 0
    assert coordinator.push.writes == 0
    assert plant.thermostats == before
    assert len(dr.async_get(hass).devices) == devices
    assert len(er.async_get(hass).entities) == entities
    assert not [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and not r.name.startswith("aiohttp.access")
    ]


async def test_bare_event_and_validation_handshake(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A bare event object is accepted, a bad event beside good ones skipped; validation answered."""
    client = await hass_client_no_auth()
    path = webhook_path(push_integration)
    response = await client.post(path, json=real_event(cloud, BEDROOM, set_point=19.5))
    assert response.status == 200
    good = real_event(cloud, LIVING, set_point=21.5)
    response = await client.post(path, json=[{"eventType": []}, good])
    assert response.status == 200
    assert coordinator_of(push_integration).push.rejected == 1
    subscription = next(iter(cloud.world.subscriptions.values()))
    handshake = validation_event(subscription, "code-123", cloud.clock.now())
    response = await client.post(path, json=[handshake])
    assert response.status == 200
    assert await response.json() == {"validationResponse": "code-123"}
    await written(hass)
    plant = coordinator_of(push_integration).data.smarther[PLANT]
    assert plant.thermostats[BEDROOM].set_point == 19.5
    assert plant.thermostats[LIVING].set_point == 21.5


@pytest.mark.parametrize("cloud_options", [{"push_validation": True}])
async def test_simulated_cloud_validates_the_webhook(
    hass: HomeAssistant, push_integration: MockConfigEntry, cloud: SimulatedCloud
) -> None:
    """With the handshake on, the simulated cloud validates the new subscription."""
    await delivered(hass, cloud)
    [subscription] = cloud.world.subscriptions.values()
    assert subscription.validated is True
    [handshake] = cloud.push.log
    assert handshake["status"] == 200


async def test_conflict_on_subscribe_recovers(
    hass: HomeAssistant,
    ha_url: str,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """A 409 on subscribe: the subscriptions are listed again and ours is replaced."""
    await sim.post(
        "/_sim/faults",
        json={"status": 409, "count": 1, "match": f"plants/{PLANT}/subscription"},
    )
    await setup_entry(hass, config_entry)
    url = f"{ha_url}/api/webhook/{config_entry.data[CONF_WEBHOOK_ID]}"
    assert subscriptions_in(cloud) == [(PLANT, url)]
    assert calls_to(cloud, SUBSCRIBE) == 2
    assert calls_to(cloud, LISTING) == 2
    assert coordinator_of(config_entry).push.state is PushState.ACTIVE


async def test_real_conflict_replaces_our_subscription(
    hass: HomeAssistant,
    ha_url: str,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """Listing failed, our address was subscribed already: 409, then it is replaced."""
    webhook_id = "a" * 64
    url = f"{ha_url}/api/webhook/{webhook_id}"
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_WEBHOOK_ID: webhook_id}
    )
    for name, address in (
        ("left-over", url),
        ("someone-else", "https://other.example/hook"),
    ):
        cloud.subscribe(
            Subscription(id=name, plant_id=PLANT, owner=cloud.user().email, url=address)
        )
    await sim.post(
        "/_sim/faults",
        json={"status": 500, "count": 1, "match": "/smarther/v2.0/subscription"},
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert subscriptions_in(cloud) == sorted(
        [(PLANT, "https://other.example/hook"), (PLANT, url)]
    )
    assert "left-over" not in cloud.world.subscriptions
    assert calls_to(cloud, SUBSCRIBE) == 2
    assert calls_to(cloud, UNSUBSCRIBE) == 1


async def test_restart_adopts_ours_and_deletes_only_our_stale_ones(
    hass: HomeAssistant,
    ha_url: str,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """Ours at this address is kept; ours at former addresses go; others' stay.

    A stale one the cloud refuses to delete stays, and push works all the same.
    """
    webhook_id = "b" * 64
    url = f"{ha_url}/api/webhook/{webhook_id}"
    owner = cloud.user().email
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry,
        data={
            **config_entry.data,
            CONF_WEBHOOK_ID: webhook_id,
            CONF_PUSH_URL: "https://hooks.example.org/former-cloudhook",
        },
    )
    for name, address in (
        ("current", url),
        ("old-host", f"https://old.example/api/webhook/{webhook_id}"),
        ("old-cloudhook", "https://hooks.example.org/former-cloudhook"),
        ("someone-else", "https://other.example/api/webhook/x"),
    ):
        cloud.world.subscriptions[name] = Subscription(
            id=name, plant_id=PLANT, owner=owner, url=address
        )
    await sim.post(
        "/_sim/faults",
        json={"status": 500, "count": 3, "match": "subscription/old-host"},
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert sorted(cloud.world.subscriptions) == ["current", "old-host", "someone-else"]
    assert calls_to(cloud, SUBSCRIBE) == 0
    assert coordinator_of(config_entry).push.subscriptions == {PLANT: "current"}
    assert config_entry.data[CONF_PUSH_URL] == url


async def test_unload_and_removal_clean_up(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Unloading deletes the subscription and stops the webhook; removal leaves nothing."""
    coordinator = coordinator_of(push_integration)
    assert await hass.config_entries.async_unload(push_integration.entry_id)
    await hass.async_block_till_done()
    assert subscriptions_in(cloud) == []
    assert coordinator.push.state is PushState.STOPPED
    assert CONF_PUSH_URL not in push_integration.data
    client = await hass_client_no_auth()
    response = await client.post(
        webhook_path(push_integration), json=[real_event(cloud, LIVING, set_point=25.0)]
    )
    # Home Assistant answers for webhooks it no longer has; nothing reaches the entry.
    assert response.status == 200
    assert coordinator.push.deliveries == 0
    calls = cloud.counters["total"]
    await hass.config_entries.async_remove(push_integration.entry_id)
    await hass.async_block_till_done()
    # Nothing was left behind, so removal makes no call.
    assert cloud.counters["total"] == calls


async def test_removal_deletes_what_unload_could_not(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """The cloud refused the unsubscribe at unload: removing the entry deletes it, only it."""
    other = Subscription(
        id="someone-else",
        plant_id=PLANT,
        owner=cloud.user().email,
        url="https://other.example/hook",
    )
    cloud.world.subscriptions[other.id] = other
    await sim.post(
        "/_sim/faults",
        json={"status": 500, "count": 3, "match": f"plants/{PLANT}/subscription/"},
    )
    assert await hass.config_entries.async_unload(push_integration.entry_id)
    await hass.async_block_till_done()
    assert len(subscriptions_in(cloud)) == 2
    assert CONF_PUSH_URL in push_integration.data
    await hass.config_entries.async_remove(push_integration.entry_id)
    await hass.async_block_till_done()
    assert subscriptions_in(cloud) == [(PLANT, other.url)]


async def test_removal_without_a_usable_token_gives_up_quietly(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """Leftovers and a refused token at removal: the entry goes, the error is not raised."""
    await sim.post(
        "/_sim/faults",
        json={"status": 500, "count": 3, "match": f"plants/{PLANT}/subscription/"},
    )
    assert await hass.config_entries.async_unload(push_integration.entry_id)
    await hass.async_block_till_done()
    await sim.post("/_sim/faults", json={"status": 401, "count": 10})
    assert (await hass.config_entries.async_remove(push_integration.entry_id)) == {
        "require_restart": False
    }
    assert len(subscriptions_in(cloud)) == 1


async def test_no_https_address_means_polling_and_a_repair_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No address Legrand could post to: a repair issue, polling only; an address fixes it."""
    issue_id = f"no_push_url_{init_integration.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    coordinator = coordinator_of(init_integration)
    assert coordinator.push.state is PushState.NO_URL
    assert calls_to(cloud, SUBSCRIBE) == calls_to(cloud, LISTING) == 0
    assert coordinator.calls_per_refresh(coordinator.data) == 3
    # Another setting changes, still no address: the log said it once and says no more.
    await hass.config.async_update(location_name="Casa")
    await hass.async_block_till_done()
    assert coordinator.push.state is PushState.NO_URL
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert [r.getMessage() for r in records].count(
        "Thermostat push is off: Home Assistant has no https address on the "
        "internet; polling only"
    ) == 1
    # The user gives Home Assistant an address: push starts by itself, the issue goes.
    client = await hass_client_no_auth()
    await hass.config.async_update(internal_url=str(client.make_url("")).rstrip("/"))
    await hass.async_block_till_done()
    assert coordinator.push.state is PushState.ACTIVE
    assert len(subscriptions_in(cloud)) == 1
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    # The address goes away again: the subscription is deleted, polling takes over.
    await hass.config.async_update(internal_url=None)
    await hass.async_block_till_done()
    assert coordinator.push.state is PushState.NO_URL
    assert subscriptions_in(cloud) == []
    assert coordinator.calls_per_refresh(coordinator.data) == 3


async def test_endpoint_address_choice(hass: HomeAssistant) -> None:
    """Production needs https from outside; development may use a configured http address."""
    assert await async_endpoint_url(hass, "id", development=False) is None
    assert await async_endpoint_url(hass, "id", development=True) is None
    await hass.config.async_update(internal_url="http://192.168.1.2:8123")
    assert await async_endpoint_url(hass, "id", development=False) is None
    assert await async_endpoint_url(hass, "id", development=True) == (
        "http://192.168.1.2:8123/api/webhook/id",
        "development",
    )
    await hass.config.async_update(external_url="http://ha.example.org")
    assert await async_endpoint_url(hass, "id", development=False) is None
    await hass.config.async_update(external_url="https://ha.example.org")
    assert await async_endpoint_url(hass, "id", development=False) == (
        "https://ha.example.org/api/webhook/id",
        "external",
    )


async def test_cloudhook_when_home_assistant_cloud_is_active(
    hass: HomeAssistant,
    ha_url: str,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
) -> None:
    """Cloud not connected yet: the local address; once connected, the cloudhook replaces it."""
    hook = "https://hooks.nabu.casa/secret-hook"
    create = AsyncMock(side_effect=CloudNotConnected)
    delete = AsyncMock()
    hass.config.components.add("cloud")
    with (
        patch(
            "homeassistant.components.cloud.async_active_subscription",
            return_value=True,
        ),
        patch("homeassistant.components.cloud.async_get_or_create_cloudhook", create),
        patch("homeassistant.components.cloud.async_delete_cloudhook", delete),
    ):
        await setup_entry(hass, config_entry)
        webhook_id = config_entry.data[CONF_WEBHOOK_ID]
        assert subscriptions_in(cloud) == [
            (PLANT, f"{ha_url}/api/webhook/{webhook_id}")
        ]
        create.side_effect = None
        create.return_value = hook
        async_dispatcher_send(
            hass, SIGNAL_CLOUD_CONNECTION_STATE, CloudConnectionState.CLOUD_CONNECTED
        )
        await hass.async_block_till_done()
        assert subscriptions_in(cloud) == [(PLANT, hook)]
        assert coordinator_of(config_entry).push.url_kind == "cloudhook"
        create.assert_awaited_with(hass, webhook_id)
        # Connected again: already on the cloudhook, nothing to do.
        calls = cloud.counters["total"]
        async_dispatcher_send(
            hass, SIGNAL_CLOUD_CONNECTION_STATE, CloudConnectionState.CLOUD_CONNECTED
        )
        await hass.async_block_till_done()
        assert cloud.counters["total"] == calls
        await hass.config_entries.async_remove(config_entry.entry_id)
        await hass.async_block_till_done()
        delete.assert_awaited_once_with(hass, webhook_id)
        # The cloud gone at removal: nothing is raised.
        delete.side_effect = CloudNotAvailable
        for data in ({CONF_WEBHOOK_ID: "c" * 64}, {}):
            entry = MockConfigEntry(domain=DOMAIN, data=data)
            entry.add_to_hass(hass)
            await hass.config_entries.async_remove(entry.entry_id)
        delete.assert_awaited_with(hass, "c" * 64)
    assert subscriptions_in(cloud) == []


async def test_failed_subscription_polls_then_retries(
    hass: HomeAssistant,
    ha_url: str,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """The cloud refuses the subscription: thermostats stay polled, and it is tried again."""
    await sim.post(
        "/_sim/faults",
        json={"status": 500, "count": 3, "match": f"plants/{PLANT}/subscription"},
    )
    await setup_entry(hass, config_entry)
    coordinator = coordinator_of(config_entry)
    assert coordinator.push.state is PushState.FAILED
    assert coordinator.push.failed_plants == {PLANT}
    assert coordinator.calls_per_refresh(coordinator.data) == 3
    async_fire_time_changed(hass, dt_util.utcnow() + RETRY_DELAY)
    await hass.async_block_till_done()
    assert coordinator.push.state is PushState.ACTIVE
    assert coordinator.push.failed_plants == set()
    assert len(subscriptions_in(cloud)) == 1


async def test_plants_that_leave_are_unsubscribed(
    hass: HomeAssistant, push_integration: MockConfigEntry, cloud: SimulatedCloud
) -> None:
    """The account no longer has the thermostats' plant: its subscription goes, push is off."""
    coordinator = coordinator_of(push_integration)
    coordinator.data.smarther.clear()
    coordinator.async_update_listeners()
    await hass.async_block_till_done()
    assert subscriptions_in(cloud) == []
    assert coordinator.push.state is PushState.OFF


@pytest.mark.parametrize(
    "scenario", [generate_scenario(1, 2, thermostat_plants=2, thermostats=1)]
)
async def test_each_plant_on_its_own(
    hass: HomeAssistant,
    ha_url: str,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """One plant's subscription fails: its thermostat stays polled; the other plant's is pushed."""
    first, second = sorted(cloud.world.smarther_plants)
    await sim.post(
        "/_sim/faults",
        json={"status": 500, "count": 3, "match": f"plants/{second}/subscription"},
    )
    await setup_entry(hass, config_entry)
    coordinator = coordinator_of(config_entry)
    assert coordinator.push.state is PushState.PARTIAL
    assert set(coordinator.push.subscriptions) == {first}
    assert coordinator.push.failed_plants == {second}
    # Nothing has arrived yet: the Home + Control plant and both thermostats are polled.
    assert coordinator.calls_per_refresh(coordinator.data) == 3
    thermostat = {
        plant: next(iter(cloud.world.smarther_plants[plant].thermostats))
        for plant in (first, second)
    }
    await sim.post(f"/_sim/modules/{thermostat[first]}/physical", json={"mode": "off"})
    await delivered(hass, cloud)
    assert coordinator.push.receiving == {first}
    assert coordinator.calls_per_refresh(coordinator.data) == 2
    # A new address setting makes it try again at once, not at the retry time.
    await hass.config.async_update(location_name="Casa")
    await hass.async_block_till_done()
    assert coordinator.push.state is PushState.ACTIVE
    assert calls_to(cloud, SUBSCRIBE) == 3 + 1 + 1
    await sim.post(f"/_sim/modules/{thermostat[second]}/physical", json={"mode": "off"})
    await delivered(hass, cloud)
    assert coordinator.push.receiving == {first, second}
    assert coordinator.calls_per_refresh(coordinator.data) == 1
    # The first plant leaves the account: its subscription goes, the second's stays.
    del coordinator.data.smarther[first]
    coordinator.async_update_listeners()
    await hass.async_block_till_done()
    assert [plant for plant, _url in subscriptions_in(cloud)] == [second]
    assert coordinator.push.state is PushState.ACTIVE


async def test_stop_drops_queued_states_and_retries(
    hass: HomeAssistant,
    ha_url: str,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Unloading with a state queued and a retry planned: neither happens afterwards."""
    await sim.post(
        "/_sim/faults",
        json={"status": 500, "count": 3, "match": f"plants/{PLANT}/subscription"},
    )
    started: list[PushSubscriptions] = []

    def setup_push(*args: Any) -> PushSubscriptions:
        started.append(push := async_setup_push(*args))
        return push

    with patch("custom_components.legrand_eliot.async_setup_push", setup_push):
        await setup_entry(hass, config_entry)
    coordinator = coordinator_of(config_entry)
    [push] = started
    assert coordinator.push.state is PushState.FAILED
    client = await hass_client_no_auth()
    event = real_event(cloud, LIVING, set_point=27.0)
    assert (await client.post(webhook_path(config_entry), json=[event])).status == 200
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    calls = cloud.counters["total"]
    async_fire_time_changed(hass, dt_util.utcnow() + RETRY_DELAY)
    await hass.async_block_till_done()
    assert coordinator.push.writes == 0
    assert coordinator.data.smarther[PLANT].thermostats[LIVING].set_point != 27.0
    # Nothing brings a stopped push back.
    push._schedule_sync()
    await push.async_sync()
    await hass.async_block_till_done()
    assert cloud.counters["total"] == calls
    assert coordinator.push.state is PushState.STOPPED


async def test_thermostat_gone_before_the_write_is_not_written(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A queued state whose thermostat left the topology in the meantime is dropped."""
    coordinator = coordinator_of(push_integration)
    client = await hass_client_no_auth()
    event = real_event(cloud, LIVING, set_point=27.0)
    assert (
        await client.post(webhook_path(push_integration), json=[event])
    ).status == 200
    plant = coordinator.data.smarther[PLANT]
    plant.topology = replace(
        plant.topology,
        modules=tuple(m for m in plant.topology.modules if m.id != LIVING),
    )
    await written(hass)
    assert coordinator.push.ignored == 1
    assert coordinator.push.writes == 0


def test_a_subscription_without_address_is_not_ours() -> None:
    """A listed subscription without an address cannot be this entry's."""
    subscription = EliotSubscription(plant_id=PLANT, subscription_id="x")
    assert not _is_ours(subscription, {"https://a.example/hook"}, "id")


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


def shown_set_point(hass: HomeAssistant) -> float:
    """Return the set point the living room's climate entity shows."""
    return float(hass.states.get(LIVING_ENTITY).attributes["temperature"])


async def test_an_older_event_delivered_later_never_wins(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """22.0 at T, then in a later delivery 17.0 from 90 s earlier: 22.0 stays on screen."""
    now = cloud.clock.now()
    newer = real_event(cloud, LIVING, set_point=22.0, at=now)
    older = real_event(cloud, LIVING, set_point=17.0, at=now - timedelta(seconds=90))
    await post_and_write(hass, hass_client_no_auth, push_integration, [newer])
    assert shown_set_point(hass) == 22.0
    await post_and_write(hass, hass_client_no_auth, push_integration, [older])
    assert shown_set_point(hass) == 22.0
    # Replayed as it was: still nothing changes.
    await post_and_write(hass, hass_client_no_auth, push_integration, [newer, older])
    assert shown_set_point(hass) == 22.0


async def test_a_replay_of_unknown_or_old_age_replaces_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A bare data object 10 minutes old, or an event with no time at all, is not shown.

    The event of unknown age has the thermostat read at the next refresh instead.
    """
    coordinator = coordinator_of(push_integration)
    coordinator.async_add_listener(lambda: None)
    old = real_event(
        cloud, LIVING, set_point=12.0, at=cloud.clock.now() - timedelta(minutes=10)
    )
    shown = shown_set_point(hass)
    await post_and_write(hass, hass_client_no_auth, push_integration, old["data"])
    assert shown_set_point(hass) == shown
    ageless = real_event(cloud, LIVING, set_point=13.0)
    del ageless["eventTime"]
    for status in ageless["data"]["chronothermostats"]:
        del status["time"]
    await post_and_write(hass, hass_client_no_auth, push_integration, [ageless])
    assert shown_set_point(hass) == shown
    assert coordinator.push.ignored == 2
    reads = calls_to(cloud, STATUS)
    await next_refresh(hass, freezer, coordinator)
    assert calls_to(cloud, STATUS) == reads + 1


async def test_a_time_far_ahead_counts_as_its_receipt(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """An event stamped a year ahead does not outrank the real changes that follow it."""
    now = cloud.clock.now()
    ahead = real_event(cloud, LIVING, set_point=25.0, at=now + timedelta(days=365))
    await post_and_write(hass, hass_client_no_auth, push_integration, [ahead])
    assert shown_set_point(hass) == 25.0
    freezer.tick(timedelta(seconds=30))
    real = real_event(cloud, LIVING, set_point=19.0, at=cloud.clock.now())
    await post_and_write(hass, hass_client_no_auth, push_integration, [real])
    assert shown_set_point(hass) == 19.0
    # In one burst too: the far-ahead one is as old as its receipt.
    freezer.tick(timedelta(seconds=30))
    ahead = real_event(cloud, LIVING, set_point=26.0, at=now + timedelta(days=365))
    real = real_event(cloud, LIVING, set_point=20.0, at=cloud.clock.now())
    await post_and_write(hass, hass_client_no_auth, push_integration, [ahead, real])
    assert shown_set_point(hass) == 20.0


@pytest.mark.parametrize(
    ("field", "value", "attribute"),
    [
        ("time", "yesterday", None),
        ("programs", [{"number": None}], None),
        ("activationTime", "x/y", None),
        ("activationTime", "9999-12-31T23:59:59", None),
        ("loadState", 5, "hvac_action"),
        ("hygrometer", "wet", "current_humidity"),
        (
            "hygrometer",
            {"measures": [{"value": "NaN", "unit": "%"}]},
            "current_humidity",
        ),
        (
            "thermometer",
            {"measures": [{"value": 1e999, "unit": "C"}]},
            "current_temperature",
        ),
        ("setPoint", {"value": 1e308, "unit": "C"}, "temperature"),
        ("setPoint", {"value": -500, "unit": "C"}, "temperature"),
        ("setPoint", {"value": float("nan"), "unit": "C"}, "temperature"),
        ("setPoint", {"value": 1e999, "unit": "C"}, "temperature"),
        ("setPoint", {"value": "1e999", "unit": "C"}, "temperature"),
        ("setPoint", "22", "temperature"),
        ("mode", 3, "hvac_mode"),
    ],
)
async def test_a_bad_pushed_field_keeps_its_last_good_value(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    field: str,
    value: Any,
    attribute: str | None,
) -> None:
    """A malformed or impossible pushed field keeps what was shown; the rest of it is used."""
    now = cloud.clock.now()
    good = real_event(cloud, LIVING, set_point=23.5, at=now)
    await post_and_write(hass, hass_client_no_auth, push_integration, [good])
    before = hass.states.get(LIVING_ENTITY)
    event = real_event(cloud, LIVING, set_point=21.0, at=now + timedelta(seconds=1))
    event["data"]["chronothermostats"][0][field] = value
    await post_and_write(hass, hass_client_no_auth, push_integration, [event])
    state = hass.states.get(LIVING_ENTITY)
    assert state.state != STATE_UNAVAILABLE
    assert state.attributes["current_temperature"] is not None
    if attribute == "temperature":
        assert state.attributes["temperature"] == 23.5
    else:
        # The rest of the event is shown.
        assert state.attributes["temperature"] == 21.0
    if attribute == "hvac_mode":
        assert state.state == before.state
    elif attribute is not None:
        assert before.attributes[attribute] is not None
        assert state.attributes[attribute] == before.attributes[attribute]
    assert not [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and not r.name.startswith("aiohttp.access")
    ]


async def test_a_bad_field_in_a_burst_keeps_the_value_before_it(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Two states in one burst, the newer one with a bad set point: the older one's shows."""
    now = cloud.clock.now()
    good = real_event(cloud, LIVING, set_point=19.5, at=now)
    bad = real_event(cloud, LIVING, set_point=21.0, at=now + timedelta(seconds=1))
    bad["data"]["chronothermostats"][0]["setPoint"] = {"value": "NaN", "unit": "C"}
    await post_and_write(hass, hass_client_no_auth, push_integration, [good, bad])
    assert shown_set_point(hass) == 19.5


async def test_a_plant_refused_while_subscribing_keeps_polling_without_sign_in(
    hass: HomeAssistant,
    ha_url: str,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A subscription refused with 401, even with a fresh token, while the account answers.

    The plant is out of reach for push only: its thermostats stay polled and shown, nobody is
    asked to sign in again, and nothing is logged as a traceback.
    """
    await sim.post(
        "/_sim/faults",
        json={"status": 401, "count": 2, "match": f"plants/{PLANT}/subscription"},
    )
    await setup_entry(hass, config_entry)
    coordinator = coordinator_of(config_entry)

    assert coordinator.push.state is PushState.FAILED
    assert subscriptions_in(cloud) == []
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(LIVING_ENTITY).state != STATE_UNAVAILABLE
    assert "Traceback" not in caplog.text

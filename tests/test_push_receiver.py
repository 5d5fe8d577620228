"""Tests for push intake: the webhook Legrand posts to, the order and coalescing of its states."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta
import json
import logging
from typing import Any
import uuid

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.eliot import ThermostatMode
from custom_components.legrand_eliot.push_receiver import MAX_BODY_BYTES
from simulator import SimulatedCloud
from simulator.push import validation_event

from .polling import next_refresh
from .push import (
    BEDROOM,
    BEDROOM_ENTITY,
    LIVING,
    LIVING_ENTITY,
    PLANT,
    STATUS,
    calls_to,
    coordinator_of,
    delivered,
    post_and_write,
    real_event,
    webhook_path,
    written,
)

pytestmark = pytest.mark.usefixtures("only_climate", "webhook_id_stays_secret")


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Return the error records of a test, but for the test web servers' access logs."""
    return [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and not r.name.startswith("aiohttp.access")
    ]


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
    assert not errors_logged(caplog)


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
    assert not errors_logged(caplog)


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

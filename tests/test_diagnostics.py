"""Tests for diagnostics: useful for support, with no secret and no raw id in them."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
import json

from aiohttp.test_utils import TestClient
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.legrand_eliot.const import CONF_CLOUD_URL, DOMAIN
from custom_components.legrand_eliot.eliot.ledger import CallFamily, family_of
from custom_components.legrand_eliot.push_subscriptions import CONF_PUSH_URL
from simulator import SimulatedCloud

from .cloud import CloudControl
from .entities import plug_entity
from .moments import START
from .polling import Polled
from .push import LIVING, PLANT, delivered, real_event, webhook_path, written


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
    # What polling learned, by hashed source: the plant and both thermostats, each read once.
    sources = result["schedule"]["sources"]
    assert len(sources) == 3
    assert all(key.startswith("id-") for key in sources)
    assert all(source["changes_per_hour"] > 0 for source in sources.values())
    assert all(source["last_read"] for source in sources.values())
    assert len(result["schedule"]["hour_weights"]) == 24
    assert result["schedule"]["next_refresh"] is not None
    assert set(result["schedule"]["topology_read_at"]) == {
        home_control_plant["plant"]["id"]
        for home_control_plant in (
            *result["account"]["home_control"],
            *result["account"]["smarther"],
        )
    }
    assert all(result["schedule"]["topology_read_at"].values())
    home_control = result["account"]["home_control"][0]
    assert home_control["plant"]["name"] == "Maison"
    assert home_control["plant"]["id"].startswith("id-")
    # Ids are hashed the same way everywhere, so a module can be followed through the dump.
    status_ids = set(home_control["status"]["modules"])
    topology_ids = {module["id"] for module in home_control["topology"]["modules"]}
    assert status_ids
    assert status_ids <= topology_ids
    assert len(result["account"]["smarther"][0]["thermostats"]) == 2
    # No address Legrand could post to: push is off and says so.
    assert result["push"]["state"] == "no_url"
    assert result["push"]["subscribed_plants"] == []
    assert result["push"]["events"] == 0
    assert result["push"]["last_event"] is None
    assert result["push"]["reconcile_interval_seconds"] == 1800


async def test_entry_diagnostics_with_push(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """Push health is in the dump: subscriptions, events, writes; never the webhook address."""
    entry = push_integration
    await sim.post(
        f"/_sim/modules/{LIVING}/physical", json={"mode": "manual", "setPoint": 22.0}
    )
    await delivered(hass, cloud)
    await written(hass)
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(result)
    _assert_nothing_secret(text, entry, cloud)
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    assert webhook_id not in text
    assert entry.data[CONF_PUSH_URL] not in text
    assert PLANT not in text
    assert result["entry"]["data"][CONF_WEBHOOK_ID] == "**REDACTED**"
    assert result["entry"]["data"][CONF_PUSH_URL] == "**REDACTED**"
    push = result["push"]
    assert push["state"] == "active"
    assert push["url_kind"] == "development"
    assert push["subscribed_plants"] == [
        result["account"]["smarther"][0]["plant"]["id"]
    ]
    assert push["failed_plants"] == []
    assert push["receiving_plants"] == push["subscribed_plants"]
    assert (push["deliveries"], push["events"], push["writes"]) == (1, 1, 1)
    assert push["last_event"] is not None
    assert push["silent_plants"] == {}
    deliveries = result["call_ledger"]["push_deliveries"]
    assert deliveries["received"] == 1
    assert deliveries["last"] == push["last_event"]
    assert deliveries["age_seconds"] >= 0
    assert deliveries["dropped_as_stale"] == 0
    # Subscribing cost calls of their own family.
    assert result["call_ledger"]["calls_by_family"]["push_subscriptions"] == 2

    # A delivery an hour late, older than the state shown: dropped, and counted as such.
    late = real_event(
        cloud, LIVING, set_point=12.0, at=dt_util.utcnow() - timedelta(hours=1)
    )
    client = await hass_client_no_auth()
    assert (await client.post(webhook_path(entry), json=[late])).status == 200
    await written(hass)
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    deliveries = result["call_ledger"]["push_deliveries"]
    assert deliveries["received"] == 2
    assert deliveries["dropped_as_stale"] == 1
    assert deliveries["last_event_lag_seconds"] >= 3600


async def test_call_ledger_tells_how_the_day_was_spent(
    hass: HomeAssistant,
    polled: Polled,
    cloud_control: CloudControl,
    hass_client: ClientSessionGenerator,
) -> None:
    """
    Today's calls by hour and family agree with what the gateway counted; the refusal shows.

    A command, a refresh that meets the daily quota, and a command held back meanwhile.
    """
    started = dt_util.now()
    plug = plug_entity(hass)
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": plug}, blocking=True
    )
    await cloud_control.refuse_for_quota(hours=2, count=1)
    await polled.refresh()
    refused_at = dt_util.utcnow()
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": plug}, blocking=True
        )

    result = await get_diagnostics_for_config_entry(hass, hass_client, polled.entry)
    _assert_nothing_secret(json.dumps(result), polled.entry, polled.cloud)
    ledger = result["call_ledger"]
    gateway: Counter[str] = Counter()
    for endpoint, count in polled.cloud.counters["by_endpoint"].items():
        method, route = endpoint.split(" ", 1)
        gateway[family_of(method, route).value] += count
    assert ledger["calls_by_family"] == {
        family.value: gateway[family.value] for family in CallFamily
    }
    assert ledger["calls_by_family"]["command"] == 1
    assert ledger["calls_by_family"]["push_subscriptions"] == 0
    assert ledger["calls_recorded"] == polled.cloud.counters["total"]
    hours = {f"{started.hour:02d}:00", f"{dt_util.now().hour:02d}:00"}
    assert set(ledger["calls_by_hour"]) <= hours
    assert sum(ledger["calls_by_hour"].values()) == polled.cloud.counters["total"]
    assert ledger["time_zone"] == hass.config.time_zone
    # The quota's count is full once Legrand refuses for the day; the ledger keeps what went.
    assert result["quota"]["used"] == 500
    assert "ledger" not in result["quota"]
    assert ledger["calls_held_back"] == 1
    refusal = ledger["last_refusal"]
    assert refusal["daily_quota"] is True
    assert refusal["at"] == refused_at.isoformat()
    assert refusal["resume_at"] == (refused_at + timedelta(hours=2)).isoformat()
    assert ledger["push_deliveries"] == {
        "received": 0,
        "last": None,
        "age_seconds": None,
        "last_event_lag_seconds": None,
        "dropped_as_stale": 0,
    }


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


async def test_entry_diagnostics_snapshot(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    cloud_url: str,
    snapshot: SnapshotAssertion,
) -> None:
    """The whole dump of a loaded entry, as support reads it: nothing secret in it."""
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    _assert_nothing_secret(json.dumps(result), init_integration, cloud)
    # What changes from run to run: the simulated cloud's port, and the next refresh, which
    # Home Assistant staggers by a random fraction of a second.
    assert result["entry"]["data"].pop(CONF_CLOUD_URL) == cloud_url
    next_refresh = datetime.fromisoformat(result["schedule"].pop("next_refresh"))
    assert next_refresh.replace(microsecond=0) == START + timedelta(
        seconds=result["schedule"]["update_interval_seconds"]
    )
    assert result == snapshot

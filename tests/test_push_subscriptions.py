"""Tests for push subscriptions: the address Legrand posts to, each plant's subscription."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.components.cloud import (
    SIGNAL_CLOUD_CONNECTION_STATE,
    CloudConnectionState,
    CloudNotAvailable,
    CloudNotConnected,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.coordinator import LegrandEliotCoordinator
from custom_components.legrand_eliot.eliot import Subscription as EliotSubscription
from custom_components.legrand_eliot.push_health import PushState
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
from simulator.world import Subscription

from .cloud import CloudControl, calls_to, subscriptions_in
from .push import (
    LISTING,
    LIVING,
    LIVING_ENTITY,
    PLANT,
    SUBSCRIBE,
    UNSUBSCRIBE,
    coordinator_of,
    delivered,
    real_event,
    setup_entry,
    webhook_path,
)

pytestmark = pytest.mark.usefixtures("only_climate", "webhook_id_stays_secret")


@dataclass(frozen=True, slots=True)
class PushAccount:
    """Home Assistant served at its address, an entry not set up yet, the simulated cloud."""

    hass: HomeAssistant
    url: str
    entry: MockConfigEntry
    cloud: SimulatedCloud
    control: CloudControl

    async def set_up(self) -> LegrandEliotCoordinator:
        """Set the entry up and return its coordinator."""
        return await setup_entry(self.hass, self.entry)


@pytest.fixture
def account(
    hass: HomeAssistant,
    ha_url: str,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    cloud_control: CloudControl,
) -> PushAccount:
    """Return Home Assistant served at its address, the entry and the simulated cloud."""
    return PushAccount(hass, ha_url, config_entry, cloud, cloud_control)


def added_with_webhook(
    hass: HomeAssistant, entry: MockConfigEntry, webhook_id: str, **data: Any
) -> str:
    """Add an entry that has its webhook (and this data) already; return the webhook's path."""
    entry.add_to_hass(hass)
    data = {**entry.data, CONF_WEBHOOK_ID: webhook_id, **data}
    hass.config_entries.async_update_entry(entry, data=data)
    return webhook_path(entry)


async def test_each_smarther_plant_is_subscribed_once(
    hass: HomeAssistant,
    push_integration: MockConfigEntry,
    cloud: SimulatedCloud,
    ha_url: str,
) -> None:
    """Setup subscribes the thermostats' plant to this entry's webhook, kept in the entry."""
    webhook_id = push_integration.data[CONF_WEBHOOK_ID]
    url = ha_url + webhook_path(push_integration)
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


async def test_conflict_on_subscribe_recovers(
    account: PushAccount,
) -> None:
    """A 409 on subscribe: the subscriptions are listed again and ours is replaced."""
    await account.control.refuse(409, f"plants/{PLANT}/subscription", count=1)
    await account.set_up()
    url = account.url + webhook_path(account.entry)
    assert subscriptions_in(account.cloud) == [(PLANT, url)]
    assert calls_to(account.cloud, SUBSCRIBE) == 2
    assert calls_to(account.cloud, LISTING) == 2
    assert coordinator_of(account.entry).push.state is PushState.ACTIVE


async def test_real_conflict_replaces_our_subscription(
    account: PushAccount,
) -> None:
    """Listing failed, our address was subscribed already: 409, then it is replaced."""
    url = account.url + added_with_webhook(account.hass, account.entry, "a" * 64)
    for name, address in (
        ("left-over", url),
        ("someone-else", "https://other.example/hook"),
    ):
        account.cloud.subscribe(
            Subscription(
                id=name, plant_id=PLANT, owner=account.cloud.user().email, url=address
            )
        )
    await account.control.refuse(500, "/smarther/v2.0/subscription", count=1)
    assert await account.hass.config_entries.async_setup(account.entry.entry_id)
    await account.hass.async_block_till_done()
    assert subscriptions_in(account.cloud) == sorted(
        [(PLANT, "https://other.example/hook"), (PLANT, url)]
    )
    assert "left-over" not in account.cloud.world.subscriptions
    assert calls_to(account.cloud, SUBSCRIBE) == 2
    assert calls_to(account.cloud, UNSUBSCRIBE) == 1


async def test_restart_adopts_ours_and_deletes_only_our_stale_ones(
    account: PushAccount,
) -> None:
    """Ours at this address is kept; ours at former addresses go; others' stay.

    A stale one the cloud refuses to delete stays, and push works all the same.
    """
    webhook_id = "b" * 64
    former = {CONF_PUSH_URL: "https://hooks.example.org/former-cloudhook"}
    url = account.url + added_with_webhook(
        account.hass, account.entry, webhook_id, **former
    )
    owner = account.cloud.user().email
    for name, address in (
        ("current", url),
        ("old-host", f"https://old.example/api/webhook/{webhook_id}"),
        ("old-cloudhook", "https://hooks.example.org/former-cloudhook"),
        ("someone-else", "https://other.example/api/webhook/x"),
    ):
        account.cloud.world.subscriptions[name] = Subscription(
            id=name, plant_id=PLANT, owner=owner, url=address
        )
    await account.control.refuse(500, "subscription/old-host", count=3)
    assert await account.hass.config_entries.async_setup(account.entry.entry_id)
    await account.hass.async_block_till_done()
    assert sorted(account.cloud.world.subscriptions) == [
        "current",
        "old-host",
        "someone-else",
    ]
    assert calls_to(account.cloud, SUBSCRIBE) == 0
    assert coordinator_of(account.entry).push.subscriptions == {PLANT: "current"}
    assert account.entry.data[CONF_PUSH_URL] == url


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
    cloud_control: CloudControl,
) -> None:
    """The cloud refused the unsubscribe at unload: removing the entry deletes it, only it."""
    other = Subscription(
        id="someone-else",
        plant_id=PLANT,
        owner=cloud.user().email,
        url="https://other.example/hook",
    )
    cloud.world.subscriptions[other.id] = other
    await cloud_control.refuse(500, f"plants/{PLANT}/subscription/", count=3)
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
    cloud_control: CloudControl,
) -> None:
    """Leftovers and a refused token at removal: the entry goes, the error is not raised."""
    await cloud_control.refuse(500, f"plants/{PLANT}/subscription/", count=3)
    assert await hass.config_entries.async_unload(push_integration.entry_id)
    await hass.async_block_till_done()
    await cloud_control.refuse(401, count=10)
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
        assert subscriptions_in(cloud) == [(PLANT, ha_url + webhook_path(config_entry))]
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
    account: PushAccount,
) -> None:
    """The cloud refuses the subscription: thermostats stay polled, and it is tried again."""
    await account.control.refuse(500, f"plants/{PLANT}/subscription", count=3)
    coordinator = await account.set_up()
    assert coordinator.push.state is PushState.FAILED
    assert coordinator.push.failed_plants == {PLANT}
    assert coordinator.calls_per_refresh(coordinator.data) == 3
    async_fire_time_changed(account.hass, dt_util.utcnow() + RETRY_DELAY)
    await account.hass.async_block_till_done()
    assert coordinator.push.state is PushState.ACTIVE
    assert coordinator.push.failed_plants == set()
    assert len(subscriptions_in(account.cloud)) == 1


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
    account: PushAccount,
) -> None:
    """One plant's subscription fails: its thermostat stays polled; the other plant's is pushed."""
    first, second = sorted(account.cloud.world.smarther_plants)
    await account.control.refuse(500, f"plants/{second}/subscription", count=3)
    coordinator = await account.set_up()
    assert coordinator.push.state is PushState.PARTIAL
    assert set(coordinator.push.subscriptions) == {first}
    assert coordinator.push.failed_plants == {second}
    # Nothing has arrived yet: the Home + Control plant and both thermostats are polled.
    assert coordinator.calls_per_refresh(coordinator.data) == 3
    thermostat = {
        plant: next(iter(account.cloud.world.smarther_plants[plant].thermostats))
        for plant in (first, second)
    }
    await account.control.press(thermostat[first], mode="off")
    await delivered(account.hass, account.cloud)
    assert coordinator.push.receiving == {first}
    assert coordinator.calls_per_refresh(coordinator.data) == 2
    # A new address setting makes it try again at once, not at the retry time.
    await account.hass.config.async_update(location_name="Casa")
    await account.hass.async_block_till_done()
    assert coordinator.push.state is PushState.ACTIVE
    assert calls_to(account.cloud, SUBSCRIBE) == 3 + 1 + 1
    await account.control.press(thermostat[second], mode="off")
    await delivered(account.hass, account.cloud)
    assert coordinator.push.receiving == {first, second}
    assert coordinator.calls_per_refresh(coordinator.data) == 1
    # The first plant leaves the account: its subscription goes, the second's stays.
    del coordinator.data.smarther[first]
    coordinator.async_update_listeners()
    await account.hass.async_block_till_done()
    assert [plant for plant, _url in subscriptions_in(account.cloud)] == [second]
    assert coordinator.push.state is PushState.ACTIVE


async def test_stop_drops_queued_states_and_retries(
    account: PushAccount,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Unloading with a state queued and a retry planned: neither happens afterwards."""
    await account.control.refuse(500, f"plants/{PLANT}/subscription", count=3)
    started: list[PushSubscriptions] = []

    def setup_push(*args: Any) -> PushSubscriptions:
        started.append(push := async_setup_push(*args))
        return push

    with patch("custom_components.legrand_eliot.async_setup_push", setup_push):
        coordinator = await account.set_up()
    [push] = started
    assert coordinator.push.state is PushState.FAILED
    client = await hass_client_no_auth()
    event = real_event(account.cloud, LIVING, set_point=27.0)
    assert (await client.post(webhook_path(account.entry), json=[event])).status == 200
    assert await account.hass.config_entries.async_unload(account.entry.entry_id)
    await account.hass.async_block_till_done()
    calls = account.cloud.counters["total"]
    async_fire_time_changed(account.hass, dt_util.utcnow() + RETRY_DELAY)
    await account.hass.async_block_till_done()
    assert coordinator.push.writes == 0
    assert coordinator.data.smarther[PLANT].thermostats[LIVING].set_point != 27.0
    # Nothing brings a stopped push back.
    push._schedule_sync()
    await push.async_sync()
    await account.hass.async_block_till_done()
    assert account.cloud.counters["total"] == calls
    assert coordinator.push.state is PushState.STOPPED


def test_a_subscription_without_address_is_not_ours() -> None:
    """A listed subscription without an address cannot be this entry's."""
    subscription = EliotSubscription(plant_id=PLANT, subscription_id="x")
    assert not _is_ours(subscription, {"https://a.example/hook"}, "id")


async def test_a_plant_refused_while_subscribing_keeps_polling_without_sign_in(
    account: PushAccount,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A subscription refused with 401, even with a fresh token, while the account answers.

    The plant is out of reach for push only: its thermostats stay polled and shown, nobody is
    asked to sign in again, and nothing is logged as a traceback.
    """
    await account.control.refuse(401, f"plants/{PLANT}/subscription", count=2)
    coordinator = await account.set_up()

    assert coordinator.push.state is PushState.FAILED
    assert subscriptions_in(account.cloud) == []
    assert account.hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert account.entry.state is ConfigEntryState.LOADED
    assert account.hass.states.get(LIVING_ENTITY).state != STATE_UNAVAILABLE
    assert "Traceback" not in caplog.text

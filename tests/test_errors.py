"""One test per row of the error table: what the user sees for each answer of the cloud."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.const import CONF_SUBSCRIPTION_KEY, DOMAIN
from custom_components.legrand_eliot.coordinator import LegrandEliotCoordinator
from custom_components.legrand_eliot.error_mapping import eliot_command
from simulator import SimulatedCloud

from .entities import plug_entity
from .polling import next_refresh, polling_coordinator

HC_PLANT = "000000005d1e3bc13598330000000001"
PLANT_STATUS = "/hc/api/v1.0/plants/" + HC_PLANT
PLANT_ROUTE = "/hc/api/v1.0/plants/{plantId}"


async def fault(sim: TestClient, **body: Any) -> None:
    """Make the simulated gateway fail the next matching requests."""
    response = await sim.post("/_sim/faults", json=body)
    assert response.status == 201, await response.text()


def thermostat_ids(coordinator: LegrandEliotCoordinator) -> list[str]:
    """Return the ids of every thermostat of the account."""
    return [
        module.id
        for plant in coordinator.data.smarther.values()
        for module in plant.topology.modules
    ]


class Action:
    """A stand-in for an entity: one action that runs a client call, decorated like entities."""

    device_name = "Soggiorno"

    def __init__(self, entry: MockConfigEntry) -> None:
        """Keep the entry whose client runs the calls."""
        self.client = entry.runtime_data.client
        self.coordinator = entry.runtime_data.coordinator

    @eliot_command
    async def set_temperature(self, value: float) -> None:
        """Set the first thermostat to manual at a set point."""
        plant = next(iter(self.coordinator.data.smarther.values()))
        module = plant.topology.modules[0]
        status = plant.thermostats[module.id]
        await self.client.set_manual(
            plant.plant.id, module.id, function=status.function, set_point=value
        )

    @eliot_command
    async def switch_plug(self) -> None:
        """Switch the first plug of the Home + Control plant on."""
        plant = self.coordinator.data.home_control[HC_PLANT]
        plug = next(m for m in plant.topology.modules if m.device == "plug")
        await self.client.switch(HC_PLANT, plug.id, plug.device, on=True)


@pytest.mark.parametrize("status", [400, 406])
async def test_bad_request_marks_plant_and_is_logged_with_endpoint(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    """400/406 on a poll: that plant's devices are unavailable, the log names the endpoint."""
    coordinator = polling_coordinator(init_integration)
    await fault(sim, status=status, match=PLANT_STATUS, count=1)
    await next_refresh(hass, freezer, coordinator)
    assert not coordinator.data.home_control[HC_PLANT].available
    assert "GET /hc/api/v1.0/plants/{plantId}" in caplog.text
    assert f"HTTP {status}" in caplog.text
    # The thermostats were not affected.
    assert not any(plant.unavailable for plant in coordinator.data.smarther.values())
    await next_refresh(hass, freezer, coordinator)
    assert coordinator.data.home_control[HC_PLANT].available


async def test_bad_request_on_an_action(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """400 on a command: a translated error naming the endpoint."""
    await fault(sim, status=400, match="/plug/energy/", count=1)
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "bad_request"
    assert "{plantId}" in err.value.translation_placeholders["endpoint"]


async def test_expired_token_is_refreshed_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """401 for an expired token: one refresh, the call is retried, nothing else shows."""
    coordinator = polling_coordinator(init_integration)
    old_token = init_integration.data["token"]["access_token"]
    assert (await sim.post("/_sim/tokens/expire", json={})).status == 200
    await next_refresh(hass, freezer, coordinator)
    assert coordinator.last_update_success
    assert init_integration.data["token"]["access_token"] != old_token
    assert coordinator.data.home_control[HC_PLANT].available


async def test_revoked_refresh_token_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
) -> None:
    """401 that a token refresh cannot cure: the reauth flow starts."""
    coordinator = polling_coordinator(init_integration)
    response = await sim.post("/_sim/tokens/revoke", json={"access": True})
    assert response.status == 200
    await next_refresh(hass, freezer, coordinator)
    assert not coordinator.last_update_success
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_invalid_subscription_key_raises_fixable_issue(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    hass_client: ClientSessionGenerator,
) -> None:
    """A refused key: a repair issue whose fix asks for a new key, tests it and reloads."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_SUBSCRIPTION_KEY: "0" * 32}
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    issue_id = f"invalid_subscription_key_{config_entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable

    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}",
        json={CONF_SUBSCRIPTION_KEY: "1" * 32},
    )
    result = await response.json()
    assert result["errors"] == {"base": "invalid_subscription_key"}
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}",
        json={CONF_SUBSCRIPTION_KEY: cloud.subscription_key},
    )
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done()
    assert config_entry.data[CONF_SUBSCRIPTION_KEY] == cloud.subscription_key
    assert config_entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_quota_message_pauses_and_commands_name_the_time(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """403 with the quota message: nothing is sent until then, actions say until when."""
    coordinator = polling_coordinator(init_integration)
    await fault(
        sim,
        status=403,
        count=1,
        message="Out of call volume quota. Quota will be replenished in 02:00:00.",
    )
    await next_refresh(hass, freezer, coordinator)
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{init_integration.entry_id}"
    )
    total = cloud.counters["total"]
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "quota_exhausted"
    assert err.value.translation_placeholders["resume_time"]
    freezer.tick(timedelta(hours=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert cloud.counters["total"] == total
    # Two hours after the answer, calls resume by themselves.
    await next_refresh(hass, freezer, coordinator)
    assert cloud.counters["total"] > total
    assert coordinator.data.home_control[HC_PLANT].available


async def test_forbidden_names_the_scope(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """403 without the quota message: a translated error naming the missing scope."""
    await fault(sim, status=403, match="/plug/energy/", count=1, message="Forbidden")
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "forbidden"
    assert err.value.translation_placeholders == {"scope": "plug.write"}


async def test_offline_gateway_marks_only_its_devices(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """404: the plant's devices are unavailable until it answers again; logged once each way."""
    coordinator = polling_coordinator(init_integration)
    await sim.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": False})
    await next_refresh(hass, freezer, coordinator)
    await next_refresh(hass, freezer, coordinator)
    assert not coordinator.data.home_control[HC_PLANT].available
    assert not any(plant.unavailable for plant in coordinator.data.smarther.values())
    unavailable_lines = [
        r for r in caplog.records if "is unavailable" in r.getMessage()
    ]
    assert len(unavailable_lines) == 1
    await sim.post(f"/_sim/plants/{HC_PLANT}/online", json={"online": True})
    await next_refresh(hass, freezer, coordinator)
    assert coordinator.data.home_control[HC_PLANT].available
    assert len([r for r in caplog.records if "available again" in r.getMessage()]) == 1


async def test_home_control_retired_keeps_thermostats(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """404 on the Home + Control plants list for a day: a repair issue; thermostats still work."""
    await sim.post(
        f"/_sim/users/{cloud.user().email}/hc-retired", json={"retired": True}
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = polling_coordinator(config_entry)
    assert not coordinator.data.home_control
    assert len(coordinator.data.smarther) == 1
    issue_id = f"home_control_retired_{config_entry.entry_id}"
    # One 404 is no proof: the issue waits for a day of them.
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    freezer.tick(timedelta(days=1))
    await next_refresh(hass, freezer, coordinator)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING


@pytest.mark.parametrize(
    ("status", "kind"),
    [(408, "status"), (500, "status"), (503, "status"), (500, "disconnect")],
)
async def test_transient_failures_on_a_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    status: int,
    kind: str,
) -> None:
    """408, 5xx and network errors on a poll: unavailable until the next refresh fixes it."""
    coordinator = polling_coordinator(init_integration)
    # aiohttp itself resends once when a kept-alive connection was dropped.
    count = 2 if kind == "disconnect" else 1
    await fault(sim, status=status, kind=kind, match=PLANT_STATUS, count=count)
    await next_refresh(hass, freezer, coordinator)
    assert not coordinator.data.home_control[HC_PLANT].available
    await next_refresh(hass, freezer, coordinator)
    assert coordinator.data.home_control[HC_PLANT].available


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


async def test_rate_limit_pauses_until_retry_after(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """429: no call until Retry-After, no repair issue for a short limit, then polling resumes."""
    coordinator = polling_coordinator(init_integration)
    await fault(sim, status=429, count=1, retry_after=300)
    await next_refresh(hass, freezer, coordinator)
    assert coordinator.budget.is_paused
    assert coordinator.update_interval is not None
    assert coordinator.update_interval >= timedelta(seconds=240)
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{init_integration.entry_id}"
    )
    total = cloud.counters["total"]
    await next_refresh(hass, freezer, coordinator)
    assert cloud.counters["total"] > total
    assert coordinator.last_update_success


async def test_invalid_value_names_the_value(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """430: the action fails with a translated error naming the refused value."""
    await fault(sim, status=430, match="/chronothermostat/", count=1)
    with pytest.raises(ServiceValidationError) as err:
        await Action(init_integration).set_temperature(21.5)
    assert err.value.translation_key == "invalid_value"
    assert err.value.translation_placeholders["value"]


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


async def test_a_plant_that_leaves_the_account_asks_no_sign_in(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """
    A plant no longer shared with the account is refused with 401, like a bad token.

    The account is fine (its plants list answers): nobody is asked to sign in again, the plant's
    devices stay, unavailable, commands say why, and all is back when it returns.
    """
    coordinator = polling_coordinator(init_integration)
    plug = plug_entity(hass)
    thermostat_plant = next(iter(coordinator.data.smarther))
    devices = len(
        dr.async_entries_for_config_entry(dr.async_get(hass), init_integration.entry_id)
    )
    for plant_id in (HC_PLANT, thermostat_plant):
        response = await sim.post(
            f"/_sim/plants/{plant_id}/member", json={"member": False}
        )
        assert response.status == 200
    await next_refresh(hass, freezer, coordinator)
    await next_refresh(hass, freezer, coordinator)

    assert init_integration.state is ConfigEntryState.LOADED
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert hass.states.get(plug).state == STATE_UNAVAILABLE
    assert all(
        state.state == STATE_UNAVAILABLE for state in hass.states.async_all("climate")
    )
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "access_denied"
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert (
        len(
            dr.async_entries_for_config_entry(
                dr.async_get(hass), init_integration.entry_id
            )
        )
        == devices
    )

    for plant_id in (HC_PLANT, thermostat_plant):
        await sim.post(f"/_sim/plants/{plant_id}/member", json={"member": True})
    # Left out of their plants lists, they are seen back at the lists' next read, an hour on.
    freezer.tick(timedelta(hours=1))
    await next_refresh(hass, freezer, coordinator)
    await next_refresh(hass, freezer, coordinator)

    assert hass.states.get(plug).state != STATE_UNAVAILABLE
    assert all(
        state.state != STATE_UNAVAILABLE for state in hass.states.async_all("climate")
    )
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


@pytest.mark.parametrize("returns", [False, True], ids=["gone", "back"])
async def test_a_plant_that_left_is_not_polled_and_goes_once_proven_gone(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    returns: bool,
) -> None:
    """
    A refused plant has its plants list read at once; left out of it, it is polled no more.

    An hour later a second list read proves it gone and its devices are removed; had it come
    back, that read shows it again and it is polled and shown as before.
    """
    coordinator = polling_coordinator(init_integration)
    registry = dr.async_get(hass)
    plug = plug_entity(hass)

    def status_reads() -> int:
        return int(cloud.counters["by_endpoint"].get(f"GET {PLANT_ROUTE}", 0))

    def plants_list_reads() -> int:
        return int(cloud.counters["by_endpoint"].get("GET /hc/api/v1.0/plants", 0))

    await sim.post(f"/_sim/plants/{HC_PLANT}/member", json={"member": False})
    await next_refresh(hass, freezer, coordinator)
    lists = plants_list_reads()
    await next_refresh(hass, freezer, coordinator)
    assert plants_list_reads() == lists + 1
    reads = status_reads()
    await next_refresh(hass, freezer, coordinator)
    await next_refresh(hass, freezer, coordinator)
    assert status_reads() == reads
    assert hass.states.get(plug).state == STATE_UNAVAILABLE

    if returns:
        await sim.post(f"/_sim/plants/{HC_PLANT}/member", json={"member": True})
    freezer.tick(timedelta(hours=1))
    await next_refresh(hass, freezer, coordinator)
    await next_refresh(hass, freezer, coordinator)

    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    device = registry.async_get_device_by_identifier(
        (DOMAIN, HC_PLANT), init_integration.entry_id
    )
    if returns:
        assert device is not None
        assert status_reads() > reads
        assert hass.states.get(plug).state != STATE_UNAVAILABLE
    else:
        assert device is None
        assert hass.states.get(plug) is None or (
            hass.states.get(plug).state == STATE_UNAVAILABLE
        )


async def test_a_plant_refused_while_still_listed_is_tried_hourly(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """A listed plant whose calls keep being refused is tried once an hour, not every refresh.

    Each try costs three calls (the call, again with a fresh token, and the plants list).
    """
    coordinator = polling_coordinator(init_integration)

    async def status_reads() -> int:
        """Return how many reads of the plant's status the refusal met."""
        (pending,) = await (await sim.get("/_sim/faults")).json()
        return 100 - int(pending["remaining"])

    await fault(sim, status=401, count=100, match=PLANT_STATUS)
    await next_refresh(hass, freezer, coordinator)
    reads = await status_reads()
    assert reads == 2
    for _ in range(3):
        await next_refresh(hass, freezer, coordinator)
    assert await status_reads() == reads
    assert not coordinator.data.home_control[HC_PLANT].available

    freezer.tick(timedelta(hours=1))
    await next_refresh(hass, freezer, coordinator)
    assert await status_reads() == reads + 2
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []

    await sim.delete("/_sim/faults")
    freezer.tick(timedelta(hours=1))
    await next_refresh(hass, freezer, coordinator)
    assert coordinator.data.home_control[HC_PLANT].available

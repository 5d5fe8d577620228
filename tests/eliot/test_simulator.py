"""The client against the simulated cloud: every endpoint, every error class, quota and retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.legrand_eliot.eliot import (
    DeviceKind,
    EliotAppPasswordExpiredError,
    EliotAuthError,
    EliotBadRequestError,
    EliotClient,
    EliotConflictError,
    EliotConnectionError,
    EliotDisplayBusyError,
    EliotError,
    EliotForbiddenError,
    EliotInvalidSubscriptionKeyError,
    EliotInvalidValueError,
    EliotNotAcceptableError,
    EliotNotFoundError,
    EliotQuotaExceededError,
    EliotResponseError,
    EliotServerError,
    EliotTermsExpiredError,
    EliotTimeoutError,
    LoadState,
    Module,
    QuotaBudget,
    ThermostatFunction,
    ThermostatMode,
    parse_push_events,
    parse_token_response,
)
from simulator import CLOUD, create_app
from tests.moments import START

from .conftest import RecordingSleep

ROME = ZoneInfo("Europe/Rome")


@dataclass
class Sim:
    """A running simulator, a client on it and the control API."""

    server: TestServer
    session: ClientSession
    client: EliotClient
    time: Callable[[], datetime]
    sleeps: RecordingSleep
    cloud: Any
    refreshes: list[str] = field(default_factory=list, repr=False)

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the simulator's control API and return its JSON answer."""
        async with self.session.request(
            method, self.server.make_url(f"/_sim{path}"), json=body
        ) as response:
            assert response.status < 300, await response.text()
            return await response.json()

    async def advance(self, seconds: float) -> None:
        """Move the simulator's clock, which the budget reads too."""
        await self.control("POST", "/clock", {"advance": seconds})

    async def counters(self) -> dict[str, Any]:
        """Return the simulator's call counters."""
        result: dict[str, Any] = await self.control("GET", "/counters")
        return result

    async def fault(self, **fault: Any) -> None:
        """Make the next matching gateway requests fail."""
        await self.control("POST", "/faults", fault)

    async def hc_plant(self) -> str:
        """Return the id of the demo's Home + Control plant."""
        return (await self.client.hc_plants())[0].id

    async def hc_module(self, name: str) -> tuple[str, Module]:
        """Return the plant id and the Home + Control module of a given name."""
        plant = await self.hc_plant()
        topology = await self.client.hc_topology(plant)
        return plant, next(m for m in topology.modules if m.name == name)

    async def thermostat(self, name: str) -> tuple[str, str]:
        """Return the plant id and module id of a demo thermostat."""
        plant = (await self.client.smarther_plants())[0].id
        topology = await self.client.smarther_topology(plant)
        return plant, next(m.id for m in topology.modules if m.name == name)


async def start(**options: Any) -> tuple[TestServer, Any]:
    """Start a simulator of the demo scenario, without the burst limit unless asked."""
    options.setdefault("burst_limit", None)
    server = TestServer(create_app("demo", start=START, **options))
    await server.start_server()
    return server, server.app[CLOUD]


@pytest.fixture
def sim_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Return options for the simulator, given by a test through indirect parametrisation."""
    options: dict[str, Any] = getattr(request, "param", {})
    return options


@pytest.fixture
async def sim(sim_options: dict[str, Any], socket_enabled: None) -> AsyncIterator[Sim]:
    """Run the simulator on a local port and a client whose refresh asks it for a new token."""
    server, cloud = await start(**sim_options)
    session = ClientSession()
    # The budget reads the simulator's own clock, which starts at a fixed moment.
    time = cloud.clock.now
    tokens: dict[str, str] = {"current": cloud.issue_tokens()["access_token"]}

    async def token() -> str:
        return tokens["current"]

    sim: Sim

    async def refresh(refused: str) -> str:
        answer = await sim.control("POST", "/token", {})
        tokens["current"] = str(answer["access_token"])
        sim.refreshes.append(tokens["current"])
        return tokens["current"]

    # Simulator time moves only on purpose, never by a retry's wait.
    sleeps = RecordingSleep()
    client = EliotClient(
        session=session,
        token_callback=token,
        refresh_callback=refresh,
        subscription_key=cloud.subscription_key,
        base_url=str(server.make_url("")),
        budget=QuotaBudget(clock=time),
        # The demo's Smarther plant is in Rome: end times are written in its local time.
        time_zone=ROME,
        min_spacing=0,
        sleep=sleeps,
    )
    sim = Sim(server, session, client, time, sleeps, cloud)
    try:
        yield sim
    finally:
        await session.close()
        await server.close()
        assert cloud.counters["unhandled"] == 0, (
            "a request reached the simulator's crash handler"
        )


# Home + Control


async def test_home_control_reads(sim: Sim) -> None:
    """Plants, topology, whole-plant status, one module's status and scenes."""
    plant = await sim.hc_plant()
    topology = await sim.client.hc_topology(plant)
    status = await sim.client.hc_plant_status(plant)
    scenes = await sim.client.hc_scenes(plant)

    kinds = {module.device for module in topology.modules}
    assert {
        DeviceKind.PLUG,
        DeviceKind.LIGHT,
        DeviceKind.AUTOMATION,
        DeviceKind.REMOTE,
    } <= kinds
    assert DeviceKind.ENERGYMETER in kinds
    unknown = [
        module for module in topology.modules if module.device is DeviceKind.UNKNOWN
    ]
    assert [module.device_type for module in unknown] == ["gate"]
    outside_rooms = [module for module in topology.modules if module.ambient_id is None]
    assert outside_rooms
    plugs = [m for m in topology.modules if m.device is DeviceKind.PLUG]
    assert all(status.state(plug.id).power is not None for plug in plugs)
    remotes = [m for m in topology.modules if m.device is DeviceKind.REMOTE]
    assert all(status.state(remote.id).battery for remote in remotes)
    assert len(scenes) == 2
    for module in topology.modules:
        if module.device in (DeviceKind.UNKNOWN, DeviceKind.ENERGYMETER):
            continue
        single = await sim.client.hc_module_status(plant, module.id, module.device)
        assert single.module_id == module.id
        assert single.on == status.state(module.id).on
    counters = await sim.counters()
    assert sim.client.budget.calls_used == counters["quota"]["demo@example.com"]["used"]


async def test_home_control_commands(sim: Sim) -> None:
    """Switching, dimming, shutter position and stop, and a scene change the devices."""
    plant, plug = await sim.hc_module("Prise TV")
    _, dimmer = await sim.hc_module("Lumière Salon")
    _, shutter = await sim.hc_module("Volet Chambre")

    await sim.client.switch(plant, plug.id, DeviceKind.PLUG, False)
    await sim.client.set_level(plant, dimmer.id, DeviceKind.LIGHT, 35)
    await sim.client.set_level(plant, shutter.id, DeviceKind.AUTOMATION, 50)
    await sim.client.stop_automation(plant, shutter.id)
    status = await sim.client.hc_plant_status(plant)

    assert status.state(plug.id).on is False
    assert status.state(dimmer.id).level == 35
    assert status.state(shutter.id).reachable

    scenes = {scene.name: scene.id for scene in await sim.client.hc_scenes(plant)}
    await sim.client.run_scene(plant, scenes["Tout éteindre"])
    after = await sim.client.hc_plant_status(plant)
    assert after.state(dimmer.id).on is False


async def test_offline_gateway_is_not_found(sim: Sim) -> None:
    """An offline plant answers 404 on its status: the client says not found."""
    plant = await sim.hc_plant()
    await sim.control("POST", f"/plants/{plant}/online", {"online": False})

    with pytest.raises(EliotNotFoundError) as caught:
        await sim.client.hc_plant_status(plant)

    assert caught.value.status == 404
    await sim.control("POST", f"/plants/{plant}/online", {"online": True})
    assert (await sim.client.hc_plant_status(plant)).modules


async def test_retired_home_control_api(sim: Sim) -> None:
    """An account whose Home + Control API is retired gets 404 on the plants list."""
    await sim.control("POST", "/users/demo@example.com/hc-retired", {"retired": True})

    with pytest.raises(EliotNotFoundError):
        await sim.client.hc_plants()
    assert await sim.client.smarther_plants()


# Smarther


async def test_smarther_reads(sim: Sim) -> None:
    """Plants, topology, status, measures and programs of both thermostats."""
    plant, soggiorno = await sim.thermostat("Soggiorno")
    _, camera = await sim.thermostat("Camera")

    living = await sim.client.thermostat_status(plant, soggiorno)
    bedroom = await sim.client.thermostat_status(plant, camera)
    measures = await sim.client.thermostat_measures(plant, soggiorno)
    programs = await sim.client.program_list(plant, soggiorno)

    assert (living.function, living.mode) == (
        ThermostatFunction.HEATING,
        ThermostatMode.AUTOMATIC,
    )
    assert living.program is not None
    assert living.set_point is not None
    assert living.temperature is not None
    assert living.load_state in (LoadState.ACTIVE, LoadState.INACTIVE)
    assert bedroom.module_id == camera
    assert measures.temperature is not None
    assert measures.humidity is not None
    assert {program.number: program.name for program in programs} == {
        0: "Default",
        1: "At Home",
        2: "Not At Home",
        3: "Risparmio",
    }


async def test_thermostat_commands(sim: Sim) -> None:
    """Each intent is accepted by the simulator and shows in the next status."""
    plant, module = await sim.thermostat("Soggiorno")
    heating = ThermostatFunction.HEATING
    until = sim.time() + timedelta(hours=2)

    await sim.client.set_manual(
        plant, module, function=heating, set_point=22.5, until=until
    )
    manual = await sim.client.thermostat_status(plant, module)
    await sim.client.set_boost(plant, module, function=heating, minutes=30)
    boost = await sim.client.thermostat_status(plant, module)
    await sim.client.set_off(plant, module, function=heating)
    off = await sim.client.thermostat_status(plant, module)
    await sim.client.set_protection(plant, module, function=heating)
    protection = await sim.client.thermostat_status(plant, module)
    await sim.client.set_automatic(plant, module, function=heating, program=3)
    automatic = await sim.client.thermostat_status(plant, module)

    assert (manual.mode, manual.set_point) == (ThermostatMode.MANUAL, 22.5)
    assert manual.activation_time is not None
    assert manual.activation_time.end is not None
    assert boost.mode is ThermostatMode.BOOST
    assert boost.activation_time is not None
    assert off.mode is ThermostatMode.OFF
    assert protection.mode is ThermostatMode.PROTECTION
    assert (automatic.mode, automatic.program) == (ThermostatMode.AUTOMATIC, 3)


async def test_push_subscription_lifecycle(sim: Sim) -> None:
    """Subscribe a receiver, get a pushed change parsed by the models, then unsubscribe."""
    received: asyncio.Queue[bytes] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put(await request.read())
        return web.json_response({"result": 0})

    receiver = web.Application()
    receiver.router.add_post("/api/webhook/hook-id", hook)
    async with TestServer(receiver) as receiver_server:
        url = str(receiver_server.make_url("/api/webhook/hook-id"))
        plant, module = await sim.thermostat("Soggiorno")
        assert await sim.client.subscriptions() == []

        subscription = await sim.client.subscribe(plant, url)
        with pytest.raises(EliotConflictError):
            await sim.client.subscribe(plant, url)
        listed = await sim.client.subscriptions()
        await sim.control(
            "POST", f"/modules/{module}/physical", {"mode": "manual", "setPoint": 23.5}
        )
        async with asyncio.timeout(5):
            body = await received.get()
        await sim.client.unsubscribe(plant, subscription)

        assert [(s.plant_id, s.subscription_id, s.endpoint_url) for s in listed] == [
            (plant, subscription, url)
        ]
        pushed = [
            state for event in parse_push_events(body) for state in event.thermostats
        ]
        assert [(s.module_id, s.mode, s.set_point) for s in pushed] == [
            (module, ThermostatMode.MANUAL, 23.5)
        ]
        assert await sim.client.subscriptions() == []


# Errors


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, EliotBadRequestError),
        (404, EliotNotFoundError),
        (406, EliotNotAcceptableError),
        (408, EliotTimeoutError),
        (430, EliotInvalidValueError),
        (469, EliotAppPasswordExpiredError),
        (470, EliotTermsExpiredError),
        (486, EliotDisplayBusyError),
        (500, EliotServerError),
        (503, EliotServerError),
    ],
)
async def test_injected_statuses(
    sim: Sim, status: int, error: type[EliotError]
) -> None:
    """Each status of the reference's table, injected in the simulator, gives its exception."""
    plant, module = await sim.thermostat("Camera")
    await sim.fault(status=status, count=1, match=module)

    with pytest.raises(error) as caught:
        await sim.client.thermostat_status(plant, module)

    assert caught.value.status == status
    # The fault is spent: the next poll works again.
    assert (await sim.client.thermostat_status(plant, module)).module_id == module


async def test_app_password_and_terms_flags(sim: Sim) -> None:
    """Expired Thermostat app password (469) and terms (470) come from the account flags."""
    plant, module = await sim.thermostat("Camera")

    await sim.control(
        "POST", "/users/demo@example.com/app-password-expired", {"expired": True}
    )
    with pytest.raises(EliotAppPasswordExpiredError):
        await sim.client.thermostat_status(plant, module)
    await sim.control(
        "POST", "/users/demo@example.com/app-password-expired", {"expired": False}
    )
    await sim.control(
        "POST", "/users/demo@example.com/terms-expired", {"expired": True}
    )
    with pytest.raises(EliotTermsExpiredError):
        await sim.client.thermostat_status(plant, module)


async def test_malformed_and_broken_answers(sim: Sim) -> None:
    """A cut JSON body and a dropped connection become the client's own errors."""
    plant = await sim.hc_plant()
    scene = (await sim.client.hc_scenes(plant))[0].id
    await sim.fault(kind="malformed", count=1, match="/topology")
    # A command (POST) is used for the dropped connection: aiohttp itself silently repeats an
    # idempotent GET once when a pooled connection drops.
    await sim.fault(kind="disconnect", count=3, match=scene)

    with pytest.raises(EliotResponseError):
        await sim.client.hc_topology(plant)
    with pytest.raises(EliotConnectionError):
        await sim.client.run_scene(plant, scene)

    assert sim.sleeps.delays == [2.0, 4.0]
    assert (
        sim.client.budget.calls_used
        == (await sim.counters())["quota"]["demo@example.com"]["used"]
    )


async def test_client_timeout(sim: Sim) -> None:
    """A gateway that hangs hits the client's own timeout."""
    plant = await sim.hc_plant()
    sim.client.request_timeout = 0.2
    await sim.fault(kind="timeout", count=1, match="/topology", delay=30)

    with pytest.raises(EliotTimeoutError) as caught:
        await sim.client.hc_topology(plant)

    assert caught.value.status is None


async def test_forbidden_scope(sim: Sim) -> None:
    """A token without the comfort scopes is refused with the scope named."""
    tokens = await sim.control("POST", "/token", {"scopes": ["light.read"]})

    async def narrow_token() -> str:
        return str(tokens["access_token"])

    sim.client.token_callback = narrow_token
    with pytest.raises(EliotForbiddenError) as caught:
        await sim.client.smarther_plants()

    assert caught.value.scope == "comfort.read"
    assert not sim.client.budget.is_paused


async def test_invalid_subscription_key(sim: Sim) -> None:
    """A wrong subscription key is its own auth error and is not retried."""
    sim.client.subscription_key = "ffffffffffffffffffffffffffffffff"

    with pytest.raises(EliotInvalidSubscriptionKeyError):
        await sim.client.hc_plants()

    assert sim.refreshes == []
    assert "ffffffffffffffffffffffffffffffff" not in repr(sim.client)


# Tokens and retries


async def test_expired_token_is_refreshed_once(sim: Sim) -> None:
    """An access token that expired at the gateway is refreshed and the call sent again."""
    await sim.control("POST", "/tokens/expire", {})

    plants = await sim.client.smarther_plants()

    assert plants
    assert len(sim.refreshes) == 1


async def test_revoked_tokens_end_in_an_auth_error(sim: Sim) -> None:
    """When even the refreshed token is refused, the auth error reaches the caller."""

    async def stale(refused: str) -> str:
        return "not-a-token-the-simulator-knows"

    sim.client.refresh_callback = stale
    await sim.control("POST", "/tokens/expire", {})

    with pytest.raises(EliotAuthError) as caught:
        await sim.client.smarther_plants()

    assert caught.value.invalid_subscription_key is False
    assert (await sim.counters())["by_endpoint"]["GET /smarther/v2.0/plants"] == 2


async def test_busy_thermostat_is_retried(sim: Sim) -> None:
    """Two busy answers then success: the command waits about 10 s twice."""
    plant, module = await sim.thermostat("Soggiorno")
    await sim.control("POST", f"/modules/{module}/busy", {"count": 2})

    await sim.client.set_boost(plant, module, function="heating", minutes=90)

    assert sim.sleeps.delays == [10.0, 10.0]
    status = await sim.client.thermostat_status(plant, module)
    assert status.mode is ThermostatMode.BOOST


async def test_busy_thermostat_gives_up(sim: Sim) -> None:
    """A display that stays busy raises after the bounded retries."""
    plant, module = await sim.thermostat("Soggiorno")
    await sim.control("POST", f"/modules/{module}/busy", {"count": 10})

    with pytest.raises(EliotDisplayBusyError):
        await sim.client.set_off(plant, module, function="heating")

    assert len(sim.sleeps.delays) == 3


async def test_command_retries_server_errors_and_every_try_is_counted(sim: Sim) -> None:
    """A command survives two 500s; the budget counts the same calls as the gateway."""
    plant, module = await sim.thermostat("Camera")
    await sim.control("POST", "/counters/reset", {})
    sim.client.budget.used = 0
    await sim.fault(status=500, count=2, match=module)

    await sim.client.set_protection(plant, module, function="cooling")

    assert sim.sleeps.delays == [2.0, 4.0]
    counters = await sim.counters()
    assert counters["quota"]["demo@example.com"]["used"] == 3
    assert sim.client.budget.calls_used == 3


async def test_poll_is_not_retried(sim: Sim) -> None:
    """A poll that hits a 500 fails at once."""
    plant, module = await sim.thermostat("Camera")
    await sim.fault(status=500, count=1, match=module)

    with pytest.raises(EliotServerError):
        await sim.client.thermostat_status(plant, module)

    assert sim.sleeps.delays == []


# Quota


@pytest.mark.parametrize("sim_options", [{"quota_limit": 4}], indirect=True)
async def test_quota_pause_and_resume(sim: Sim) -> None:
    """The exhausted quota pauses every call until the gateway's reset, then calls resume."""
    for _ in range(4):
        await sim.client.smarther_plants()

    with pytest.raises(EliotQuotaExceededError) as caught:
        await sim.client.hc_plants()
    sent = (await sim.counters())["total"]
    with pytest.raises(EliotQuotaExceededError) as local:
        await sim.client.smarther_plants()

    assert caught.value.status == 403
    assert caught.value.daily
    # The simulator's quota day ends at UTC midnight: the countdown names it.
    midnight = datetime.combine(
        sim.time().date() + timedelta(days=1), datetime.min.time(), UTC
    )
    assert abs(caught.value.resume_at - midnight) <= timedelta(seconds=5)
    assert local.value.status is None
    assert (await sim.counters())["total"] == sent
    assert sim.client.budget.calls_left == 0

    await sim.advance((caught.value.resume_at - sim.time()).total_seconds() + 1)

    assert await sim.client.smarther_plants()
    # Half a day later the access token has expired too: one 401, one refresh, one retry.
    assert len(sim.refreshes) == 1
    assert sim.client.budget.calls_used == 2
    counters = await sim.counters()
    assert counters["total"] == sent + 2
    # The gateway cannot charge a refused token to a user; the client counts it anyway.
    assert counters["quota"]["demo@example.com"]["used"] == 1


@pytest.mark.parametrize(
    "sim_options", [{"quota_limit": 2, "quota_status": 429}], indirect=True
)
async def test_quota_as_429(sim: Sim) -> None:
    """The 2025 variant answers 429 with the quota message: the same daily pause."""
    await sim.client.smarther_plants()
    await sim.client.smarther_plants()

    with pytest.raises(EliotQuotaExceededError) as caught:
        await sim.client.set_protection("p", "m", function="heating")

    assert (caught.value.status, caught.value.daily) == (429, True)
    assert sim.sleeps.delays == []


@pytest.mark.parametrize(
    "sim_options", [{"burst_limit": 3, "burst_window": 60.0}], indirect=True
)
async def test_burst_limit_pauses_briefly(sim: Sim) -> None:
    """The firewall's 429 pauses calls for Retry-After seconds only."""
    for _ in range(3):
        await sim.client.smarther_plants()

    with pytest.raises(EliotQuotaExceededError) as caught:
        await sim.client.smarther_plants()

    assert (caught.value.status, caught.value.daily) == (429, False)
    assert timedelta(0) < caught.value.resume_at - sim.time() <= timedelta(seconds=60)
    assert sim.client.budget.calls_left == 500 - 4
    await sim.advance(61)
    assert await sim.client.smarther_plants()


async def test_injected_rate_limit_is_never_retried(sim: Sim) -> None:
    """A 429 on a command is not retried, even though commands retry other failures."""
    plant, module = await sim.thermostat("Camera")
    await sim.fault(status=429, count=1, match=module, retry_after=5)

    with pytest.raises(EliotQuotaExceededError):
        await sim.client.set_off(plant, module, function="cooling")

    assert sim.sleeps.delays == []
    assert sim.client.budget.is_paused


# Variants the reference leaves open, as the simulator's options offer them


@pytest.mark.parametrize(
    "sim_options",
    [
        {"activation_time_format": style}
        for style in ("utc", "local", "offset", "range")
    ],
    indirect=True,
)
async def test_every_activation_time_style(sim: Sim) -> None:
    """Whichever way the end of a timed mode is written, the client reads the same moment."""
    plant, module = await sim.thermostat("Soggiorno")
    until = (sim.time() + timedelta(hours=3)).replace(microsecond=0)

    await sim.client.set_off(plant, module, function="heating", until=until)
    status = await sim.client.thermostat_status(plant, module)

    assert status.activation_time is not None
    end = status.activation_time.end
    assert end is not None
    # A zone-less time is the plant's local time.
    aware = end if end.tzinfo is not None else end.replace(tzinfo=ROME)
    assert aware == until


@pytest.mark.parametrize("sim_options", [{"hc_unreachable": "missing"}], indirect=True)
async def test_unreachable_modules_missing_from_the_status(sim: Sim) -> None:
    """A module absent from the status lists is of unknown reachability, not unreachable."""
    plant, plug = await sim.hc_module("Prise TV")
    await sim.control("POST", f"/modules/{plug.id}/physical", {"reachable": False})

    status = await sim.client.hc_plant_status(plant)

    assert plug.id not in status.modules
    assert status.state(plug.id, DeviceKind.PLUG).reachable is None


@pytest.mark.parametrize(
    "sim_options", [{"thermostat_device": "Chronothermostat"}], indirect=True
)
async def test_thermostat_device_name_in_another_case(sim: Sim) -> None:
    """The thermostats' device word is recognised in any letter case."""
    plant = (await sim.client.smarther_plants())[0].id

    topology = await sim.client.smarther_topology(plant)

    assert {module.device for module in topology.modules} == {
        DeviceKind.CHRONOTHERMOSTAT
    }


@pytest.mark.parametrize("sim_options", [{"smarther_error_shape": "hc"}], indirect=True)
async def test_smarther_errors_in_the_home_control_shape(sim: Sim) -> None:
    """A Smarther error with the Home + Control body still gives its message and class."""
    plant, module = await sim.thermostat("Camera")
    await sim.fault(status=430, count=1, match=module, message="setPoint out of range")

    with pytest.raises(EliotInvalidValueError, match="setPoint out of range"):
        await sim.client.set_manual(plant, module, function="cooling", set_point=24)


@pytest.mark.parametrize(
    "sim_options",
    [
        {"token_fields": "both"},
        {"token_fields": "expires_in"},
        {"token_fields": "expires_on"},
        {"token_fields": "expires_on", "expires_on_type": "str"},
    ],
    indirect=True,
)
async def test_token_responses_of_every_variant(sim: Sim) -> None:
    """Whatever lifetime fields the login sends, both come out, about an hour away."""
    answer = await sim.control("POST", "/token", {})
    now = sim.time().timestamp()

    token = parse_token_response(answer, now)

    assert 3500 <= token["expires_in"] <= 3600
    assert abs(token["expires_on"] - (now + token["expires_in"])) <= 2

"""Fixtures for tests that run without Home Assistant."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import (  # type: ignore[import-untyped]
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)

from custom_components.legrand_eliot.eliot import EliotClient, QuotaBudget

from .simulated import ROME, Sim, start

__all__ = ["AiohttpClientMockResponse", "AiohttpClientMocker"]

FIXTURES = Path(__file__).parent / "fixtures"
BASE_URL = "https://api.developer.legrand.com"
SUBSCRIPTION_KEY = "0123456789abcdef0123456789abcdef"
ACCESS_TOKEN = "eyJ0eXAiOiJKV1QiLC.first-access-token"
FRESH_TOKEN = "eyJ0eXAiOiJKV1QiLC.refreshed-access-token"
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# The route a parser is told it read, for the response errors it raises.
ENDPOINT = "GET /test/{plantId}"
# A Smarther plant and its thermostat, whose status route the transport's tests call.
PLANT = "2d8a1e3c-5a7b-4c2d-9e8f-112233445566"
MODULE = "9a8b7c6d-1111-2222-3333-444455556666"
THERMOSTAT_ROUTE = (
    "/smarther/v2.0/chronothermostat/thermoregulation/addressLocation/plants/{plantId}"
    "/modules/parameter/id/value/{moduleId}"
)
THERMOSTAT_URL = BASE_URL + THERMOSTAT_ROUTE.format(plantId=PLANT, moduleId=MODULE)
HC_PLANTS_URL = f"{BASE_URL}/hc/api/v1.0/plants"
SMARTHER_PLANTS_URL = f"{BASE_URL}/smarther/v2.0/plants"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the root fixture: these tests never start Home Assistant."""
    return


def load_fixture(name: str) -> Any:
    """Return the decoded JSON of a fixture file."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        """Start at a fixed moment."""
        self.moment = start

    def __call__(self) -> datetime:
        """Return the current fake time."""
        return self.moment

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.moment += timedelta(**delta)


class RecordingSleep:
    """An instant sleep that records the delays asked for and moves the fake clock."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        """Record into an empty list; move `clock` by each delay when there is one."""
        self.clock = clock
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        """Record the delay, advance the fake clock, and yield to the loop once."""
        self.delays.append(delay)
        if self.clock is not None:
            self.clock.advance(seconds=delay)
        await asyncio.sleep(0)


class Tokens:
    """Token callbacks that count how often they were asked."""

    def __init__(self) -> None:
        """Hand out the first token until a refresh is forced."""
        self.current = ACCESS_TOKEN
        self.asked = 0
        self.refreshed = 0

    async def token(self) -> str:
        """Return the current token."""
        self.asked += 1
        return self.current

    async def refresh(self, refused: str) -> str:
        """Return a new token, as a forced refresh would."""
        self.refreshed += 1
        self.current = FRESH_TOKEN
        return self.current


def gateway_error(status: int, message: str) -> dict[str, Any]:
    """Return the gateway's error body."""
    return {"statusCode": status, "message": message}


def queue_answers(
    mocker: AiohttpClientMocker, method: str, url: str, answers: list[dict[str, Any]]
) -> None:
    """Answer successive requests to one URL with successive answers; the last one repeats."""

    async def answer(method: str, url: Any, data: Any) -> AiohttpClientMockResponse:
        spec = answers.pop(0) if len(answers) > 1 else answers[0]
        return AiohttpClientMockResponse(method=method, url=url, **spec)

    mocker.request(method, url, side_effect=answer)


@pytest.fixture
def clock() -> FakeClock:
    """Return a fake clock at noon UTC."""
    return FakeClock(NOON)


@pytest.fixture
def sleeps(clock: FakeClock) -> RecordingSleep:
    """Return the instant sleep the client uses in tests."""
    return RecordingSleep(clock)


@pytest.fixture
def tokens() -> Tokens:
    """Return counting token callbacks."""
    return Tokens()


@pytest.fixture
def aioclient() -> AiohttpClientMocker:
    """Return Home Assistant's aiohttp request mocker."""
    return AiohttpClientMocker()


@pytest.fixture
async def session(aioclient: AiohttpClientMocker) -> AsyncIterator[ClientSession]:
    """Return a session whose requests the mocker answers."""
    session = aioclient.create_session(asyncio.get_running_loop())
    yield session
    await session.close()


@pytest.fixture
def make_client(
    session: ClientSession, clock: FakeClock, sleeps: RecordingSleep, tokens: Tokens
) -> Callable[..., EliotClient]:
    """Return a factory of clients on the mocked session, without pacing delays."""

    def factory(**overrides: Any) -> EliotClient:
        options: dict[str, Any] = {
            "session": session,
            "token_callback": tokens.token,
            "refresh_callback": tokens.refresh,
            "subscription_key": SUBSCRIPTION_KEY,
            "budget": QuotaBudget(clock=clock),
            "min_spacing": 0,
            "sleep": sleeps,
        }
        options.update(overrides)
        return EliotClient(**options)

    return factory


@pytest.fixture
def client(make_client: Callable[..., EliotClient]) -> EliotClient:
    """Return a client on the mocked session."""
    return make_client()


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

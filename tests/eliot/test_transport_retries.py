"""Bounded retries, the 401 refresh, pacing and serialisation of requests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from custom_components.legrand_eliot.eliot import (
    EliotAccessDeniedError,
    EliotAuthError,
    EliotClient,
    EliotConnectionError,
    EliotDisplayBusyError,
    EliotServerError,
    EliotTimeoutError,
)

from .conftest import (
    ACCESS_TOKEN,
    FRESH_TOKEN,
    HC_PLANTS_URL,
    MODULE,
    PLANT,
    SMARTHER_PLANTS_URL,
    THERMOSTAT_URL,
    AiohttpClientMocker,
    AiohttpClientMockResponse,
    RecordingSleep,
    Tokens,
    gateway_error,
    queue_answers,
)

HC_PLANT = "000000005d1e3bc13598330000000001"
HC_STATUS_URL = f"{HC_PLANTS_URL}/{HC_PLANT}"
OK_STATUS = {"chronothermostats": [{"function": "heating", "mode": "off"}]}


def busy() -> dict[str, Any]:
    """Return a 486 answer."""
    return {"status": 486, "json": gateway_error(486, "Busy visual user interface")}


def failure(status: int) -> dict[str, Any]:
    """Return an error answer with the gateway's body."""
    return {"status": status, "json": gateway_error(status, "failure")}


async def test_command_retries_a_server_error_with_backoff(
    client: EliotClient, aioclient: AiohttpClientMocker, sleeps: RecordingSleep
) -> None:
    """A 500 then a 200: the command succeeds after one wait, and both calls are charged."""
    queue_answers(aioclient, "post", THERMOSTAT_URL, [failure(500), {"status": 200}])

    await client.set_protection(PLANT, MODULE, function="heating")

    assert aioclient.call_count == 2
    assert sleeps.delays == [2.0]
    assert client.budget.calls_used == 2


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (failure(503), EliotServerError),
        (failure(408), EliotTimeoutError),
        ({"exc": aiohttp.ClientConnectionError()}, EliotConnectionError),
    ],
)
async def test_command_retries_are_bounded(
    client: EliotClient,
    aioclient: AiohttpClientMocker,
    sleeps: RecordingSleep,
    answer: dict[str, Any],
    error: type[Exception],
) -> None:
    """Transient failures are retried twice with a growing delay, then raised."""
    queue_answers(aioclient, "post", THERMOSTAT_URL, [answer])

    with pytest.raises(error):
        await client.set_protection(PLANT, MODULE, function="heating")

    assert aioclient.call_count == 3
    assert sleeps.delays == [2.0, 4.0]
    assert client.budget.calls_used == 3


async def test_polls_fail_fast(
    client: EliotClient, aioclient: AiohttpClientMocker, sleeps: RecordingSleep
) -> None:
    """A poll is not retried: the next refresh is its retry."""
    queue_answers(aioclient, "get", THERMOSTAT_URL, [failure(500), {"json": OK_STATUS}])

    with pytest.raises(EliotServerError):
        await client.thermostat_status(PLANT, MODULE)

    assert aioclient.call_count == 1
    assert sleeps.delays == []


async def test_busy_display_is_retried_after_ten_seconds(
    client: EliotClient, aioclient: AiohttpClientMocker, sleeps: RecordingSleep
) -> None:
    """486 twice, then accepted: two waits of about 10 s."""
    queue_answers(aioclient, "post", THERMOSTAT_URL, [busy(), busy(), {"status": 200}])

    await client.set_manual(PLANT, MODULE, function="heating", set_point=21)

    assert aioclient.call_count == 3
    assert sleeps.delays == [10.0, 10.0]


async def test_busy_display_gives_up(
    client: EliotClient, aioclient: AiohttpClientMocker, sleeps: RecordingSleep
) -> None:
    """A display that stays busy raises after three retries."""
    queue_answers(aioclient, "post", THERMOSTAT_URL, [busy()])

    with pytest.raises(EliotDisplayBusyError):
        await client.set_manual(PLANT, MODULE, function="heating", set_point=21)

    assert aioclient.call_count == 4
    assert sleeps.delays == [10.0, 10.0, 10.0]
    assert client.budget.calls_used == 4


async def test_a_busy_retry_does_not_block_other_calls(
    make_client: Callable[..., EliotClient], aioclient: AiohttpClientMocker
) -> None:
    """While a command waits out a busy display, a poll goes through."""
    queue_answers(aioclient, "post", THERMOSTAT_URL, [busy(), {"status": 200}])
    aioclient.get(HC_PLANTS_URL, json={"plants": []})
    polled: list[Any] = []

    async def poll_during_the_wait(delay: float) -> None:
        async with asyncio.timeout(5):
            polled.append(await client.hc_plants())

    client = make_client(sleep=poll_during_the_wait)

    await client.set_manual(PLANT, MODULE, function="heating", set_point=21)

    assert polled == [[]]
    assert [call[0] for call in aioclient.mock_calls] == ["POST", "GET", "POST"]


async def test_401_refreshes_the_token_once(
    client: EliotClient, aioclient: AiohttpClientMocker, tokens: Tokens
) -> None:
    """After a 401 the token is refreshed through the callback and the call is sent again."""
    queue_answers(
        aioclient,
        "get",
        THERMOSTAT_URL,
        [
            {
                "status": 401,
                "json": {"statusCode": 401, "message": "Access token is expired"},
            },
            {"json": OK_STATUS},
        ],
    )

    status = await client.thermostat_status(PLANT, MODULE)

    assert status.module_id == MODULE
    assert tokens.refreshed == 1
    assert [call[3]["Authorization"] for call in aioclient.mock_calls] == [
        f"Bearer {ACCESS_TOKEN}",
        f"Bearer {FRESH_TOKEN}",
    ]
    assert client.budget.calls_used == 2


async def test_a_second_401_is_an_auth_error(
    client: EliotClient, aioclient: AiohttpClientMocker, tokens: Tokens
) -> None:
    """A token refused even after a refresh, and by the plants list too, is an auth error."""
    queue_answers(aioclient, "get", THERMOSTAT_URL, [failure(401)])
    queue_answers(aioclient, "get", SMARTHER_PLANTS_URL, [failure(401)])

    with pytest.raises(EliotAuthError) as caught:
        await client.thermostat_status(PLANT, MODULE)

    assert caught.value.invalid_subscription_key is False
    assert tokens.refreshed == 1
    assert aioclient.call_count == 3


async def test_a_second_401_is_reported_once(
    make_client: Callable[..., EliotClient],
    aioclient: AiohttpClientMocker,
    tokens: Tokens,
) -> None:
    """The caller hears once per call that the account must be linked again."""
    heard: list[EliotAuthError] = []
    refused: list[str] = []

    async def refresh(token: str) -> str:
        refused.append(token)
        return await tokens.refresh(token)

    client = make_client(on_auth_failure=heard.append, refresh_callback=refresh)
    queue_answers(aioclient, "get", THERMOSTAT_URL, [failure(401)])
    queue_answers(aioclient, "get", SMARTHER_PLANTS_URL, [failure(401)])

    with pytest.raises(EliotAuthError) as caught:
        await client.thermostat_status(PLANT, MODULE)

    assert heard == [caught.value]
    # The refresh is told which token the gateway refused.
    assert refused == [ACCESS_TOKEN]


@pytest.mark.parametrize(
    ("url", "plants_url", "call"),
    [
        (
            THERMOSTAT_URL,
            SMARTHER_PLANTS_URL,
            lambda client: client.thermostat_status(PLANT, MODULE),
        ),
        (HC_STATUS_URL, HC_PLANTS_URL, lambda client: client.hc_plant_status(HC_PLANT)),
    ],
    ids=["smarther", "home_control"],
)
async def test_a_plant_refused_while_its_plants_list_answers_asks_no_sign_in(
    make_client: Callable[..., EliotClient],
    aioclient: AiohttpClientMocker,
    tokens: Tokens,
    url: str,
    plants_url: str,
    call: Callable[[EliotClient], Awaitable[object]],
) -> None:
    """
    A plant refused with 401 even with a fresh token, while the plants list still answers.

    The plant left the account (or was never shared): the account is fine, so the caller hears
    of no sign-in problem; it gets an access error for that plant only.
    """
    heard: list[EliotAuthError] = []
    client = make_client(on_auth_failure=heard.append)
    queue_answers(aioclient, "get", url, [failure(401)])
    queue_answers(aioclient, "get", plants_url, [{"json": {"plants": []}}])

    with pytest.raises(EliotAccessDeniedError) as caught:
        await call(client)

    assert not isinstance(caught.value, EliotAuthError)
    assert heard == []
    assert tokens.refreshed == 1
    assert [str(c[1]) for c in aioclient.mock_calls] == [url, url, plants_url]
    assert client.budget.calls_used == 3


async def test_a_plants_list_refused_twice_is_an_auth_error_without_more_calls(
    make_client: Callable[..., EliotClient],
    aioclient: AiohttpClientMocker,
    tokens: Tokens,
) -> None:
    """A call that names no plant has nothing to check against: a second 401 is the account's."""
    heard: list[EliotAuthError] = []
    client = make_client(on_auth_failure=heard.append)
    queue_answers(aioclient, "get", HC_PLANTS_URL, [failure(401)])

    with pytest.raises(EliotAuthError) as caught:
        await client.hc_plants()

    assert heard == [caught.value]
    assert aioclient.call_count == 2


async def test_401_without_a_refresh_callback_is_not_retried(
    make_client: Callable[..., EliotClient], aioclient: AiohttpClientMocker
) -> None:
    """Without a way to force a refresh, the same token would be refused again."""
    client = make_client(refresh_callback=None)
    aioclient.get(
        THERMOSTAT_URL, status=401, json={"statusCode": 401, "message": "Unauthorized"}
    )

    with pytest.raises(EliotAuthError):
        await client.thermostat_status(PLANT, MODULE)

    assert aioclient.call_count == 1


async def test_token_callback_errors_pass_through_unchanged(
    make_client: Callable[..., EliotClient], aioclient: AiohttpClientMocker
) -> None:
    """The caller's own token errors reach it as they are, and nothing is sent."""

    class ReauthNeededError(Exception):
        """The caller's own error type."""

    async def dead_token() -> str:
        raise ReauthNeededError

    client = make_client(token_callback=dead_token)

    with pytest.raises(ReauthNeededError):
        await client.thermostat_status(PLANT, MODULE)

    assert aioclient.call_count == 0
    assert client.budget.calls_used == 0


@pytest.mark.parametrize("bad", ["", "two words", "line\r\nX-Injected: 1", None])
async def test_an_unusable_token_is_an_auth_error(
    make_client: Callable[..., EliotClient], aioclient: AiohttpClientMocker, bad: Any
) -> None:
    """A token callback that returns nothing usable raises the auth error without sending."""

    async def no_token() -> str:
        return bad  # type: ignore[no-any-return]

    client = make_client(token_callback=no_token, refresh_callback=None)

    with pytest.raises(EliotAuthError):
        await client.thermostat_status(PLANT, MODULE)

    assert aioclient.call_count == 0


async def test_requests_are_spaced(
    make_client: Callable[..., EliotClient],
    aioclient: AiohttpClientMocker,
    sleeps: RecordingSleep,
) -> None:
    """The second request waits for the minimum spacing; the first does not."""
    client = make_client(min_spacing=1000)
    aioclient.get(HC_PLANTS_URL, json={"plants": []})

    await client.hc_plants()
    assert sleeps.delays == []
    await client.hc_plants()

    assert len(sleeps.delays) == 1
    assert 0 < sleeps.delays[0] <= 1000


async def test_requests_are_serialised(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """Concurrent calls of one client never overlap on the wire."""
    in_flight = 0
    most = 0

    async def slow(method: str, url: Any, data: Any) -> AiohttpClientMockResponse:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        for _ in range(5):
            await asyncio.sleep(0)
        in_flight -= 1
        return AiohttpClientMockResponse(method=method, url=url, json={"plants": []})

    aioclient.get(HC_PLANTS_URL, side_effect=slow)

    await asyncio.gather(*(client.hc_plants() for _ in range(4)))

    assert aioclient.call_count == 4
    assert most == 1

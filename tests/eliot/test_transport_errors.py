"""Every error answer of the reference's table becomes the right exception."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.legrand_eliot.eliot import (
    EliotAuthError,
    EliotBadRequestError,
    EliotClient,
    EliotCommandBudgetError,
    EliotConnectionError,
    EliotError,
    EliotForbiddenError,
    EliotInvalidSubscriptionKeyError,
    EliotQuotaExceededError,
    EliotResponseError,
    EliotServerError,
    EliotTimeoutError,
    QuotaBudget,
)

from .conftest import (
    BASE_URL,
    MODULE,
    NOON,
    PLANT,
    THERMOSTAT_ROUTE,
    THERMOSTAT_URL,
    AiohttpClientMocker,
    AiohttpClientMockResponse,
    gateway_error,
)
from .error_statuses import ERROR_OF_STATUS


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (
            400,
            {
                "errors": [
                    {
                        "userMessage": "Invalid arguments",
                        "internalMessage": "bad id",
                        "code": 0,
                    }
                ]
            },
        ),
        (404, gateway_error(404, "Resource not found")),
        (406, gateway_error(406, "Request not acceptable")),
        (408, gateway_error(408, "Request timeout")),
        (409, gateway_error(409, "Conflict")),
        (430, gateway_error(430, "Wrong input parameters")),
        (469, gateway_error(469, "Official application password expired")),
        (470, gateway_error(470, "Official application terms and conditions expired")),
        (486, gateway_error(486, "Busy visual user interface")),
        (500, gateway_error(500, "Internal error")),
        (502, None),
        (503, "Service Unavailable"),
        # A status outside the table is a response the client cannot read.
        (418, gateway_error(418, "I'm a teapot")),
        (302, None),
    ],
)
async def test_status_maps_to_exception(
    client: EliotClient,
    aioclient: AiohttpClientMocker,
    status: int,
    body: Any,
) -> None:
    """A poll fails at once with the exception of its status, naming the route and status."""
    error = ERROR_OF_STATUS.get(status, EliotResponseError)
    if isinstance(body, str):
        aioclient.get(THERMOSTAT_URL, status=status, text=body)
    else:
        aioclient.get(THERMOSTAT_URL, status=status, json=body)

    with pytest.raises(error) as caught:
        await client.thermostat_status(PLANT, MODULE)

    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.endpoint == f"GET {THERMOSTAT_ROUTE}"
    assert f"GET {THERMOSTAT_ROUTE}" in str(caught.value)
    assert PLANT not in str(caught.value)
    # A poll is never retried: the next refresh is its retry.
    assert aioclient.call_count == 1


async def test_error_message_of_each_body_shape_is_kept(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """The backend's own explanation reaches the exception message."""
    aioclient.get(
        THERMOSTAT_URL,
        status=400,
        json={
            "errors": [
                {
                    "userMessage": "Invalid arguments",
                    "internalMessage": "moduleId unknown",
                }
            ]
        },
    )

    with pytest.raises(EliotBadRequestError, match="moduleId unknown"):
        await client.thermostat_status(PLANT, MODULE)


async def test_an_html_error_page_is_not_quoted(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """A proxy's HTML page gives the default message, not markup."""
    aioclient.get(
        THERMOSTAT_URL, status=502, text="<html><body>Bad gateway</body></html>"
    )

    with pytest.raises(EliotServerError) as caught:
        await client.thermostat_status(PLANT, MODULE)

    assert "<html>" not in str(caught.value)
    assert caught.value.detail == EliotServerError.default_message


async def test_forbidden_names_the_scope(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """A 403 that is not about the quota is a missing permission, with the endpoint's scope."""
    aioclient.get(
        THERMOSTAT_URL, status=403, json=gateway_error(403, "Operation forbidden")
    )
    aioclient.post(
        THERMOSTAT_URL, status=403, json=gateway_error(403, "Missing scope plug.write")
    )

    with pytest.raises(EliotForbiddenError) as read:
        await client.thermostat_status(PLANT, MODULE)
    with pytest.raises(EliotForbiddenError) as write:
        await client.set_protection(PLANT, MODULE, function="heating")

    assert read.value.scope == "comfort.read"
    # The scope named by the gateway wins over the one the client expects.
    assert write.value.scope == "plug.write"
    assert not client.budget.is_paused


async def test_unknown_scope_is_none(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """Without a documented scope and none in the message, the scope stays unknown."""
    aioclient.get(
        f"{BASE_URL}/hc/api/v1.0/plants",
        status=403,
        json=gateway_error(403, "Forbidden"),
    )

    with pytest.raises(EliotForbiddenError) as caught:
        await client.hc_plants()

    assert caught.value.scope is None


async def test_invalid_subscription_key(
    client: EliotClient, aioclient: AiohttpClientMocker, tokens: Any
) -> None:
    """A refused subscription key is its own auth error; a new token would not help."""
    aioclient.get(
        THERMOSTAT_URL,
        status=401,
        json=gateway_error(
            401,
            "Access denied due to invalid subscription key. Make sure to provide a valid key "
            "for an active subscription.",
        ),
    )

    with pytest.raises(EliotInvalidSubscriptionKeyError) as caught:
        await client.thermostat_status(PLANT, MODULE)

    assert caught.value.invalid_subscription_key is True
    assert isinstance(caught.value, EliotAuthError)
    assert tokens.refreshed == 0
    assert aioclient.call_count == 1


async def test_malformed_json_is_a_response_error(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """A 200 that is not JSON raises the response error with the endpoint."""
    aioclient.get(THERMOSTAT_URL, status=200, text="{not json")

    with pytest.raises(EliotResponseError) as caught:
        await client.thermostat_status(PLANT, MODULE)

    assert caught.value.endpoint == f"GET {THERMOSTAT_ROUTE}"
    assert caught.value.status == 200


@pytest.mark.parametrize(
    "body",
    [
        {"chronothermostats": []},
        {"chronothermostats": [{}]},
        {"chronothermostats": ["manual"]},
        {"chronothermostats": {"mode": "boost"}},
        [],
        None,
    ],
)
async def test_unexpected_shapes_are_response_errors(
    client: EliotClient, aioclient: AiohttpClientMocker, body: Any
) -> None:
    """JSON of the wrong shape names the endpoint instead of raising KeyError or TypeError."""
    if body is None:
        aioclient.get(THERMOSTAT_URL, status=200)
    else:
        aioclient.get(THERMOSTAT_URL, status=200, json=body)

    with pytest.raises(EliotResponseError) as caught:
        await client.thermostat_status(PLANT, MODULE)

    assert caught.value.endpoint == f"GET {THERMOSTAT_ROUTE}"


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (aiohttp.ClientConnectionError("reset by peer"), EliotConnectionError),
        (aiohttp.ServerDisconnectedError(), EliotConnectionError),
        (aiohttp.ClientPayloadError("truncated"), EliotConnectionError),
        (TimeoutError(), EliotTimeoutError),
    ],
)
async def test_network_failures(
    client: EliotClient,
    aioclient: AiohttpClientMocker,
    exc: Exception,
    error: type[EliotError],
) -> None:
    """Network failures become connection errors; no raw aiohttp error escapes."""
    aioclient.get(THERMOSTAT_URL, exc=exc)

    with pytest.raises(error) as caught:
        await client.thermostat_status(PLANT, MODULE)

    assert caught.value.status is None
    assert caught.value.endpoint == f"GET {THERMOSTAT_ROUTE}"
    assert client.budget.calls_used == 1


async def test_client_side_timeout(
    make_client: Callable[..., EliotClient], aioclient: AiohttpClientMocker
) -> None:
    """A gateway that never answers hits the client's own timeout."""

    async def never(method: str, url: Any, data: Any) -> AiohttpClientMockResponse:
        await asyncio.sleep(3600)
        raise AssertionError

    aioclient.get(THERMOSTAT_URL, side_effect=never)
    client = make_client(request_timeout=0.01)

    with pytest.raises(EliotTimeoutError):
        await client.thermostat_status(PLANT, MODULE)


@pytest.mark.parametrize(
    ("status", "headers", "message", "resume_after", "daily"),
    [
        # The gateway's countdown is the reset moment.
        (
            403,
            {},
            "Out of call volume quota. Quota will be replenished in 02:13:45.",
            timedelta(hours=2, minutes=13, seconds=45),
            True,
        ),
        (
            403,
            {"Retry-After": "60"},
            "Out of call volume quota. Quota will be replenished in 1.02:00:00.",
            timedelta(days=1, hours=2),
            True,
        ),
        # Without a countdown, Retry-After tells the moment.
        (
            403,
            {"Retry-After": "3600"},
            "Out of call volume quota.",
            timedelta(hours=1),
            True,
        ),
        # Without either, the daily quota comes back at the local midnight reset (12 h away).
        (403, {}, "Out of call volume quota.", timedelta(hours=12), True),
        (
            429,
            {"Retry-After": "17"},
            "Rate limit is exceeded. Try again in 17 seconds.",
            timedelta(seconds=17),
            False,
        ),
        (
            429,
            {},
            "Rate limit is exceeded. Try again in 30 seconds.",
            timedelta(seconds=30),
            False,
        ),
        (429, {}, "Too many requests", timedelta(seconds=60), False),
        (
            429,
            {"Retry-After": "Wed, 25 Nov 2026 12:05:00 GMT"},
            "Rate limit is exceeded.",
            timedelta(minutes=5),
            False,
        ),
        (
            429,
            {},
            "Out of call volume quota. Quota will be replenished in 00:30:00.",
            timedelta(minutes=30),
            True,
        ),
    ],
)
async def test_quota_answers_pause_all_calls(
    client: EliotClient,
    aioclient: AiohttpClientMocker,
    status: int,
    headers: dict[str, str],
    message: str,
    resume_after: timedelta,
    daily: bool,
) -> None:
    """403-quota and 429 carry the resume moment, are never retried, and stop later calls."""
    aioclient.post(
        THERMOSTAT_URL,
        status=status,
        json=gateway_error(status, message),
        headers=headers,
    )
    aioclient.get(THERMOSTAT_URL, json={"chronothermostats": [{"mode": "off"}]})

    with pytest.raises(EliotQuotaExceededError) as caught:
        await client.set_off(PLANT, MODULE, function="heating")

    assert caught.value.resume_at == NOON + resume_after
    assert caught.value.daily is daily
    assert caught.value.status == status
    assert aioclient.call_count == 1
    # While paused, nothing leaves: the error is raised locally, with no status.
    with pytest.raises(EliotQuotaExceededError) as local:
        await client.thermostat_status(PLANT, MODULE)
    assert local.value.status is None
    assert local.value.resume_at == NOON + resume_after
    assert aioclient.call_count == 1
    assert client.budget.calls_used == (500 if daily else 1)


async def test_commands_stop_at_the_polling_floor(
    make_client: Callable[..., EliotClient], aioclient: AiohttpClientMocker
) -> None:
    """With 30 calls a day, commands stop where polling's share begins; polls still go."""
    heard: list[EliotQuotaExceededError] = []
    half_past = NOON + timedelta(minutes=30)
    client = make_client(
        budget=QuotaBudget(daily_limit=30, clock=lambda: half_past),
        on_quota=heard.append,
    )
    aioclient.post(THERMOSTAT_URL, json={})
    aioclient.get(THERMOSTAT_URL, json={"chronothermostats": [{"mode": "off"}]})
    # At 12:30, polling's share of a 30-call day is 0.8 * 30 * 11.5 / 24 = 11.5 calls.
    assert client.budget.polling_floor() == 11

    for _ in range(19):
        await client.set_off(PLANT, MODULE, function="heating")
    with pytest.raises(EliotCommandBudgetError) as caught:
        await client.set_off(PLANT, MODULE, function="heating")

    assert heard == [caught.value]
    assert caught.value.status is None
    # At 13:00 the share falls to 11 calls, just below what is left: one more command then.
    assert caught.value.resume_at == NOON + timedelta(hours=1, seconds=1)
    await client.thermostat_status(PLANT, MODULE)
    assert aioclient.call_count == 20
    assert not client.budget.commands_allowed()


async def test_nothing_is_sent_once_the_day_is_spent(
    make_client: Callable[..., EliotClient], aioclient: AiohttpClientMocker
) -> None:
    """The last call of the budget is the last one sent: the gateway never has to refuse."""
    client = make_client(budget=QuotaBudget(daily_limit=2, clock=lambda: NOON))
    aioclient.get(THERMOSTAT_URL, json={"chronothermostats": [{"mode": "off"}]})
    await client.thermostat_status(PLANT, MODULE)
    await client.thermostat_status(PLANT, MODULE)

    with pytest.raises(EliotQuotaExceededError) as caught:
        await client.thermostat_status(PLANT, MODULE)

    assert caught.value.daily
    assert caught.value.status is None
    assert caught.value.resume_at == client.budget.reset_at
    assert aioclient.call_count == 2

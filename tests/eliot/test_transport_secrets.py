"""The subscription key and the tokens never show in messages, reprs or log records."""

from __future__ import annotations

from collections.abc import Callable
import logging

import aiohttp
import pytest

from custom_components.legrand_eliot.eliot import EliotClient, EliotError

from .conftest import (
    ACCESS_TOKEN,
    BASE_URL,
    FRESH_TOKEN,
    HC_PLANTS_URL,
    SMARTHER_PLANTS_URL,
    SUBSCRIPTION_KEY,
    AiohttpClientMocker,
    queue_answers,
)

SECRETS = (SUBSCRIPTION_KEY, ACCESS_TOKEN, FRESH_TOKEN)
ECHO = f"Token {ACCESS_TOKEN} or {FRESH_TOKEN} refused for key {SUBSCRIPTION_KEY}"


def assert_clean(text: str) -> None:
    """Assert that no secret appears in a text."""
    for secret in SECRETS:
        assert secret not in text


def test_client_repr_hides_credentials(make_client: Callable[..., EliotClient]) -> None:
    """The client's repr shows where it talks to, never with what."""
    client = make_client()

    assert_clean(repr(client))
    assert BASE_URL in repr(client)


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 401, "json": {"statusCode": 401, "message": ECHO}},
        {"status": 403, "json": {"statusCode": 403, "message": ECHO}},
        {"status": 400, "json": {"errors": [{"internalMessage": ECHO, "code": 1}]}},
        {"status": 500, "text": ECHO},
        {"status": 429, "json": {"error": "throttled", "error_description": ECHO}},
        {"status": 418, "json": {"message": ECHO}},
    ],
)
async def test_server_messages_that_echo_secrets_are_redacted(
    client: EliotClient,
    aioclient: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, object],
) -> None:
    """Even a gateway that quotes the credentials back cannot leak them through an error."""
    caplog.set_level(logging.DEBUG)
    queue_answers(aioclient, "get", HC_PLANTS_URL, [answer])

    with pytest.raises(EliotError) as caught:
        await client.hc_plants()

    assert_clean(str(caught.value))
    assert_clean(repr(caught.value))
    assert_clean(caught.value.detail)
    assert "REDACTED" in str(caught.value)
    for record in caplog.records:
        assert_clean(record.getMessage())


async def test_logs_of_a_whole_session_are_clean(
    client: EliotClient,
    aioclient: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Requests, a token refresh, retries and failures log no secret."""
    caplog.set_level(logging.DEBUG)
    queue_answers(
        aioclient,
        "get",
        HC_PLANTS_URL,
        [
            {"status": 401, "json": {"statusCode": 401, "message": "expired"}},
            {"json": {"plants": []}},
        ],
    )
    aioclient.get(SMARTHER_PLANTS_URL, exc=aiohttp.ClientConnectionError(ECHO))

    await client.hc_plants()
    with pytest.raises(EliotError) as caught:
        await client.smarther_plants()

    assert_clean(str(caught.value))
    assert caplog.records
    for record in caplog.records:
        assert_clean(record.getMessage())

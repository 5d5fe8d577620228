"""Tests for reading the account behind a Legrand login from its id_token."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.legrand_eliot.identity import (
    IdentityError,
    async_account_subject,
)

from .login import CLIENT_ID, ISSUER, LOGIN_URL, SUBJECT, id_token, mock_login_server


async def _subject(mocker: AiohttpClientMocker, token: str | None) -> str:
    session = mocker.create_session(asyncio.get_running_loop())
    try:
        return await async_account_subject(session, LOGIN_URL, CLIENT_ID, token)
    finally:
        await session.close()


@pytest.fixture
def login_server(aioclient_mock: AiohttpClientMocker) -> AiohttpClientMocker:
    """Serve the login server's discovery document and keys."""
    mock_login_server(aioclient_mock)
    return aioclient_mock


async def test_valid_token_gives_subject(login_server: AiohttpClientMocker) -> None:
    """A token signed by the published key, for this app, gives its subject."""
    assert await _subject(login_server, id_token()) == SUBJECT


@pytest.mark.parametrize(
    ("claims", "kid"),
    [
        ({"aud": "another-client"}, "k1"),
        ({"iss": "https://elsewhere.test/"}, "k1"),
        ({"exp": int(time.time()) - 600}, "k1"),
        ({"sub": ""}, "k1"),
        ({}, "unknown-kid"),
    ],
    ids=["wrong-audience", "wrong-issuer", "expired", "no-subject", "unknown-key"],
)
async def test_rejected_tokens(
    login_server: AiohttpClientMocker, claims: dict[str, Any], kid: str
) -> None:
    """Tokens for another app, from another issuer, expired or without subject are refused."""
    with pytest.raises(IdentityError) as err:
        await _subject(login_server, id_token(kid=kid, **claims))
    assert err.value.reason == "invalid_id_token"


async def test_forged_signature_is_refused(login_server: AiohttpClientMocker) -> None:
    """A token signed by any other key is refused, and the token is not in the error."""
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = id_token(forger)
    with pytest.raises(IdentityError) as err:
        await _subject(login_server, token)
    assert err.value.reason == "invalid_id_token"
    assert token not in str(err.value)


@pytest.mark.parametrize("token", [None, "", "not-a-jwt"])
async def test_missing_or_garbage_token(
    login_server: AiohttpClientMocker, token: str | None
) -> None:
    """No id_token, or garbage, never crashes."""
    with pytest.raises(IdentityError) as err:
        await _subject(login_server, token)
    assert err.value.reason in {"missing_id_token", "invalid_id_token"}


async def test_login_server_unreachable(aioclient_mock: AiohttpClientMocker) -> None:
    """A discovery document that cannot be fetched is a connection problem, not a bad token."""
    aioclient_mock.get(
        f"{LOGIN_URL}/{CLIENT_ID}/.well-known/openid-configuration", status=503
    )
    with pytest.raises(IdentityError) as err:
        await _subject(aioclient_mock, id_token())
    assert err.value.reason == "cannot_connect"


async def test_discovery_without_keys(aioclient_mock: AiohttpClientMocker) -> None:
    """A discovery document without jwks_uri cannot verify anything."""
    aioclient_mock.get(
        f"{LOGIN_URL}/{CLIENT_ID}/.well-known/openid-configuration",
        json={"issuer": ISSUER},
    )
    with pytest.raises(IdentityError) as err:
        await _subject(aioclient_mock, id_token())
    assert err.value.reason == "cannot_connect"

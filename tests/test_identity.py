"""Tests for reading the account behind a Legrand login from its id_token."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
import jwt
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.legrand_eliot.identity import (
    IdentityError,
    async_account_subject,
)

LOGIN = "https://login.test"
CLIENT_ID = "5a1f3a0c-1111-2222-3333-444455556666"
ISSUER = f"{LOGIN}/tenant/v2.0/"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    """Return an RSA key standing for the login server's signing key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks(key: rsa.RSAPrivateKey, kid: str = "k1") -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}


def _id_token(key: rsa.RSAPrivateKey, kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "user-42",
        "iat": now,
        "exp": now + 3600,
    }
    payload.update(claims)
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def login_server(
    aioclient_mock: AiohttpClientMocker, signing_key: rsa.RSAPrivateKey
) -> AiohttpClientMocker:
    """Serve the discovery document and keys as the login server publishes them."""
    aioclient_mock.get(
        f"{LOGIN}/{CLIENT_ID}/.well-known/openid-configuration",
        json={"issuer": ISSUER, "jwks_uri": f"{LOGIN}/keys"},
    )
    aioclient_mock.get(f"{LOGIN}/keys", json=_jwks(signing_key))
    return aioclient_mock


async def _subject(mocker: AiohttpClientMocker, token: str | None) -> str:
    session = mocker.create_session(asyncio.get_running_loop())
    try:
        return await async_account_subject(session, LOGIN, CLIENT_ID, token)
    finally:
        await session.close()


async def test_valid_token_gives_subject(
    login_server: AiohttpClientMocker, signing_key: rsa.RSAPrivateKey
) -> None:
    """A token signed by the published key, for this app, gives its subject."""
    assert await _subject(login_server, _id_token(signing_key)) == "user-42"


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
    login_server: AiohttpClientMocker,
    signing_key: rsa.RSAPrivateKey,
    claims: dict[str, Any],
    kid: str,
) -> None:
    """Tokens for another app, from another issuer, expired or without subject are refused."""
    with pytest.raises(IdentityError) as err:
        await _subject(login_server, _id_token(signing_key, kid=kid, **claims))
    assert err.value.reason == "invalid_id_token"


async def test_forged_signature_is_refused(login_server: AiohttpClientMocker) -> None:
    """A token signed by any other key is refused, and the token is not in the error."""
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = _id_token(forger)
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


async def test_login_server_unreachable(
    aioclient_mock: AiohttpClientMocker, signing_key: rsa.RSAPrivateKey
) -> None:
    """A discovery document that cannot be fetched is a connection problem, not a bad token."""
    aioclient_mock.get(
        f"{LOGIN}/{CLIENT_ID}/.well-known/openid-configuration", status=503
    )
    with pytest.raises(IdentityError) as err:
        await _subject(aioclient_mock, _id_token(signing_key))
    assert err.value.reason == "cannot_connect"


async def test_discovery_without_keys(
    aioclient_mock: AiohttpClientMocker, signing_key: rsa.RSAPrivateKey
) -> None:
    """A discovery document without jwks_uri cannot verify anything."""
    aioclient_mock.get(
        f"{LOGIN}/{CLIENT_ID}/.well-known/openid-configuration", json={"issuer": ISSUER}
    )
    with pytest.raises(IdentityError) as err:
        await _subject(aioclient_mock, _id_token(signing_key))
    assert err.value.reason == "cannot_connect"

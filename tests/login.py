"""A stand-in for the Legrand login server's keys and id_tokens, for tests."""

from __future__ import annotations

from functools import cache
import json
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
import jwt
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

LOGIN_URL = "https://partners-login.eliotbylegrand.com"
CLIENT_ID = "5a1f3a0c-1111-2222-3333-444455556666"
CLIENT_SECRET = "client-secret-that-must-stay-secret"
ISSUER = f"{LOGIN_URL}/tenant/v2.0/"
SUBJECT = "0b7f6d7e-7a6c-4a53-9a55-2d8f1b0c9e11"
KEY_ID = "k1"


@cache
def signing_key() -> rsa.RSAPrivateKey:
    """Return the login server's signing key (one per test run: generating one is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks(key: rsa.RSAPrivateKey | None = None, kid: str = KEY_ID) -> dict[str, Any]:
    """Return the JSON Web Key Set publishing a key's public half."""
    public = (key or signing_key()).public_key()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}


def id_token(
    key: rsa.RSAPrivateKey | None = None, kid: str = KEY_ID, **claims: Any
) -> str:
    """Return an id_token for the app's client id, signed by the login server unless told."""
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": SUBJECT,
        "iat": now,
        "exp": now + 3600,
    }
    payload.update(claims)
    return jwt.encode(
        payload, key or signing_key(), algorithm="RS256", headers={"kid": kid}
    )


def mock_login_server(
    aioclient_mock: AiohttpClientMocker,
    base: str = LOGIN_URL,
    client_id: str = CLIENT_ID,
) -> None:
    """Serve the discovery document and the keys as the login server publishes them."""
    aioclient_mock.get(
        f"{base}/{client_id}/.well-known/openid-configuration",
        json={"issuer": ISSUER, "jwks_uri": f"{base}/discovery/keys"},
    )
    aioclient_mock.get(f"{base}/discovery/keys", json=jwks())

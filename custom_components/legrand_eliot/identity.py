"""The account behind a Legrand login: verify the OpenID Connect id_token and read its subject."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout
import jwt

DISCOVERY_PATH = "/{client_id}/.well-known/openid-configuration"
ID_TOKEN_ALGORITHMS = ["RS256"]
REQUEST_TIMEOUT = ClientTimeout(total=20)


class IdentityError(Exception):
    """The account behind a token could not be established."""

    def __init__(self, reason: str, detail: str) -> None:
        """Keep a flow abort reason and a detail for the log; neither carries the token."""
        super().__init__(detail)
        self.reason = reason


async def _get_json(session: ClientSession, url: str) -> dict[str, Any]:
    """Fetch a JSON object from the login server."""
    try:
        async with session.get(url, timeout=REQUEST_TIMEOUT) as response:
            response.raise_for_status()
            body = await response.json(content_type=None)
    except (ClientError, TimeoutError, ValueError) as err:
        raise IdentityError("cannot_connect", f"{url}: {type(err).__name__}") from err
    if not isinstance(body, dict):
        raise IdentityError("cannot_connect", f"{url}: not a JSON object")
    return body


async def async_account_subject(
    session: ClientSession, login_base_url: str, client_id: str, id_token: str | None
) -> str:
    """
    Return the subject of a verified id_token issued to this application.

    The signature is checked against the keys the login server publishes, the audience must be
    the client id, the issuer the one of the discovery document, and the token must not be expired.
    """
    if not id_token or not isinstance(id_token, str):
        raise IdentityError("missing_id_token", "the token response has no id_token")
    discovery = await _get_json(
        session, login_base_url + DISCOVERY_PATH.format(client_id=client_id)
    )
    issuer = discovery.get("issuer")
    jwks_uri = discovery.get("jwks_uri")
    if not isinstance(issuer, str) or not isinstance(jwks_uri, str):
        raise IdentityError(
            "cannot_connect", "discovery document without issuer or jwks_uri"
        )
    try:
        key_set = jwt.PyJWKSet.from_dict(await _get_json(session, jwks_uri))
        key_id = jwt.get_unverified_header(id_token).get("kid")
        keys = [key for key in key_set.keys if key_id is None or key.key_id == key_id]
        if not keys:
            raise IdentityError(
                "invalid_id_token", f"no published key has the id {key_id}"
            )
        claims = jwt.decode(
            id_token,
            keys[0],
            algorithms=ID_TOKEN_ALGORITHMS,
            audience=client_id,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as err:
        raise IdentityError("invalid_id_token", type(err).__name__) from err
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise IdentityError("invalid_id_token", "the id_token has no subject")
    return subject

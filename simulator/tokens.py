"""Authorization codes, access and refresh tokens, and the RS256 key that signs them."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import functools
import hashlib
import json
import secrets
from typing import Any
import uuid

from cryptography.hazmat.primitives.asymmetric import rsa
import jwt
from jwt.algorithms import RSAAlgorithm

from .accounts import App, User
from .clock import Clock
from .options import Options

# Scopes that OpenID Connect clients add and that no API checks.
OPENID_SCOPES = frozenset({"openid", "offline_access", "profile", "email"})
DEFAULT_ISSUER_HOST = "https://partners-login.eliotbylegrand.com"


@functools.cache
def _signing_key() -> rsa.RSAPrivateKey:
    """Return the process-wide signing key (generated once: it takes a noticeable moment)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class TokenError(Exception):
    """A token request the login server refuses: an OAuth error and its description."""

    def __init__(self, status: int, error: str, description: str) -> None:
        """Keep the parts of the OAuth error answer."""
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class AccessDeniedError(Exception):
    """A bearer token the gateway refuses; the message is the gateway's answer."""


@dataclass(kw_only=True)
class AccessGrant:
    """What an access token allows, for whom and until when."""

    user: str
    scopes: frozenset[str]
    expires_at: datetime
    revoked: bool = False


@dataclass(kw_only=True)
class RefreshGrant:
    """A refresh token's user, scopes and lifetime."""

    user: str
    client_id: str
    scopes: frozenset[str]
    expires_at: datetime
    revoked: bool = False


@dataclass(kw_only=True)
class CodeGrant:
    """An authorization code: single use, short lived, bound to a client and a reply URL."""

    user: str
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    nonce: str | None
    issued_at: datetime
    expires_at: datetime
    used: bool = False


@dataclass(kw_only=True)
class TokenStore:
    """Every code and token handed out, with the rules for redeeming them."""

    clock: Clock
    options: Callable[[], Options]
    codes: dict[str, CodeGrant] = field(default_factory=dict)
    access: dict[str, AccessGrant] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)

    def __repr__(self) -> str:
        """Describe the store without a single token."""
        return (
            f"TokenStore(codes={len(self.codes)}, access={len(self.access)}, "
            f"refresh={len(self.refresh)})"
        )

    @property
    def key_id(self) -> str:
        """Return the id of the signing key, as published in the JWKS."""
        public = _signing_key().public_key().public_numbers()
        digest = hashlib.sha256(public.n.to_bytes(256, "big")).digest()
        return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")

    def jwks(self) -> dict[str, Any]:
        """Return the JSON Web Key Set that verifies id_tokens."""
        key: dict[str, Any] = json.loads(
            RSAAlgorithm.to_jwk(_signing_key().public_key())
        )
        key.update(kid=self.key_id, use="sig", alg="RS256")
        return {"keys": [key]}

    def issuer(self, app: App) -> str:
        """Return the issuer named in id_tokens and in the discovery document."""
        configured = self.options().issuer
        return configured or f"{DEFAULT_ISSUER_HOST}/{app.tenant_id}/v2.0/"

    def issue_code(
        self,
        user: User,
        client_id: str,
        redirect_uri: str,
        scopes: frozenset[str],
        nonce: str | None,
    ) -> str:
        """Hand out an authorization code after consent."""
        now = self.clock.now()
        code = secrets.token_urlsafe(48)
        self.codes[code] = CodeGrant(
            user=user.email,
            client_id=client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            nonce=nonce,
            issued_at=now,
            expires_at=now + timedelta(seconds=self.options().code_lifetime),
        )
        return code

    def redeem_code(
        self, code: str, client_id: str, redirect_uri: str | None
    ) -> CodeGrant:
        """Consume a code; a used or stale one is the B2C "grant has expired" error."""
        grant = self.codes.get(code)
        if grant is None or grant.client_id != client_id:
            raise TokenError(
                400,
                "invalid_grant",
                "AADB2C90088: The provided grant has not been issued for this endpoint.",
            )
        now = self.clock.now()
        if grant.used or now >= grant.expires_at:
            raise TokenError(
                400,
                "invalid_grant",
                "AADB2C90080: The provided grant has expired. Please re-authenticate and try "
                f"again. Current time: {int(now.timestamp())}, Grant issued time: "
                f"{int(grant.issued_at.timestamp())}, Grant expiration time: "
                f"{int(grant.expires_at.timestamp())}",
            )
        if redirect_uri is not None and redirect_uri != grant.redirect_uri:
            raise TokenError(
                400,
                "invalid_grant",
                "AADB2C90006: The redirect URI provided in the request is not registered for "
                "this grant.",
            )
        grant.used = True
        return grant

    def redeem_refresh(self, token: str, client_id: str) -> RefreshGrant:
        """Check a refresh token; rotation may blacklist it once used."""
        grant = self.refresh.get(token)
        if grant is None or grant.client_id != client_id:
            raise TokenError(
                400,
                "invalid_grant",
                "AADB2C90090: The provided refresh token is not valid.",
            )
        if grant.revoked:
            raise TokenError(
                400,
                "invalid_grant",
                "AADB2C90129: The provided grant has been revoked. Please reauthenticate and "
                "try again.",
            )
        if self.clock.now() >= grant.expires_at:
            raise TokenError(
                400,
                "invalid_grant",
                "AADB2C90080: The provided grant has expired. Please re-authenticate and try "
                "again.",
            )
        if self.options().revoke_rotated_refresh_tokens:
            grant.revoked = True
        return grant

    def issue(
        self, app: App, user: User, scopes: frozenset[str], nonce: str | None = None
    ) -> dict[str, Any]:
        """Return a full token response, as POST /token answers it."""
        options = self.options()
        now = self.clock.now()
        lifetime = options.access_token_lifetime
        expires_at = now + timedelta(seconds=lifetime)
        issued = int(now.timestamp())
        expires_on = int(expires_at.timestamp())
        issuer = self.issuer(app)
        access_token = self._sign(
            {
                "iss": issuer,
                "sub": user.subject,
                "aud": app.client_id,
                "azp": app.client_id,
                "scp": " ".join(sorted(scopes)),
                "iat": issued,
                "nbf": issued,
                "exp": expires_on,
                "ver": "1.0",
                "jti": str(uuid.uuid4()),
            }
        )
        id_claims: dict[str, Any] = {
            "iss": issuer,
            "sub": user.subject,
            "aud": app.client_id,
            "iat": issued,
            "nbf": issued,
            "auth_time": issued,
            "exp": expires_on,
            "ver": "1.0",
            "name": user.name,
            "emails": [user.email],
        }
        if nonce:
            id_claims["nonce"] = nonce
        refresh_token = secrets.token_urlsafe(64)
        self.access[access_token] = AccessGrant(
            user=user.email, scopes=scopes, expires_at=expires_at
        )
        self.refresh[refresh_token] = RefreshGrant(
            user=user.email,
            client_id=app.client_id,
            scopes=scopes,
            expires_at=now + timedelta(seconds=options.refresh_token_lifetime),
        )
        self._prune(now)
        response: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "not_before": issued,
            "expires_in": lifetime,
            "expires_on": str(expires_on)
            if options.expires_on_type == "str"
            else expires_on,
            "resource": app.client_id,
            "id_token": self._sign(id_claims),
            "id_token_expires_in": lifetime,
            "profile_info": _profile_info(app, user),
            "scope": " ".join(sorted(scopes | {"openid", "offline_access"})),
            "refresh_token": refresh_token,
            "refresh_token_expires_in": options.refresh_token_lifetime,
        }
        if options.token_fields in ("expires_in", "neither"):
            del response["expires_on"]
        if options.token_fields in ("expires_on", "neither"):
            del response["expires_in"]
        return response

    def check_access(self, token: str) -> AccessGrant:
        """Return what a bearer token allows, or raise AccessDeniedError with the gateway's message."""
        grant = self.access.get(token)
        if grant is None or grant.revoked:
            raise AccessDeniedError("Unauthorized. Access token is missing or invalid.")
        if self.clock.now() >= grant.expires_at:
            raise AccessDeniedError("Unauthorized. Access token has expired.")
        return grant

    def revoke(self, user: str | None, *, access: bool) -> int:
        """Blacklist refresh tokens (and access tokens if asked) of one user or of all."""
        count = 0
        grants: list[RefreshGrant | AccessGrant] = list(self.refresh.values())
        if access:
            grants.extend(self.access.values())
        for grant in grants:
            if (user is None or grant.user == user) and not grant.revoked:
                grant.revoked = True
                count += 1
        return count

    def expire_access(self, user: str | None) -> int:
        """Make current access tokens expire now."""
        now = self.clock.now()
        count = 0
        for grant in self.access.values():
            if (user is None or grant.user == user) and grant.expires_at > now:
                grant.expires_at = now
                count += 1
        return count

    def forget_users(self, keep: set[str]) -> None:
        """Drop the tokens of users who no longer exist."""
        self.codes = {k: g for k, g in self.codes.items() if g.user in keep}
        self.access = {k: g for k, g in self.access.items() if g.user in keep}
        self.refresh = {k: g for k, g in self.refresh.items() if g.user in keep}

    def _prune(self, now: datetime) -> None:
        """Forget codes and access tokens long expired, so a long run does not grow forever."""
        horizon = now - timedelta(days=1)
        self.codes = {k: g for k, g in self.codes.items() if g.expires_at > horizon}
        self.access = {k: g for k, g in self.access.items() if g.expires_at > horizon}
        self.refresh = {k: g for k, g in self.refresh.items() if g.expires_at > horizon}

    def _sign(self, claims: dict[str, Any]) -> str:
        """Sign claims as an RS256 JWT with the published key id."""
        return jwt.encode(
            claims,
            _signing_key(),
            algorithm="RS256",
            headers={"kid": self.key_id, "typ": "JWT"},
        )


def _profile_info(app: App, user: User) -> str:
    """Return the B2C profile_info field: base64 JSON naming the tenant and the user."""
    info = {
        "ver": "1.0",
        "tid": app.tenant_id,
        "sub": None,
        "name": user.name,
        "preferred_username": None,
        "idp": None,
    }
    return base64.urlsafe_b64encode(json.dumps(info).encode()).decode().rstrip("=")

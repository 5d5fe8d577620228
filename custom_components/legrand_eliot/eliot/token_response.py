"""The login server's token answer, checked and completed with both lifetimes."""

from __future__ import annotations

from typing import Any

from .const import TOKEN_ENDPOINT
from .parsing import ParseError, guarded, mapping, optional_number

# Clients fall back to one hour when the login answer gives no lifetime.
_DEFAULT_TOKEN_LIFETIME = 3600.0
# The token answer's fields that are text when present; Home Assistant stores them as they are.
_TOKEN_TEXT_FIELDS = ("refresh_token", "token_type", "id_token")


def _token_text(token: dict[str, Any], name: str) -> None:
    """Check that a token field is text; one that is null is left out, as if absent."""
    value = token.get(name)
    if value is None:
        token.pop(name, None)
    elif not isinstance(value, str) or not value.strip():
        raise ParseError(f"{name} is not text")


def _token_response(data: Any, now: float) -> dict[str, Any]:
    """Check the types of a token response and fill `expires_in` and `expires_on`."""
    token = dict(mapping(data, "token response"))
    access_token = token.get("access_token")
    if not isinstance(access_token, str) or not access_token.strip():
        raise ParseError("access_token is missing or not text")
    for name in _TOKEN_TEXT_FIELDS:
        _token_text(token, name)
    scope = token.get("scope")
    if scope is None:
        token.pop("scope", None)
    elif not isinstance(scope, str) and not (
        isinstance(scope, list) and all(isinstance(item, str) for item in scope)
    ):
        raise ParseError("scope is neither text nor a list of words")
    expires_in = optional_number(token.get("expires_in"), "expires_in")
    expires_on = optional_number(token.get("expires_on"), "expires_on")
    if expires_in is None:
        expires_in = (
            _DEFAULT_TOKEN_LIFETIME
            if expires_on is None
            else max(0.0, expires_on - now)
        )
    if expires_on is None:
        expires_on = now + expires_in
    token["expires_in"] = int(expires_in)
    token["expires_on"] = int(expires_on)
    return token


def parse_token_response(data: Any, now: float) -> dict[str, Any]:
    """
    Return a token response with both `expires_in` and `expires_on` (epoch s) filled.

    Legrand's login has sent either field over the years; Home Assistant needs `expires_in`.
    Without either, the usual one hour lifetime is assumed.
    """
    return guarded(TOKEN_ENDPOINT, _token_response, data, now)

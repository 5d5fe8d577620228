"""The login's token answer: both expiries filled, nulls left out, nonsense refused."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.legrand_eliot.eliot.exceptions import EliotResponseError
from custom_components.legrand_eliot.eliot.token_response import parse_token_response


def test_token_response_fills_both_expiries() -> None:
    """Either expiry field gives the other one; neither gives one hour."""
    now = 1_700_000_000.0

    only_on = parse_token_response(
        {"access_token": "a", "expires_on": "1700003600"}, now
    )
    only_in = parse_token_response({"access_token": "a", "expires_in": 1800}, now)
    neither = parse_token_response({"access_token": "a", "refresh_token": "r"}, now)

    assert (only_on["expires_in"], only_on["expires_on"]) == (3600, 1_700_003_600)
    assert (only_in["expires_in"], only_in["expires_on"]) == (1800, 1_700_001_800)
    assert (neither["expires_in"], neither["refresh_token"]) == (3600, "r")


def test_token_fields_of_null_are_left_out() -> None:
    """A token field that is null is as if absent: Home Assistant keeps the one it had."""
    token = parse_token_response(
        {
            "access_token": "a",
            "refresh_token": None,
            "token_type": None,
            "id_token": None,
            "scope": None,
            "expires_in": 60,
        },
        0,
    )

    assert token == {"access_token": "a", "expires_in": 60, "expires_on": 60}


def test_token_scope_as_text_or_words() -> None:
    """The granted scope may come as one text or as a list of words."""
    for scope in ("comfort.read plug.read", ["comfort.read", "plug.read"]):
        answer = {"access_token": "a", "token_type": "Bearer", "scope": scope}
        assert parse_token_response(answer, 0)["scope"] == scope


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"access_token": ""},
        {"access_token": "secret-token", "expires_in": "soon"},
        [],
        {"access_token": 12345},
        {"access_token": ["secret-token"]},
        {"access_token": "secret-token", "refresh_token": 7},
        {"access_token": "secret-token", "refresh_token": {"value": "r"}},
        {"access_token": "secret-token", "refresh_token": ""},
        {"access_token": "secret-token", "token_type": True},
        {"access_token": "secret-token", "id_token": ["a", "b"]},
        {"access_token": "secret-token", "scope": 3},
        {"access_token": "secret-token", "scope": ["comfort.read", 3]},
    ],
)
def test_bad_token_response(data: Any) -> None:
    """A token answer without a token, or with a nonsense lifetime, is a response error."""
    with pytest.raises(EliotResponseError) as caught:
        parse_token_response(data, 0)

    assert caught.value.endpoint == "POST /token"
    assert "secret-token" not in str(caught.value)

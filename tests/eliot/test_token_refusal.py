"""Reading the login server's refusals: the OAuth error and B2C code, never the text."""

from __future__ import annotations

import json

import pytest

from custom_components.legrand_eliot.eliot import (
    RefusedPart,
    TokenRefusal,
    parse_token_refusal,
)


def refusal(status: int, body: object) -> TokenRefusal:
    """Parse a JSON body as the token endpoint sends it."""
    return parse_token_refusal(status, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("status", "error", "description", "part"),
    [
        (
            401,
            "invalid_client",
            (
                "AADB2C90081: The specified client_secret does not match the expected value "
                "for this client. Please correct the client_secret and try again."
            ),
            RefusedPart.CLIENT_SECRET,
        ),
        (
            400,
            "invalid_request",
            (
                "AADB2C90079: Clients must send a client_secret when redeeming a "
                "confidential grant."
            ),
            RefusedPart.CLIENT_SECRET,
        ),
        (
            400,
            "invalid_grant",
            (
                "AADB2C90085: The service has encountered an internal error. Please "
                "reauthenticate and try again."
            ),
            RefusedPart.CLIENT_SECRET,
        ),
        (
            400,
            "invalid_client",
            (
                "AADB2C90018: The client id '5a1f' specified in the request is not "
                "registered in tenant 'legrand'."
            ),
            RefusedPart.CLIENT_ID,
        ),
        (
            400,
            "invalid_request",
            "AADB2C90092: The provided application with ID '5a1f' is disabled.",
            RefusedPart.CLIENT_ID,
        ),
        (401, "invalid_client", "Bad client credentials", RefusedPart.CLIENT_SECRET),
        (400, "unauthorized_client", "", RefusedPart.CLIENT_ID),
        (
            400,
            "invalid_grant",
            (
                "AADB2C90080: The provided grant has expired. Please re-authenticate and "
                "try again."
            ),
            None,
        ),
        (
            400,
            "invalid_grant",
            "AADB2C90129: The provided grant has been revoked.",
            None,
        ),
    ],
    ids=[
        "wrong-secret",
        "no-secret",
        "expired-secret",
        "unknown-client",
        "disabled-client",
        "invalid_client-without-code",
        "unauthorized_client",
        "expired-grant",
        "revoked-grant",
    ],
)
def test_what_was_refused(
    status: int, error: str, description: str, part: RefusedPart | None
) -> None:
    """A client id or secret refused is told from a grant refused, by code or OAuth error."""
    parsed = refusal(status, {"error": error, "error_description": description})
    assert parsed.refused_part is part
    assert parsed.error == error


def test_the_text_is_never_kept() -> None:
    """Only the status, the error word and the B2C code are kept, and said."""
    parsed = refusal(
        400,
        {
            "error": "invalid_client",
            "error_description": "AADB2C90018: The client id '5a1f-secret-ish' specified "
            "in the request is not registered in tenant 'legrand'.",
        },
    )
    assert parsed == TokenRefusal(400, "invalid_client", "AADB2C90018")
    assert str(parsed) == "HTTP 400, invalid_client (AADB2C90018)"
    assert str(TokenRefusal(503, "unknown", None)) == "HTTP 503, unknown"


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Service Unavailable</html>",
        b"[1, 2]",
        json.dumps({"message": "Too many requests"}).encode(),
        json.dumps({"error": "Some Long Sentence the server wrote"}).encode(),
        json.dumps({"error": 401, "error_description": ["AADB2C90081"]}).encode(),
        b"\xff\xfe",
    ],
    ids=["html", "list", "apim-shape", "error-not-a-word", "wrong-types", "binary"],
)
def test_unreadable_refusals(body: bytes) -> None:
    """Any other body is an unknown refusal of nothing in particular."""
    parsed = parse_token_refusal(429, body)
    assert parsed == TokenRefusal(429, "unknown", None)
    assert parsed.refused_part is None

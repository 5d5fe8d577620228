"""Reading error bodies, quota countdowns and Retry-After headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.legrand_eliot.eliot.error_map import (
    error_message,
    quota_delay,
    redact,
    retry_after,
)

from .conftest import NOON


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"statusCode": 401, "message": "Access denied"}, "Access denied"),
        (
            {
                "errors": [
                    {"userMessage": "Invalid arguments", "internalMessage": "no id"}
                ]
            },
            "no id",
        ),
        ({"errors": [{"userMessage": "Invalid arguments"}]}, "Invalid arguments"),
        ({"errors": [{"code": 3}]}, None),
        ({"errors": []}, None),
        (
            {"error": "invalid_grant", "error_description": "AADB2C90080: expired"},
            "AADB2C90080: expired",
        ),
        ({"error": "invalid_request"}, "invalid_request"),
        ("plain text", "plain text"),
        ("", None),
        ([1, 2], None),
        (None, None),
    ],
)
def test_error_message_shapes(body: Any, message: str | None) -> None:
    """The gateway's, the Home + Control backend's and the login's error shapes are read."""
    assert error_message(body) == message


@pytest.mark.parametrize(
    ("message", "delay"),
    [
        (
            "Out of call volume quota. Quota will be replenished in 02:13:45.",
            timedelta(hours=2, minutes=13, seconds=45),
        ),
        ("Quota will be replenished in 3.00:00:01.", timedelta(days=3, seconds=1)),
        ("Rate limit is exceeded. Try again in 12 seconds.", timedelta(seconds=12)),
        ("Out of call volume quota.", None),
        (None, None),
    ],
)
def test_quota_delay(message: str | None, delay: timedelta | None) -> None:
    """Both countdown styles of the gateway are understood."""
    assert quota_delay(message) == delay


@pytest.mark.parametrize(
    ("header", "moment"),
    [
        ("120", NOON + timedelta(minutes=2)),
        (" 5 ", NOON + timedelta(seconds=5)),
        ("Wed, 25 Nov 2026 13:00:00 GMT", datetime(2026, 11, 25, 13, 0, tzinfo=UTC)),
        ("Wed, 25 Nov 2026 13:00:00 -0000", None),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(header: str | None, moment: datetime | None) -> None:
    """Retry-After in seconds or as an HTTP date; anything else is ignored."""
    assert retry_after(header, NOON) == moment


def test_redact_cuts_long_messages_and_hides_secrets() -> None:
    """A long message is cut and every secret replaced, short strings are left alone."""
    message = "key abcd1234 token eyJhbGciOi.payload.sig " + "x" * 300

    result = redact(message, ["abcd1234", "ab"])

    assert result is not None
    assert "abcd1234" not in result
    assert "eyJhbGciOi" not in result
    assert result.endswith("...")
    assert len(result) <= 203
    assert redact("", ["abcd"]) is None

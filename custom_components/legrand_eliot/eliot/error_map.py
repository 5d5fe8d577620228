"""Turn the gateway's error answers into the package's exceptions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
import re
from typing import Any

from .const import DEFAULT_THROTTLE_PAUSE
from .exceptions import (
    EliotAppPasswordExpiredError,
    EliotAuthError,
    EliotBadRequestError,
    EliotConflictError,
    EliotDisplayBusyError,
    EliotError,
    EliotForbiddenError,
    EliotInvalidSubscriptionKeyError,
    EliotInvalidValueError,
    EliotNotAcceptableError,
    EliotNotFoundError,
    EliotQuotaExceededError,
    EliotResponseError,
    EliotServerError,
    EliotTermsExpiredError,
    EliotTimeoutError,
)

# "Quota will be replenished in 02:13:45." or "... in 1.02:13:45." (Azure API Management).
_REPLENISHED = re.compile(
    r"replenished\s+in\s+(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})", re.IGNORECASE
)
# "Rate limit is exceeded. Try again in 12 seconds."
_TRY_AGAIN = re.compile(r"try\s+again\s+in\s+(\d+)\s+second", re.IGNORECASE)
_SCOPE = re.compile(r"\b([a-z]+\.(?:read|write))\b")
# Any JSON Web Token, including one the client never saw (a token refreshed elsewhere).
_JWT = re.compile(r"eyJ[\w-]+\.[\w.-]*")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Ids the call did not name (another plant's, a subscription's): UUIDs and long hex runs.
_ID = re.compile(
    r"\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})\b",
    re.IGNORECASE,
)
_MAX_MESSAGE = 200
_REDACTED = "**REDACTED**"
_EMAIL_REDACTED = "**EMAIL**"
_ID_REDACTED = "{id}"

_SIMPLE_ERRORS: dict[int, type[EliotError]] = {
    400: EliotBadRequestError,
    404: EliotNotFoundError,
    406: EliotNotAcceptableError,
    408: EliotTimeoutError,
    409: EliotConflictError,
    430: EliotInvalidValueError,
    469: EliotAppPasswordExpiredError,
    470: EliotTermsExpiredError,
    486: EliotDisplayBusyError,
}


def error_message(body: Any) -> str | None:
    """Return the human text of an error body in any of the shapes the reference lists."""
    if isinstance(body, str):
        return body or None
    if not isinstance(body, Mapping):
        return None
    # Azure API Management: {"statusCode": 401, "message": "..."}
    if isinstance(message := body.get("message"), str):
        return message
    # Home + Control backend: {"errors": [{"userMessage": ..., "internalMessage": ..., "code": 0}]}
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        for key in ("internalMessage", "userMessage", "message"):
            if isinstance(message := errors[0].get(key), str):
                return message
    # OAuth server: {"error": "...", "error_description": "..."}
    for key in ("error_description", "error"):
        if isinstance(message := body.get(key), str):
            return message
    return None


def redact(
    message: str | None,
    secrets: Iterable[str],
    ids: Mapping[str, str] | None = None,
) -> str | None:
    """
    Cut a server message to a readable length, fit to show a user or a log.

    Every secret is replaced, each id the call named becomes its route placeholder
    (`{plantId}`), and e-mail addresses and other ids are blanked: the cloud's free text
    otherwise echoes whatever it was sent.
    """
    if not message:
        return None
    for secret in secrets:
        if secret and len(secret) >= 4:
            message = message.replace(secret, _REDACTED)
    message = _JWT.sub(_REDACTED, message)
    for name, value in (ids or {}).items():
        if len(value) >= 4:
            message = message.replace(value, f"{{{name}}}")
    message = _EMAIL.sub(_EMAIL_REDACTED, message)
    message = _ID.sub(_ID_REDACTED, message)
    message = " ".join(message.split())
    if len(message) > _MAX_MESSAGE:
        message = f"{message[:_MAX_MESSAGE]}..."
    return message


def quota_delay(message: str | None) -> timedelta | None:
    """Return the wait a quota message announces (`replenished in [D.]HH:MM:SS`)."""
    if not message:
        return None
    if match := _REPLENISHED.search(message):
        days, hours, minutes, seconds = match.groups()
        return timedelta(
            days=int(days or 0),
            hours=int(hours),
            minutes=int(minutes),
            seconds=int(seconds),
        )
    if match := _TRY_AGAIN.search(message):
        return timedelta(seconds=int(match.group(1)))
    return None


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """Return the moment a `Retry-After` header names, in seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except TypeError, ValueError, IndexError:
        return None
    return moment if moment.tzinfo is not None else None


def is_quota_message(message: str | None) -> bool:
    """Return whether a 403 or 429 speaks of the call volume quota."""
    return bool(message) and "quota" in str(message).lower()


def is_subscription_key_message(message: str | None) -> bool:
    """Return whether a 401 blames the subscription key rather than the token."""
    return bool(message) and "subscription key" in str(message).lower()


def error_for_status(
    status: int,
    body: Any,
    *,
    endpoint: str,
    now: datetime,
    retry_after_header: str | None,
    next_reset: datetime,
    secrets: Iterable[str],
    scope: str | None = None,
    ids: Mapping[str, str] | None = None,
) -> EliotError:
    """
    Return the exception for an error answer.

    `next_reset` is where a quota answer that names no moment resumes; `scope` is the
    permission the endpoint needs, reported on a 403 that names none; `ids` are the values the
    route was filled with, shown as their placeholders.
    """
    raw_message = error_message(body)
    message = redact(raw_message, secrets, ids) or ""
    if status in (403, 429) and (status == 429 or is_quota_message(raw_message)):
        daily = is_quota_message(raw_message)
        delay = quota_delay(raw_message)
        header_moment = retry_after(retry_after_header, now)
        if delay is not None and daily:
            # The message's countdown is the gateway's own reset: it wins over the header.
            resume_at = now + delay
        elif header_moment is not None:
            resume_at = header_moment
        elif delay is not None:
            resume_at = now + delay
        elif daily:
            resume_at = next_reset
        else:
            resume_at = now + DEFAULT_THROTTLE_PAUSE
        return EliotQuotaExceededError(
            message, endpoint=endpoint, status=status, resume_at=resume_at, daily=daily
        )
    if status == 401:
        if is_subscription_key_message(raw_message):
            return EliotInvalidSubscriptionKeyError(
                message, endpoint=endpoint, status=status
            )
        return EliotAuthError(message, endpoint=endpoint, status=status)
    if status == 403:
        found = _SCOPE.search(raw_message or "")
        return EliotForbiddenError(
            message,
            endpoint=endpoint,
            status=status,
            scope=found.group(1) if found else scope,
        )
    if status in _SIMPLE_ERRORS:
        return _SIMPLE_ERRORS[status](message, endpoint=endpoint, status=status)
    if status >= 500:
        return EliotServerError(message, endpoint=endpoint, status=status)
    return EliotResponseError(
        message or "Unexpected answer status", endpoint=endpoint, status=status
    )

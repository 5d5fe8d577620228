"""The exceptions of the Eliot client: one hierarchy for every way a call can fail."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar


class EliotError(Exception):
    """
    Base of every error the client raises.

    `endpoint` is the method and route template (for example
    `GET /hc/api/v1.0/plants/{plantId}`), never a real URL; `status` is the HTTP status when
    the gateway answered.
    """

    default_message: ClassVar[str] = "Eliot API error"

    def __init__(
        self,
        message: str = "",
        *,
        endpoint: str | None = None,
        status: int | None = None,
    ) -> None:
        """Store the endpoint and status and build a message that names them."""
        self.endpoint = endpoint
        self.status = status
        self.detail = message or self.default_message
        super().__init__(self._compose())

    def _compose(self) -> str:
        """Join the detail, the endpoint and the status into one readable line."""
        where = [part for part in (self.endpoint, self._status_text()) if part]
        if not where:
            return self.detail
        return f"{self.detail} ({', '.join(where)})"

    def _status_text(self) -> str | None:
        """Return `HTTP <status>` when there was an answer."""
        return None if self.status is None else f"HTTP {self.status}"


class EliotConnectionError(EliotError):
    """The gateway could not be reached or the connection broke."""

    default_message: ClassVar[str] = "Cannot reach the Legrand cloud"


class EliotTimeoutError(EliotConnectionError):
    """No answer in time: the client's own timeout or the gateway's 408."""

    default_message: ClassVar[str] = "The Legrand cloud did not answer in time"


class EliotServerError(EliotError):
    """The gateway or the backend failed (5xx)."""

    default_message: ClassVar[str] = "The Legrand cloud failed"


class EliotResponseError(EliotError):
    """The answer was malformed or not what the endpoint should answer."""

    default_message: ClassVar[str] = "Unexpected answer from the Legrand cloud"


class EliotAuthError(EliotError):
    """The access token was refused (401), even after a refresh."""

    default_message: ClassVar[str] = "The access token was refused"
    invalid_subscription_key: ClassVar[bool] = False


class EliotAccessDeniedError(EliotError):
    """
    The service behind the gateway refused this plant or device (401), even with a fresh token.

    The token is good (the gateway let the call through): the plant or device is not this
    account's any more, or not yet. It says nothing about the account's sign-in.
    """

    default_message: ClassVar[str] = "The account may not reach this plant or device"


class EliotInvalidSubscriptionKeyError(EliotAuthError):
    """The subscription key (Ocp-Apim-Subscription-Key) is missing, wrong or inactive."""

    default_message: ClassVar[str] = "The subscription key was refused"
    invalid_subscription_key = True


class EliotForbiddenError(EliotError):
    """The account may not do this (403 without a quota message): usually a missing scope."""

    default_message: ClassVar[str] = "The account is not allowed to do this"

    def __init__(
        self,
        message: str = "",
        *,
        endpoint: str | None = None,
        status: int | None = None,
        scope: str | None = None,
    ) -> None:
        """Store the scope the call needs, when it is known."""
        self.scope = scope
        super().__init__(message, endpoint=endpoint, status=status)


class EliotQuotaExceededError(EliotError):
    """
    The call quota is used up (403 quota message or 429): nothing is sent until `resume_at`.

    `daily` is true when the day's quota is gone, false for a short rate limit.
    """

    default_message: ClassVar[str] = "The call quota is used up"

    def __init__(
        self,
        message: str = "",
        *,
        endpoint: str | None = None,
        status: int | None = None,
        resume_at: datetime,
        daily: bool = True,
    ) -> None:
        """Store the moment calls may resume and whether the daily quota is gone."""
        self.resume_at = resume_at
        self.daily = daily
        super().__init__(message, endpoint=endpoint, status=status)

    def _compose(self) -> str:
        """Add the resume moment to the message."""
        return f"{super()._compose()}; calls resume at {self.resume_at.isoformat()}"


class EliotCommandBudgetError(EliotQuotaExceededError):
    """
    A command refused locally: commands spent what the day's budget allows them.

    The rest of the day's calls are kept for polling; commands resume at `resume_at`.
    """

    default_message: ClassVar[str] = "Commands used up the day's call budget"


class EliotBadRequestError(EliotError):
    """The gateway refused the request as malformed (400): a bug on the client's side."""

    default_message: ClassVar[str] = "The request was refused as malformed"


class EliotNotFoundError(EliotError):
    """Unknown plant or module, or its gateway is offline (404)."""

    default_message: ClassVar[str] = (
        "Unknown plant or module, or its gateway is offline"
    )


class EliotNotAcceptableError(EliotError):
    """The request is not acceptable for this resource (406)."""

    default_message: ClassVar[str] = "The request is not acceptable"


class EliotConflictError(EliotError):
    """The resource already exists (409): a subscription for this URL is already active."""

    default_message: ClassVar[str] = "Already exists"


class EliotInvalidValueError(EliotError, ValueError):
    """A value is out of range: refused locally before sending, or by the gateway (430)."""

    default_message: ClassVar[str] = "Invalid value"


class EliotAppPasswordExpiredError(EliotError):
    """The password of the official Thermostat app has expired (469)."""

    default_message: ClassVar[str] = "The Thermostat app password has expired"


class EliotTermsExpiredError(EliotError):
    """The terms and conditions of the official Thermostat app must be accepted again (470)."""

    default_message: ClassVar[str] = "The Thermostat app terms must be accepted again"


class EliotDisplayBusyError(EliotError):
    """The thermostat's display is being used on the device (486), even after waiting."""

    default_message: ClassVar[str] = "The thermostat display is in use"

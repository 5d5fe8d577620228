"""Map the sign-in's and the client's errors to Home Assistant's: one meaning, told four ways.

Setup, refreshes, entity actions and the subscription-key check meet the same errors: a refresh
token the login server refused for good, a token that could not be refreshed for now, a refused
subscription key, and the cloud's other answers. `explain` gives each its one meaning (a cause,
a translation key and its placeholders); the adapters below raise or return it the way their
caller must.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import Enum, auto
from functools import wraps
from typing import Any, cast

from aiohttp import ClientError
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
    ImplementationUnavailableError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
    ServiceValidationError,
)
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .eliot.exceptions import (
    EliotAccessDeniedError,
    EliotAppPasswordExpiredError,
    EliotAuthError,
    EliotBadRequestError,
    EliotCommandBudgetError,
    EliotDisplayBusyError,
    EliotError,
    EliotForbiddenError,
    EliotInvalidValueError,
    EliotNotAcceptableError,
    EliotNotFoundError,
    EliotQuotaExceededError,
    EliotResponseError,
    EliotTermsExpiredError,
)
from .issues import (
    ISSUE_INVALID_SUBSCRIPTION_KEY,
    clear_thermostat_app_issues,
    raise_issue,
    raise_thermostat_app_issue,
)

# What getting a valid token may raise besides the client's errors.
type TokenError = (
    OAuth2TokenRequestBaseError | ImplementationUnavailableError | ClientError
)


class Cause(Enum):
    """What an error means for the entry, whoever met it."""

    # The sign-in is refused for good: the account must be linked again.
    SIGN_IN = auto()
    # No valid token for now (the login server or the credentials are out of reach): it passes.
    TOKEN = auto()
    # The cloud refused the subscription key: a repair asks for a new one.
    KEY = auto()
    # Any other answer of the cloud.
    CLOUD = auto()


@dataclass(frozen=True, slots=True)
class Explained:
    """An error's meaning: its cause, and the translated message that tells it."""

    cause: Cause
    key: str
    # None for the token's errors, whose messages take none.
    placeholders: dict[str, str] | None


def format_resume_time(err: EliotQuotaExceededError) -> str:
    """Return the moment calls resume, in Home Assistant's time zone, as the user reads it."""
    local = dt_util.as_local(err.resume_at)
    if local.date() == dt_util.now().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def error_translation(
    err: EliotError, device: str | None = None
) -> tuple[str, dict[str, str]]:
    """Return the translation key and placeholders that explain a client error to the user."""
    if isinstance(err, EliotCommandBudgetError):
        return "command_budget_exhausted", {"resume_time": format_resume_time(err)}
    if isinstance(err, EliotQuotaExceededError) and not err.daily:
        return "rate_limited", {
            "seconds": str(
                max(1, round((err.resume_at - dt_util.utcnow()).total_seconds()))
            ),
            "resume_time": format_resume_time(err),
        }
    if isinstance(err, EliotQuotaExceededError):
        return "quota_exhausted", {"resume_time": format_resume_time(err)}
    if isinstance(err, EliotAuthError):
        if err.invalid_subscription_key:
            return "invalid_subscription_key", {}
        return "auth_failed", {}
    if isinstance(err, EliotForbiddenError):
        return "forbidden", {"scope": err.scope or "?"}
    if isinstance(err, EliotNotFoundError):
        return "not_found", {"device": device or "The device"}
    if isinstance(err, EliotAccessDeniedError):
        return "access_denied", {"device": device or "The device"}
    if isinstance(err, EliotInvalidValueError):
        return "invalid_value", {"value": str(err.detail)}
    if isinstance(err, (EliotBadRequestError, EliotNotAcceptableError)):
        return "bad_request", {"endpoint": err.endpoint or "?"}
    if isinstance(err, EliotDisplayBusyError):
        return "display_busy", {}
    if isinstance(err, EliotAppPasswordExpiredError):
        return "app_password_expired", {}
    if isinstance(err, EliotTermsExpiredError):
        return "terms_expired", {}
    if isinstance(err, EliotResponseError):
        return "malformed_response", {"error": str(err)}
    return "communication_error", {"error": str(err)}


def explain(err: TokenError | EliotError, device: str | None = None) -> Explained:
    """Return what an error of the sign-in or of the client means, and its message."""
    if isinstance(err, OAuth2TokenRequestReauthError):
        return Explained(Cause.SIGN_IN, "auth_failed", None)
    if isinstance(err, ImplementationUnavailableError):
        return Explained(Cause.TOKEN, "oauth_implementation_unavailable", None)
    if not isinstance(err, EliotError):
        return Explained(Cause.TOKEN, "token_refresh_failed", None)
    key, placeholders = error_translation(err, device)
    if isinstance(err, EliotAuthError):
        return Explained(
            Cause.KEY if err.invalid_subscription_key else Cause.SIGN_IN,
            key,
            placeholders,
        )
    return Explained(Cause.CLOUD, key, placeholders)


def setup_error(err: TokenError) -> ConfigEntryAuthFailed | ConfigEntryNotReady:
    """Build what setup raises when it gets no valid token: reauthentication, or a retry."""
    explained = explain(err)
    error_type = (
        ConfigEntryAuthFailed
        if explained.cause is Cause.SIGN_IN
        else ConfigEntryNotReady
    )
    return error_type(translation_domain=DOMAIN, translation_key=explained.key)


def refresh_error(
    hass: HomeAssistant,
    entry: ConfigEntry,
    err: OAuth2TokenRequestBaseError | EliotError,
    retry_after: Callable[[], float | None],
) -> ConfigEntryAuthFailed | UpdateFailed:
    """Build what a failed refresh raises; a refused key raises its fixable repair issue.

    `retry_after` is asked only when the token could not be refreshed for now.
    """
    explained = explain(err)
    match explained.cause:
        case Cause.SIGN_IN:
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key=explained.key
            )
        case Cause.TOKEN:
            return UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=explained.key,
                retry_after=retry_after(),
            )
        case Cause.KEY:
            raise_issue(hass, entry, ISSUE_INVALID_SUBSCRIPTION_KEY)
            return UpdateFailed(
                translation_domain=DOMAIN, translation_key=explained.key
            )
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key="update_failed"
        if explained.key == "communication_error"
        else explained.key,
        translation_placeholders=explained.placeholders,
    )


def translated_error(
    err: OAuth2TokenRequestBaseError | EliotError, device: str | None = None
) -> HomeAssistantError:
    """Build the Home Assistant error an action raises for an error it met."""
    explained = explain(err, device)
    # A refused value is the caller's to fix; everything else is the cloud's or the account's.
    error_type = (
        ServiceValidationError
        if isinstance(err, EliotInvalidValueError)
        else HomeAssistantError
    )
    return error_type(
        translation_domain=DOMAIN,
        translation_key=explained.key,
        translation_placeholders=explained.placeholders,
    )


def flow_error(err: TokenError | EliotAuthError) -> str:
    """Return the error key a flow's form shows when a token or a key is refused."""
    match explain(err).cause:
        case Cause.SIGN_IN:
            return "invalid_auth"
        case Cause.KEY:
            return "invalid_subscription_key"
    return "cannot_connect"


def _thermostat_app_issues(entity: Any, err: EliotError | None) -> None:
    """Raise the Thermostat app's repair issue a command met; clear it once a thermostat obeys.

    Polls raise and clear these issues too, but a thermostat that push keeps fresh is polled
    only every half hour: a command should not fail with no repair to say why.
    """
    coordinator = getattr(entity, "coordinator", None)
    if coordinator is None:
        return
    if err is not None:
        raise_thermostat_app_issue(coordinator.hass, coordinator.config_entry, err)
    elif (device_id := getattr(entity, "device_id", None)) is not None and (
        coordinator.data.thermostat(device_id) is not None
    ):
        clear_thermostat_app_issues(coordinator.hass, coordinator.config_entry)


def eliot_command[FuncT: Callable[..., Coroutine[Any, Any, None]]](
    func: FuncT,
) -> FuncT:
    """Turn the errors an entity action meets into translated Home Assistant errors."""

    @wraps(func)
    async def handler(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            await func(self, *args, **kwargs)
        except EliotError as err:
            _thermostat_app_issues(self, err)
            name = getattr(self, "device_name", None)
            raise translated_error(
                err, name if isinstance(name, str) else None
            ) from err
        except OAuth2TokenRequestBaseError as err:
            # A refused refresh token has started the reauth flow already.
            raise translated_error(err) from err
        _thermostat_app_issues(self, None)

    return cast("FuncT", handler)

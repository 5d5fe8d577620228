"""Map the client's errors to Home Assistant's: one table for entity actions and updates."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any, cast

from homeassistant.exceptions import (
    HomeAssistantError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
    ServiceValidationError,
)
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
from .issues import clear_thermostat_app_issues, raise_thermostat_app_issue


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


def translated_error(err: EliotError, device: str | None = None) -> HomeAssistantError:
    """Build the Home Assistant error an action raises for a client error."""
    key, placeholders = error_translation(err, device)
    # A refused value is the caller's to fix; everything else is the cloud's or the account's.
    error_type = (
        ServiceValidationError
        if isinstance(err, EliotInvalidValueError)
        else HomeAssistantError
    )
    return error_type(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


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
    """Turn the client's errors raised by an entity action into translated Home Assistant errors."""

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
        except OAuth2TokenRequestReauthError as err:
            # The refresh token is dead; the reauth flow has already started.
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except OAuth2TokenRequestBaseError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="token_refresh_failed"
            ) from err
        _thermostat_app_issues(self, None)

    return cast("FuncT", handler)

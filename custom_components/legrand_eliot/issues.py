"""Repair issues: raising and clearing what the user must do when the cloud cannot be used."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .eliot.exceptions import (
    EliotAppPasswordExpiredError,
    EliotError,
    EliotTermsExpiredError,
)

ISSUE_QUOTA_EXHAUSTED = "quota_exhausted"
ISSUE_COMMAND_BUDGET_EXHAUSTED = "command_budget_exhausted"
ISSUE_INVALID_SUBSCRIPTION_KEY = "invalid_subscription_key"
ISSUE_APP_PASSWORD_EXPIRED = "app_password_expired"
ISSUE_TERMS_EXPIRED = "terms_expired"
ISSUE_HOME_CONTROL_RETIRED = "home_control_retired"
ISSUE_NO_PUSH_URL = "no_push_url"
ISSUE_PUSH_SILENT = "push_silent"
ISSUE_CLIENT_SECRET_EXPIRED = "client_secret_expired"
ISSUE_CLIENT_SECRET_EXPIRING = "client_secret_expiring"

FIXABLE_ISSUES = frozenset(
    {
        ISSUE_INVALID_SUBSCRIPTION_KEY,
        ISSUE_CLIENT_SECRET_EXPIRED,
        ISSUE_CLIENT_SECRET_EXPIRING,
    }
)
# Issues whose fix is a new client secret (a new one made on the portal, renewed in place).
SECRET_ISSUES = (ISSUE_CLIENT_SECRET_EXPIRED, ISSUE_CLIENT_SECRET_EXPIRING)
# What the Smarther API answers while the Thermostat app wants something of the user (469, 470).
THERMOSTAT_APP_ISSUES: dict[type[EliotError], str] = {
    EliotAppPasswordExpiredError: ISSUE_APP_PASSWORD_EXPIRED,
    EliotTermsExpiredError: ISSUE_TERMS_EXPIRED,
}


def issue_id(issue: str, entry: ConfigEntry) -> str:
    """Return the id of an issue for one config entry."""
    return f"{issue}_{entry.entry_id}"


def raise_issue(
    hass: HomeAssistant,
    entry: ConfigEntry,
    issue: str,
    placeholders: dict[str, str] | None = None,
    severity: ir.IssueSeverity = ir.IssueSeverity.ERROR,
) -> None:
    """Create or update a repair issue of this entry."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(issue, entry),
        is_fixable=issue in FIXABLE_ISSUES,
        is_persistent=False,
        severity=severity,
        translation_key=issue,
        translation_placeholders=placeholders,
        data={"entry_id": entry.entry_id},
    )


def clear_issue(hass: HomeAssistant, entry: ConfigEntry, issue: str) -> None:
    """Remove a repair issue of this entry once its cause is gone."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(issue, entry))


def raise_thermostat_app_issue(
    hass: HomeAssistant, entry: ConfigEntry, err: EliotError
) -> None:
    """Raise the repair issue of a Thermostat app problem that a call met, if it was one."""
    for error_type, issue in THERMOSTAT_APP_ISSUES.items():
        if isinstance(err, error_type):
            raise_issue(hass, entry, issue)


def clear_thermostat_app_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove the Thermostat app's repair issues: a thermostat call went through."""
    for issue in THERMOSTAT_APP_ISSUES.values():
        clear_issue(hass, entry, issue)

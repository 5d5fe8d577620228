"""Repair issues: what the user must do when the cloud cannot be used, and the key fix flow."""

from __future__ import annotations

from typing import Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import CONF_SUBSCRIPTION_KEY, DEVELOPER_PORTAL_URL, DOMAIN, LOGGER
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

FIXABLE_ISSUES = frozenset({ISSUE_INVALID_SUBSCRIPTION_KEY})
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


class SubscriptionKeyRepairFlow(RepairsFlow):
    """Ask for a new subscription key, test it with the linked account, save it and reload."""

    def __init__(self, entry: ConfigEntry) -> None:
        """Remember the entry whose key was refused."""
        self._entry = entry

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start with the key form."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Ask for the key; save it once the cloud accepts it."""
        # Imported here: the config flow module pulls in the OAuth2 machinery.
        from .config_flow import KEY_SCHEMA, async_check_entry_key

        errors: dict[str, str] = {}
        if user_input is not None:
            key = user_input[CONF_SUBSCRIPTION_KEY].strip()
            error = await async_check_entry_key(self.hass, self._entry, key)
            if error is None:
                self.hass.config_entries.async_update_entry(
                    self._entry, data={**self._entry.data, CONF_SUBSCRIPTION_KEY: key}
                )
                self.hass.config_entries.async_schedule_reload(self._entry.entry_id)
                return self.async_create_entry(data={})
            errors["base"] = error
        return self.async_show_form(
            step_id="confirm",
            data_schema=KEY_SCHEMA,
            errors=errors,
            description_placeholders={"developer_portal_url": DEVELOPER_PORTAL_URL},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the fix flow of a fixable issue."""
    entry_id = (data or {}).get("entry_id")
    entry = (
        hass.config_entries.async_get_entry(entry_id)
        if isinstance(entry_id, str)
        else None
    )
    if entry is None:
        LOGGER.debug("No config entry for repair issue %s", issue_id)
        raise data_entry_flow.UnknownStep(issue_id)
    # Imported here: taking over entities needs the coordinator, which imports this module.
    from .takeover import takeover_flow

    if (takeover := takeover_flow(entry, data or {})) is not None:
        return takeover
    return SubscriptionKeyRepairFlow(entry)

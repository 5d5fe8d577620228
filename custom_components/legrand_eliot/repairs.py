"""Repair flows: what fixes a fixable issue (a refused key or secret, entities to take over)."""

from __future__ import annotations

from abc import abstractmethod
import hmac
from typing import Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_CLIENT_SECRET, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_entry_oauth2_flow, issue_registry as ir
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .client_secret import secret_renewed
from .const import CONF_SUBSCRIPTION_KEY, DEVELOPER_PORTAL_URL, DOMAIN, LOGGER
from .coordinator import LegrandEliotConfigEntry
from .credentials import (
    CONF_AUTH_IMPLEMENTATION,
    async_forget_credential,
    async_store_credential,
)
from .credentials_flow import (
    CHECK_ERRORS,
    async_check_credentials,
    async_refreshed_token,
)
from .issues import SECRET_ISSUES, issue_id as entry_issue_id
from .key_check import KEY_SCHEMA, async_check_entry_key
from .oauth import ClientCheck, LegrandOAuth2Implementation
from .takeover import takeover_flow

SECRET_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_CLIENT_SECRET): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
    }
)


class EntryRepairFlow(RepairsFlow):
    """A fix flow of one entry's issue: one form (the confirm step) asking for what to change."""

    def __init__(self, entry: LegrandEliotConfigEntry, issue_id: str) -> None:
        """Remember the entry to fix, and the issue that asked."""
        self._entry = entry
        self._issue_id = issue_id

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start with the form."""
        return await self.async_step_confirm()

    @abstractmethod
    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Ask for what fixes the issue; apply it once the cloud accepts it."""


class SubscriptionKeyRepairFlow(EntryRepairFlow):
    """Ask for a new subscription key, test it with the linked account, save it and reload."""

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Ask for the key; save it once the cloud accepts it."""
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


class ClientSecretRepairFlow(EntryRepairFlow):
    """Take a new client secret made on the portal; renew the entry with it, in place.

    The secret is checked with Legrand first, then stored in place of the old application
    credentials (same client ID, same name), and the entry's token refreshed with it: the entry,
    its devices and their history stay, and no sign-in is needed unless Legrand refuses the
    stored sign-in too.
    """

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Ask for the new secret; renew the entry once Legrand accepts it."""
        try:
            current = (
                await config_entry_oauth2_flow.async_get_config_entry_implementation(
                    self.hass, self._entry
                )
            )
        except config_entry_oauth2_flow.ImplementationUnavailableError, ValueError:
            return self.async_abort(reason="oauth_implementation_unavailable")
        if not isinstance(current, LegrandOAuth2Implementation):
            return self.async_abort(reason="oauth_implementation_unavailable")
        errors: dict[str, str] = {}
        if user_input is not None:
            secret = user_input[CONF_CLIENT_SECRET].strip()
            if hmac.compare_digest(secret.encode(), current.client_secret.encode()):
                errors["base"] = "same_client_secret"
            else:
                check = await async_check_credentials(
                    self.hass, current.client_id, secret
                )
                if check is ClientCheck.ACCEPTED:
                    return await self._async_renew(current, secret)
                errors["base"] = CHECK_ERRORS[check]
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self._issue_id)
        return self.async_show_form(
            step_id="confirm",
            data_schema=SECRET_SCHEMA,
            errors=errors,
            description_placeholders={
                **((issue and issue.translation_placeholders) or {}),
                "developer_portal_url": DEVELOPER_PORTAL_URL,
                "name": current.name,
            },
        )

    async def _async_renew(
        self, current: LegrandOAuth2Implementation, secret: str
    ) -> RepairsFlowResult:
        """Store the accepted secret in place of the old one; refresh and restart the entry."""
        implementation = await async_store_credential(
            self.hass, current.domain, current.client_id, secret
        )
        token = await async_refreshed_token(implementation, self._entry)
        data = {**self._entry.data, CONF_AUTH_IMPLEMENTATION: implementation.domain}
        if token is not None:
            data[CONF_TOKEN] = token
        self.hass.config_entries.async_update_entry(self._entry, data=data)
        await async_forget_credential(self.hass, current.domain)
        secret_renewed(self.hass, self._entry)
        if token is None:
            LOGGER.debug("The stored sign-in was refused with the new secret too")
            self._restart_reauth()
            return self.async_abort(reason="sign_in_needed")
        self.hass.config_entries.async_schedule_reload(self._entry.entry_id)
        return self.async_create_entry(data={})

    def _restart_reauth(self) -> None:
        """Start the re-authentication over: one in progress asked about the old secret."""
        flows = self.hass.config_entries.flow
        for flow in flows.async_progress_by_handler(
            DOMAIN,
            match_context={"entry_id": self._entry.entry_id, "source": SOURCE_REAUTH},
        ):
            flows.async_abort(flow["flow_id"])
        self._entry.async_start_reauth(self.hass)


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
    if (takeover := takeover_flow(entry, data or {})) is not None:
        return takeover
    if issue_id in {entry_issue_id(issue, entry) for issue in SECRET_ISSUES}:
        return ClientSecretRepairFlow(entry, issue_id)
    return SubscriptionKeyRepairFlow(entry, issue_id)

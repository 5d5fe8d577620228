"""Repair flows: what fixes a fixable issue (a refused subscription key, entities to take over)."""

from __future__ import annotations

from typing import Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant

from .const import CONF_SUBSCRIPTION_KEY, DEVELOPER_PORTAL_URL, LOGGER
from .coordinator import LegrandEliotConfigEntry
from .key_check import KEY_SCHEMA, async_check_entry_key
from .takeover import takeover_flow


class SubscriptionKeyRepairFlow(RepairsFlow):
    """Ask for a new subscription key, test it with the linked account, save it and reload."""

    def __init__(self, entry: LegrandEliotConfigEntry) -> None:
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
    if (takeover := takeover_flow(entry, data or {})) is not None:
        return takeover
    return SubscriptionKeyRepairFlow(entry)

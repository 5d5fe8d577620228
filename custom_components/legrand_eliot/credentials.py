"""The stored application credentials: put corrected ones in place of those Legrand refused.

Home Assistant keeps application credentials in a storage collection that can add and delete
items but not change one. A corrected client id and secret are therefore added as a new item
(named as the refused one), and the refused item is deleted once no entry uses it any more.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.application_credentials import DATA_COMPONENT
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DOMAIN,
    CONF_ID,
    CONF_NAME,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_entry_oauth2_flow

from .const import DOMAIN, LOGGER

CONF_AUTH_DOMAIN = "auth_domain"
CONF_AUTH_IMPLEMENTATION = "auth_implementation"


def _item(hass: HomeAssistant, auth_domain: str) -> dict[str, Any] | None:
    """Return the stored credential an implementation comes from, if it is a stored one."""
    for item in hass.data[DATA_COMPONENT].async_items():
        if item[CONF_DOMAIN] == DOMAIN and (
            item.get(CONF_AUTH_DOMAIN, item[CONF_ID]) == auth_domain
        ):
            return dict(item)
    return None


async def async_store_credential(
    hass: HomeAssistant, replaces: str, client_id: str, client_secret: str
) -> config_entry_oauth2_flow.AbstractOAuth2Implementation:
    """Store a corrected client id and secret; return the implementation that uses them.

    `replaces` is the implementation (auth domain) Legrand refused; the new credential takes
    its name, so the person recognises it in Settings > Application credentials.
    """
    refused = _item(hass, replaces)
    new: dict[str, str] = {
        CONF_DOMAIN: DOMAIN,
        CONF_CLIENT_ID: client_id,
        CONF_CLIENT_SECRET: client_secret,
    }
    if refused is not None and refused.get(CONF_NAME):
        new[CONF_NAME] = refused[CONF_NAME]
    created = await hass.data[DATA_COMPONENT].async_create_item(new)
    implementations = await config_entry_oauth2_flow.async_get_implementations(
        hass, DOMAIN
    )
    return implementations[created[CONF_ID]]


async def async_forget_credential(hass: HomeAssistant, auth_domain: str) -> bool:
    """Delete a refused stored credential unless an entry still uses it; return if deleted."""
    if (item := _item(hass, auth_domain)) is None:
        return False
    names = {auth_domain, item[CONF_ID]}
    if any(
        entry.data.get(CONF_AUTH_IMPLEMENTATION) in names
        for entry in hass.config_entries.async_entries(DOMAIN)
    ):
        # Another account linked with the same application: its own re-authentication
        # offers to correct it too.
        LOGGER.debug("The refused application credential is still used: kept")
        return False
    # Home Assistant refuses to delete a credential an entry uses; none does (checked above).
    await hass.data[DATA_COMPONENT].async_delete_item(item[CONF_ID])
    return True

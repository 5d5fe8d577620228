"""The application's client secret: the repair when Legrand refuses it, a warning before its year.

Legrand's login refuses a refresh with a secret that no longer works (B2C's AADB2C90085, or a
secret it does not know): the secret expired, or was replaced on the developer portal. Secrets
are reported to expire a year after they are made; when that was is not known here, so the first
token this integration obtained with a secret stands for it. The record names the application
credential (the stored item the entry uses, a new item for every new secret) and a moment,
never the secret; it is kept in the entry's data and renewed when the entry's credential changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .credentials import CONF_AUTH_IMPLEMENTATION
from .issues import (
    ISSUE_CLIENT_SECRET_EXPIRED,
    ISSUE_CLIENT_SECRET_EXPIRING,
    SECRET_ISSUES,
    clear_issue,
    issue_id,
    raise_issue,
)

# The entry data's record of the secret in use: {"credential": ..., "first_used": ISO time}.
CONF_SECRET_FIRST_USED: Final = "secret_first_used"
# As reported by users of the portal: a secret works for a year after it is made.
SECRET_LIFETIME: Final = timedelta(days=365)
# The warning comes this long before that year is over.
WARNING_AHEAD: Final = timedelta(weeks=4)


def _credential(entry: ConfigEntry) -> str | None:
    """Return the application credential (auth implementation) the entry signs in with."""
    value = entry.data.get(CONF_AUTH_IMPLEMENTATION)
    return value if isinstance(value, str) else None


def _recorded(entry: ConfigEntry, credential: str) -> datetime | None:
    """Return when the entry first obtained a token with this credential, if it recorded it."""
    record = entry.data.get(CONF_SECRET_FIRST_USED)
    if not isinstance(record, dict) or record.get("credential") != credential:
        return None
    first_used = record.get("first_used")
    return dt_util.parse_datetime(first_used) if isinstance(first_used, str) else None


def first_used(hass: HomeAssistant, entry: ConfigEntry) -> datetime | None:
    """Return when the entry's client secret was first used, recording now if never before.

    Another account linked with the same credential may have used the secret first: the earliest
    record counts. None when the entry does not sign in with a stored credential.
    """
    if (credential := _credential(entry)) is None:
        return None
    if (known := _recorded(entry, credential)) is not None:
        return known
    records = [
        found
        for other in hass.config_entries.async_entries(DOMAIN)
        if _credential(other) == credential
        and (found := _recorded(other, credential)) is not None
    ]
    first = min(records, default=dt_util.utcnow())
    record: dict[str, Any] = {"credential": credential, "first_used": first.isoformat()}
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_SECRET_FIRST_USED: record}
    )
    return first


@callback
def secret_refused(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Raise the expired secret's repair: Legrand refused a refresh for the client secret."""
    if (
        ir.async_get(hass).async_get_issue(
            DOMAIN, issue_id(ISSUE_CLIENT_SECRET_EXPIRED, entry)
        )
        is None
    ):
        LOGGER.warning(
            "Legrand no longer accepts the client secret of the application credentials; "
            "a repair explains how to renew it"
        )
    raise_issue(hass, entry, ISSUE_CLIENT_SECRET_EXPIRED)
    clear_issue(hass, entry, ISSUE_CLIENT_SECRET_EXPIRING)


@callback
def secret_accepted(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Clear the expired secret's repair: a token was obtained; look at the secret's age."""
    clear_issue(hass, entry, ISSUE_CLIENT_SECRET_EXPIRED)
    check_secret_age(hass, entry)


@callback
def check_secret_age(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Warn a few weeks before a year has passed since the secret was first used; else clear."""
    if (first := first_used(hass, entry)) is None:
        return
    expires = first + SECRET_LIFETIME
    if dt_util.utcnow() < expires - WARNING_AHEAD:
        clear_issue(hass, entry, ISSUE_CLIENT_SECRET_EXPIRING)
        return
    raise_issue(
        hass,
        entry,
        ISSUE_CLIENT_SECRET_EXPIRING,
        placeholders={
            "first_used": dt_util.as_local(first).date().isoformat(),
            "expires": dt_util.as_local(expires).date().isoformat(),
        },
        severity=ir.IssueSeverity.WARNING,
    )


@callback
def secret_renewed(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Clear both secret repairs: the entry now signs in with a new secret."""
    for issue in SECRET_ISSUES:
        clear_issue(hass, entry, issue)

"""Where the Legrand cloud is: production, or the simulated cloud named by the environment."""

from __future__ import annotations

from collections.abc import Mapping
import os
from typing import Any

from .const import API_BASE_URL, CONF_CLOUD_URL, ENV_CLOUD_URL, LOGIN_BASE_URL


def cloud_url_override() -> str | None:
    """Return the development cloud URL from the environment, if one is set."""
    url = os.environ.get(ENV_CLOUD_URL, "").strip().rstrip("/")
    return url or None


def login_base_url(entry_data: Mapping[str, Any] | None = None) -> str:
    """Return the login server's base URL for an entry (or for a new one)."""
    return _override(entry_data) or LOGIN_BASE_URL


def api_base_url(entry_data: Mapping[str, Any] | None = None) -> str:
    """Return the API gateway's base URL for an entry (or for a new one)."""
    return _override(entry_data) or API_BASE_URL


def _override(entry_data: Mapping[str, Any] | None) -> str | None:
    """Return the URL an entry recorded at creation, else the environment's."""
    if entry_data is not None:
        recorded = entry_data.get(CONF_CLOUD_URL)
        return recorded if isinstance(recorded, str) and recorded else None
    return cloud_url_override()

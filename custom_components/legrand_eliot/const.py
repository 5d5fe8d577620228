"""Constants for the Legrand Eliot integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "legrand_eliot"
LOGGER = logging.getLogger(__package__)

LOGIN_BASE_URL: Final = "https://partners-login.eliotbylegrand.com"
OAUTH2_AUTHORIZE: Final = f"{LOGIN_BASE_URL}/authorize"
OAUTH2_TOKEN: Final = f"{LOGIN_BASE_URL}/token"

"""Constants for the Legrand Eliot integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "legrand_eliot"
LOGGER = logging.getLogger(__package__)

LOGIN_BASE_URL: Final = "https://partners-login.eliotbylegrand.com"
OAUTH2_AUTHORIZE: Final = f"{LOGIN_BASE_URL}/authorize"
OAUTH2_TOKEN: Final = f"{LOGIN_BASE_URL}/token"
API_BASE_URL: Final = "https://api.developer.legrand.com"

# Development only: the base URL of the simulated cloud, which serves both the login and the API.
ENV_CLOUD_URL: Final = "LEGRAND_ELIOT_CLOUD_URL"

CONF_SUBSCRIPTION_KEY: Final = "subscription_key"
CONF_CLOUD_URL: Final = "cloud_url"
CONF_DAILY_BUDGET: Final = "daily_budget"

DEFAULT_DAILY_BUDGET: Final = 500
MIN_DAILY_BUDGET: Final = 50
MAX_DAILY_BUDGET: Final = 100_000

DEVELOPER_PORTAL_URL: Final = "https://developer.legrand.com"
# Where Legrand products "with Netatmo" are added instead (Smarther2, the Netatmo-based range).
NETATMO_INTEGRATION_URL: Final = "https://www.home-assistant.io/integrations/netatmo/"
OAUTH_REDIRECT_URL: Final = "https://my.home-assistant.io/redirect/oauth"

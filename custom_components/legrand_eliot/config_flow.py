"""Config flow for Legrand Eliot: account linking through OAuth2."""

from __future__ import annotations

import logging

from homeassistant.helpers import config_entry_oauth2_flow

from .const import DOMAIN


class LegrandEliotFlowHandler(
    config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN
):
    """Link a Legrand account to Home Assistant."""

    DOMAIN = DOMAIN

    @property
    def logger(self) -> logging.Logger:
        """Return the logger of the flow."""
        return logging.getLogger(__name__)

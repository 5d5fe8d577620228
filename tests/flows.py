"""Driving the config flow against the simulated cloud, as a person and their browser do."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession
from homeassistant.components.application_credentials import DATA_COMPONENT
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.legrand_eliot.const import CONF_SUBSCRIPTION_KEY, DOMAIN
from simulator import SimulatedCloud


async def open_flow(hass: HomeAssistant) -> dict[str, Any]:
    """Click "Add integration": the flow's first answer."""
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )


async def enter_key(hass: HomeAssistant, result: dict[str, Any], key: str) -> Any:
    """Type the subscription key into the form the flow shows."""
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SUBSCRIPTION_KEY: key}
    )


async def sign_in(
    hass_client_no_auth: ClientSessionGenerator, result: dict[str, Any]
) -> None:
    """Open the sign-in page (the demo account consented before) and land on the callback."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    async with ClientSession() as browser:
        consent = await browser.get(result["url"], allow_redirects=False)
    assert consent.status == 302, "the sign-in page did not send the browser back"
    callback = URL(consent.headers["Location"])
    client = await hass_client_no_auth()
    answer = await client.get(f"{callback.path}?{callback.query_string}")
    assert answer.status == 200


async def add_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    cloud: SimulatedCloud,
) -> Any:
    """Go through the whole flow with the demo account; return its last answer."""
    result = await enter_key(hass, await open_flow(hass), cloud.subscription_key)
    await sign_in(hass_client_no_auth, result)
    return await hass.config_entries.flow.async_configure(result["flow_id"])


def stored_credentials(hass: HomeAssistant) -> list[tuple[str, str]]:
    """Return the client id and secret of every stored application credential of the domain."""
    return [
        (item["client_id"], item["client_secret"])
        for item in hass.data[DATA_COMPONENT].async_items()
        if item["domain"] == DOMAIN
    ]


def flows_in_progress(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the contexts of the domain's flows in progress, those not shown too."""
    return [
        dict(flow["context"])
        for flow in hass.config_entries.flow.async_progress_by_handler(
            DOMAIN, include_uninitialized=True
        )
    ]

"""Tests for the subscription-key check the config flow and the key's replacement share.

Through the flows that use it: a new account's test call, and a new key tested with an
entry's linked account.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.const import CONF_SUBSCRIPTION_KEY

from .flows import FLOW_FIXTURES, HC_PLANTS, KEY, link, make_entry, mock_cloud, refusal
from .login import LOGIN_URL

pytestmark = pytest.mark.usefixtures(*FLOW_FIXTURES)


async def test_invalid_key_asks_again_without_new_sign_in(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A refused key shows the key form again; a good key then creates the entry."""
    mock_cloud(
        aioclient_mock,
        hc_status=401,
        message="Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
    )
    result = await link(hass, hass_client_no_auth, "wrong")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "check"
    assert result["errors"] == {"base": "invalid_subscription_key"}

    aioclient_mock.clear_requests()
    mock_cloud(aioclient_mock)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SUBSCRIPTION_KEY: KEY}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data[CONF_SUBSCRIPTION_KEY] == KEY


@pytest.mark.parametrize(
    ("status", "message", "error"),
    [
        (
            403,
            "Out of call volume quota. Quota will be replenished in 03:00:00.",
            "quota_exceeded",
        ),
        (406, "Not acceptable", "unknown"),
        (401, "Access denied due to invalid token.", "invalid_auth"),
        (500, "Internal error", "cannot_connect"),
    ],
    ids=["quota", "unexpected", "token-refused", "cloud-down"],
)
async def test_test_call_errors(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    status: int,
    message: str,
    error: str,
) -> None:
    """The test call's other failures, the cloud down too, are explained on the key form."""
    mock_cloud(aioclient_mock, hc_status=status, message=message)
    result = await link(hass, hass_client_no_auth)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}


async def test_no_plants(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """An account with no plant in either API is not set up; the Netatmo integration is named.

    Legrand's products "with Netatmo" (Smarther2, the Netatmo-based range) never show in these
    lists: the abort points to the integration that adds them.
    """
    mock_cloud(aioclient_mock, hc_plants=[], smarther_status=204)
    result = await link(hass, hass_client_no_auth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_plants"
    assert result["description_placeholders"] == {
        "netatmo_url": "https://www.home-assistant.io/integrations/netatmo/"
    }


async def test_home_control_retired_smarther_only(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A 404 on the Home + Control plants list still lets a Smarther account in."""
    mock_cloud(aioclient_mock, hc_status=404, message="Resource not found")
    result = await link(hass, hass_client_no_auth)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reconfigure_tests_the_new_key(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A new key is tested with the entry's token; refused keys are not saved."""
    entry = make_entry(hass)
    aioclient_mock.get(
        HC_PLANTS,
        status=401,
        json=refusal(401, "Access denied due to invalid subscription key."),
    )
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SUBSCRIPTION_KEY: "bad-key"}
    )
    assert result["errors"] == {"base": "invalid_subscription_key"}
    assert entry.data[CONF_SUBSCRIPTION_KEY] == KEY

    aioclient_mock.clear_requests()
    mock_cloud(aioclient_mock)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SUBSCRIPTION_KEY: "f" * 32}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_SUBSCRIPTION_KEY] == "f" * 32
    assert aioclient_mock.mock_calls[-1][3]["Ocp-Apim-Subscription-Key"] == "f" * 32


@pytest.mark.parametrize(
    ("token_status", "error"), [(400, "invalid_auth"), (503, "cannot_connect")]
)
async def test_reconfigure_with_a_token_that_cannot_be_refreshed(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    token_status: int,
    error: str,
) -> None:
    """A new key cannot be tested while the sign-in itself is refused or unreachable."""
    entry = make_entry(hass)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**entry.data["token"], "expires_at": 0}}
    )
    aioclient_mock.post(
        f"{LOGIN_URL}/token",
        status=token_status,
        json={"error": "invalid_grant", "error_description": "AADB2C90080: expired"},
    )
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SUBSCRIPTION_KEY: "f" * 32}
    )
    assert result["errors"] == {"base": error}
    assert entry.data[CONF_SUBSCRIPTION_KEY] == KEY


IN_2100 = 4102444800

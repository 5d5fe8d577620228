"""Driving the config flow as a person and their browser do, against a mocked or simulated cloud.

Its fixtures are loaded for every test (tests/conftest.py names this module a plugin); none of
them is used unless a test asks for it, the flow test modules through their `pytestmark`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any
from unittest.mock import MagicMock, patch

from aiohttp import ClientSession
from homeassistant.components.application_credentials import (
    DATA_COMPONENT,
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.legrand_eliot.const import CONF_SUBSCRIPTION_KEY, DOMAIN
from simulator import SimulatedCloud

from .login import (
    CLIENT_ID,
    CLIENT_SECRET,
    LOGIN_URL,
    SUBJECT,
    id_token,
    mock_login_server,
)

# The fixtures every config flow test uses: the login's credentials, the secrets the log check
# looks for, the entry kept from loading, and the request the browser's redirect names.
FLOW_FIXTURES = (
    "login_credentials",
    "known_secrets",
    "no_setup",
    "current_request_with_host",
)

API = "https://api.developer.legrand.com"
HC_PLANTS = f"{API}/hc/api/v1.0/plants"
SMARTHER_PLANTS = f"{API}/smarther/v2.0/plants"
REDIRECT = "https://example.com/auth/external/callback"
KEY = "0123456789abcdef0123456789abcdef"
# When the tokens the mocked login server gives expire.
IN_2100 = 4102444800


@pytest.fixture
async def login_credentials(hass: HomeAssistant) -> None:
    """Register the application credentials a user enters once (for the mocked login)."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )


@pytest.fixture
def known_secrets(secrets: set[str]) -> None:
    """Let the log check look for this module's tokens, key and client secret."""
    secrets.update(
        {"access-token-value", "refresh-token-value", "old-access", "old-refresh", KEY}
    )
    secrets.add(CLIENT_SECRET)


@pytest.fixture
def no_setup() -> Generator[MagicMock]:
    """Keep the entry from loading: these tests are about the flow."""
    with patch(
        "custom_components.legrand_eliot.async_setup_entry", return_value=True
    ) as mock:
        yield mock


def token_response(**extra: Any) -> dict[str, Any]:
    """Return what the login server answers to a code exchange."""
    return {
        "access_token": "access-token-value",
        "refresh_token": "refresh-token-value",
        "token_type": "Bearer",
        "expires_in": 3600,
        "expires_on": IN_2100,
        "id_token": id_token(),
        **extra,
    }


def mock_cloud(
    aioclient_mock: AiohttpClientMocker,
    *,
    token: dict[str, Any] | None = None,
    hc_status: int = 200,
    smarther_status: int = 200,
    hc_plants: list[dict[str, Any]] | None = None,
    smarther_plants: list[dict[str, Any]] | None = None,
    message: str = "",
    broken_topology: str | None = None,
) -> None:
    """Answer the token exchange, the login keys, both plants lists and each plant's rooms.

    Each Home + Control plant has a living room with a plug; each Smarther plant a thermostat
    named after its room. `broken_topology` ("hc" or "smarther") has that API's rooms fail.
    """
    aioclient_mock.post(f"{LOGIN_URL}/token", json=token or token_response())
    mock_login_server(aioclient_mock)
    hc = {
        "plants": [{"id": "hc-1", "name": "Maison"}] if hc_plants is None else hc_plants
    }
    aioclient_mock.get(
        HC_PLANTS,
        status=hc_status,
        json=refusal(hc_status, message) if hc_status >= 400 else hc,
    )
    for plant in hc["plants"] if hc_status < 400 else []:
        mock_topology(
            aioclient_mock, HC_PLANTS, plant["id"], hc_topology, broken_topology == "hc"
        )
    if smarther_status == 204:
        aioclient_mock.get(SMARTHER_PLANTS, status=204)
    else:
        sm = {
            "plants": [{"id": "sm-1", "name": "Casa"}]
            if smarther_plants is None
            else smarther_plants
        }
        aioclient_mock.get(
            SMARTHER_PLANTS,
            status=smarther_status,
            json=refusal(smarther_status, message) if smarther_status >= 400 else sm,
        )
        for plant in sm["plants"] if smarther_status < 400 else []:
            mock_topology(
                aioclient_mock,
                SMARTHER_PLANTS,
                plant["id"],
                smarther_topology,
                broken_topology == "smarther",
            )


def refusal(status: int, message: str) -> dict[str, Any]:
    """Return the API gateway's answer to a request it refuses."""
    return {"statusCode": status, "message": message}


def mock_topology(
    aioclient_mock: AiohttpClientMocker,
    plants_url: str,
    plant_id: str,
    topology: Callable[[str], dict[str, Any]],
    broken: bool,
) -> None:
    """Answer a plant's topology, or a server error for it."""
    aioclient_mock.get(
        f"{plants_url}/{plant_id}/topology",
        status=500 if broken else 200,
        json={"statusCode": 500, "message": "Internal server error"}
        if broken
        else topology(plant_id),
    )


def hc_topology(plant_id: str) -> dict[str, Any]:
    """Return a Home + Control plant with a plug in its living room and a remote in no room."""
    return {
        "plant": {
            "id": plant_id,
            "ambients": [
                {
                    "id": f"{plant_id}-living",
                    "name": "Salon",
                    "type": "livingroom",
                    "modules": [
                        {"id": f"{plant_id}-plug", "name": "TV", "device": "plug"}
                    ],
                },
                {"id": f"{plant_id}-empty", "name": "Grenier", "modules": []},
            ],
            "modules": [{"id": f"{plant_id}-remote", "device": "remote"}],
        }
    }


def smarther_topology(plant_id: str) -> dict[str, Any]:
    """Return a Smarther plant with one thermostat, named after the room it heats."""
    return {
        "plant": {
            "id": plant_id,
            "modules": [
                {
                    "id": f"{plant_id}-thermostat",
                    "name": "Soggiorno",
                    "device": "chronothermostat",
                }
            ],
        }
    }


async def start_and_sign_in(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    result: dict[str, Any],
    login_url: str = LOGIN_URL,
) -> dict[str, Any]:
    """Follow the external step as the browser would and return the flow's next result."""
    state = config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": result["flow_id"], "redirect_uri": REDIRECT}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["url"] == (
        f"{login_url}/authorize?response_type=code&client_id={CLIENT_ID}"
        f"&redirect_uri={REDIRECT}&state={state}"
    )
    client = await hass_client_no_auth()
    response = await client.get(f"/auth/external/callback?code=abcd&state={state}")
    assert response.status == 200
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def start_user_flow(hass: HomeAssistant, key: str = KEY) -> dict[str, Any]:
    """Open the flow and enter the subscription key."""
    result: dict[str, Any] = await enter_key(hass, await open_flow(hass), key)
    return result


async def link(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, key: str = KEY
) -> dict[str, Any]:
    """Enter the key, sign in at the mocked login server; return the flow's next result."""
    return await start_and_sign_in(
        hass, hass_client_no_auth, await start_user_flow(hass, key)
    )


def make_entry(hass: HomeAssistant, **data: Any) -> MockConfigEntry:
    """Add a linked entry of the test account."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Legrand Eliot",
        unique_id=SUBJECT,
        data={
            "auth_implementation": DOMAIN,
            "token": {
                "access_token": "old-access",
                "refresh_token": "old-refresh",
                "expires_at": IN_2100,
                "expires_in": 3600,
            },
            CONF_SUBSCRIPTION_KEY: KEY,
            **data,
        },
    )
    entry.add_to_hass(hass)
    return entry


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
    result = await signed_in(hass, hass_client_no_auth, cloud)
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def signed_in(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    cloud: SimulatedCloud,
) -> dict[str, Any]:
    """Enter the demo account's key and sign in; return the flow's answer before the last step."""
    result: dict[str, Any] = await enter_key(
        hass, await open_flow(hass), cloud.subscription_key
    )
    await sign_in(hass_client_no_auth, result)
    return result


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


class WithTheSimulatedCloud:
    """The whole flow against the simulated cloud, with the entry really set up."""

    @pytest.fixture
    def cloud_options(self, hass: HomeAssistant) -> dict[str, Any]:
        """Let the demo account consent at once, as a browser that consented before."""
        return {"quota_timezone": hass.config.time_zone, "auto_consent": True}

    @pytest.fixture
    def login_credentials(self, credentials: None) -> None:
        """Use the simulated app's credentials, with the login at the simulated cloud."""

    @pytest.fixture
    def no_setup(self) -> None:
        """Set the entry up for real."""

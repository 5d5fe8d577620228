"""Tests for where the Legrand cloud is: production, or the simulated cloud the environment names."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.cloud import (
    api_base_url,
    cloud_url_override,
    login_base_url,
)
from custom_components.legrand_eliot.const import (
    API_BASE_URL,
    CONF_CLOUD_URL,
    ENV_CLOUD_URL,
    LOGIN_BASE_URL,
)

from .flows import (
    FLOW_FIXTURES,
    hc_topology,
    start_and_sign_in,
    start_user_flow,
    token_response,
)
from .login import mock_login_server

SIM = "http://127.0.0.1:8765"


@pytest.mark.usefixtures(*FLOW_FIXTURES)
async def test_simulated_cloud_is_recorded(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the development override, login and API go to that URL and the entry records it."""
    monkeypatch.setenv(ENV_CLOUD_URL, SIM + "/")
    aioclient_mock.post(f"{SIM}/token", json=token_response())
    mock_login_server(aioclient_mock, base=SIM)
    aioclient_mock.get(f"{SIM}/hc/api/v1.0/plants", json={"plants": [{"id": "p"}]})
    aioclient_mock.get(f"{SIM}/hc/api/v1.0/plants/p/topology", json=hc_topology("p"))
    aioclient_mock.get(f"{SIM}/smarther/v2.0/plants", status=204)

    result = await start_and_sign_in(
        hass, hass_client_no_auth, await start_user_flow(hass), login_url=SIM
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data[CONF_CLOUD_URL] == SIM


@pytest.mark.parametrize(
    ("environment", "entry_data", "url"),
    [
        (None, None, None),
        ("  ", None, None),
        (f" {SIM}/ ", None, SIM),
        (SIM, {}, None),
        (None, {CONF_CLOUD_URL: SIM}, SIM),
        ("http://elsewhere", {CONF_CLOUD_URL: SIM}, SIM),
        (SIM, {CONF_CLOUD_URL: ""}, None),
    ],
    ids=[
        "production",
        "blank-environment",
        "environment",
        "entry-without-record",
        "entry-record",
        "record-over-environment",
        "blank-record",
    ],
)
def test_an_entry_keeps_the_cloud_it_was_made_with(
    monkeypatch: pytest.MonkeyPatch,
    environment: str | None,
    entry_data: dict[str, Any] | None,
    url: str | None,
) -> None:
    """A new entry goes where the environment says; an existing one where it recorded.

    An entry made against production (no record) stays there whatever the environment says.
    """
    if environment is None:
        monkeypatch.delenv(ENV_CLOUD_URL, raising=False)
    else:
        monkeypatch.setenv(ENV_CLOUD_URL, environment)
    assert login_base_url(entry_data) == (url or LOGIN_BASE_URL)
    assert api_base_url(entry_data) == (url or API_BASE_URL)
    if entry_data is None:
        assert cloud_url_override() == url

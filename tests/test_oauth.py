"""Tests for the OAuth2 handling: token answers of every shape, races, reauth at once."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import ClientCredential
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import (
    HomeAssistantError,
    OAuth2TokenRequestConnectionError,
    OAuth2TokenRequestReauthError,
    OAuth2TokenRequestTransientError,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.application_credentials import (
    async_get_authorization_server,
)
from custom_components.legrand_eliot.const import CONF_SUBSCRIPTION_KEY, DOMAIN
from custom_components.legrand_eliot.eliot import DeviceKind, RefusedPart
from custom_components.legrand_eliot.oauth import (
    ClientCheck,
    ClientCredentialRefusedError,
    LegrandOAuth2Implementation,
)
from simulator import SimulatedCloud
from tests.demo import HC_PLANT

from .entities import plug_entity
from .flows import FLOW_FIXTURES, IN_2100, link, mock_cloud, token_response
from .login import LOGIN_URL


def issued(cloud: SimulatedCloud) -> int:
    """Return how many token answers the login server gave (each carries a new refresh token)."""
    return len(cloud.tokens.refresh)


def reauth_flows(hass: HomeAssistant) -> list[str]:
    """Return the sources of the entry flows in progress."""
    return [
        flow["context"]["source"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    ]


def plugs(entry: MockConfigEntry) -> list[str]:
    """Return the ids of the Home + Control plugs."""
    plant = entry.runtime_data.coordinator.data.home_control[HC_PLANT]
    return [m.id for m in plant.topology.modules if m.device == DeviceKind.PLUG]


async def expire_on_the_server(sim: TestClient) -> None:
    """Make the current access tokens expire at the gateway, before the entry expects it."""
    assert (await sim.post("/_sim/tokens/expire", json={})).status == 200


@pytest.mark.parametrize(
    "answer",
    [
        {"token_fields": "both"},
        {"token_fields": "expires_in"},
        {"token_fields": "expires_on"},
        {"token_fields": "expires_on", "expires_on_type": "str"},
        {"token_fields": "neither"},
    ],
    ids=["both", "expires_in", "expires_on", "expires_on-text", "neither"],
)
async def test_refresh_with_each_token_shape(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    credentials: None,
    config_entry: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    answer: dict[str, Any],
) -> None:
    """An expired token is refreshed whatever expiry fields the answer carries."""
    assert (await sim.post("/_sim/options", json=answer)).status == 200
    old = config_entry.data["token"]
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "token": {**old, "expires_at": 0}}
    )

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    token = config_entry.data["token"]
    assert token["access_token"] != old["access_token"]
    assert token["expires_in"] == pytest.approx(3600, abs=1)
    # The answer's moment, or one computed from the lifetime: an hour after the refresh.
    assert token["expires_at"] == pytest.approx(token["expires_on"], abs=5)
    assert token["expires_on"] - cloud.clock.now().timestamp() == pytest.approx(
        3600, abs=5
    )


@pytest.mark.parametrize("expired_locally", [False, True], ids=["401", "at-expiry"])
async def test_concurrent_commands_and_a_poll_refresh_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    expired_locally: bool,
) -> None:
    """
    Several commands and a poll meet an expired token: one refresh, no reauth, all succeed.

    The login rotates refresh tokens (a used one is revoked): a second refresh with the same
    refresh token would be refused and end in a needless reauth.
    """
    entry = init_integration
    options = {"revoke_rotated_refresh_tokens": True}
    assert (await sim.post("/_sim/options", json=options)).status == 200
    client = entry.runtime_data.client
    coordinator = entry.runtime_data.coordinator
    await expire_on_the_server(sim)
    if expired_locally:
        hass.config_entries.async_update_entry(
            entry,
            data={**entry.data, "token": {**entry.data["token"], "expires_at": 0}},
        )
    before = issued(cloud)

    await asyncio.gather(
        *(
            client.switch(HC_PLANT, plug, DeviceKind.PLUG, True)
            for plug in plugs(entry)
        ),
        client.hc_plant_status(HC_PLANT),
        coordinator.async_refresh(),
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert issued(cloud) - before == 1
    assert reauth_flows(hass) == []
    assert coordinator.last_update_success
    assert coordinator.data.home_control[HC_PLANT].available
    modules = cloud.world.hc_plants[HC_PLANT].modules
    assert all(modules[plug].status == "on" for plug in plugs(entry))


async def test_refused_refresh_on_a_command_starts_reauth_at_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """A command whose forced refresh is refused (invalid_grant) starts the reauth flow."""
    response = await sim.post("/_sim/tokens/revoke", json={"access": True})
    assert response.status == 200

    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": plug_entity(hass)}, blocking=True
        )
    await hass.async_block_till_done()

    assert err.value.translation_key == "auth_failed"
    assert reauth_flows(hass) == [SOURCE_REAUTH]


async def test_token_refused_after_a_refresh_starts_reauth_at_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """
    The gateway refuses every token, even after a good refresh: the reauth flow starts, once.

    Each command meets three refusals: its call, the call again with a fresh token, and the
    plants list that tells a plant out of reach from an account out of reach.
    """
    body = {"status": 401, "count": 6}
    assert (await sim.post("/_sim/faults", json=body)).status == 201

    for _ in range(2):
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                "switch", "turn_on", {"entity_id": plug_entity(hass)}, blocking=True
            )
        assert err.value.translation_key == "auth_failed"
    await hass.async_block_till_done()

    assert reauth_flows(hass) == [SOURCE_REAUTH]


async def test_unusable_refresh_answer_retries_setup(
    hass: HomeAssistant,
    credentials: None,
    config_entry: MockConfigEntry,
    sim: TestClient,
) -> None:
    """A refresh answered without a usable token is a passing failure: setup is retried."""
    body = {"kind": "malformed", "target": "token", "count": 1}
    assert (await sim.post("/_sim/faults", json=body)).status == 201
    config_entry.add_to_hass(hass)
    token = {**config_entry.data["token"], "expires_at": 0}
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "token": token}
    )

    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert reauth_flows(hass) == []


async def test_reconfigure_and_commands_meet_an_expired_token_and_refresh_once(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """
    A new key is tested while commands run, all with an expired token: one refresh, no reauth.

    The login rotates refresh tokens: had the flow refreshed on its own, beside the entry,
    one of the two refreshes would have redeemed a revoked refresh token.
    """
    entry = init_integration
    options = {"revoke_rotated_refresh_tokens": True}
    assert (await sim.post("/_sim/options", json=options)).status == 200
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**entry.data["token"], "expires_at": 0}}
    )
    client = entry.runtime_data.client
    before = issued(cloud)
    flow = await entry.start_reconfigure_flow(hass)

    result, *_ = await asyncio.gather(
        hass.config_entries.flow.async_configure(
            flow["flow_id"],
            {CONF_SUBSCRIPTION_KEY: entry.data[CONF_SUBSCRIPTION_KEY]},
        ),
        *(
            client.switch(HC_PLANT, plug, DeviceKind.PLUG, True)
            for plug in plugs(entry)
        ),
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["reason"] == "reconfigure_successful"
    assert issued(cloud) - before == 1
    assert reauth_flows(hass) == []


async def implementation(
    hass: HomeAssistant, client_id: str, client_secret: str
) -> LegrandOAuth2Implementation:
    """Return the implementation Home Assistant builds from stored credentials."""
    return LegrandOAuth2Implementation(
        hass,
        DOMAIN,
        ClientCredential(client_id, client_secret),
        await async_get_authorization_server(hass),
    )


@pytest.mark.parametrize(
    ("client", "setting", "check"),
    [
        ("right", None, ClientCheck.ACCEPTED),
        ("wrong secret", None, ClientCheck.CLIENT_SECRET_REFUSED),
        ("unknown id", None, ClientCheck.CLIENT_ID_REFUSED),
        ("no secret", None, ClientCheck.CLIENT_SECRET_REFUSED),
        ("right", {"expire": True}, ClientCheck.CLIENT_SECRET_REFUSED),
        ("right", {"status": 503}, ClientCheck.UNREACHABLE),
        ("right", {"status": 429}, ClientCheck.UNREACHABLE),
        ("right", {"kind": "disconnect"}, ClientCheck.UNREACHABLE),
        ("right", {"kind": "malformed"}, ClientCheck.UNREACHABLE),
    ],
    ids=[
        "accepted",
        "wrong-secret",
        "unknown-client-id",
        "no-secret",
        "expired-secret",
        "login-down",
        "login-busy",
        "dropped",
        "unreadable",
    ],
)
@pytest.mark.usefixtures("credentials")
async def test_the_login_is_asked_about_credentials_before_any_sign_in(
    hass: HomeAssistant,
    cloud: SimulatedCloud,
    sim: TestClient,
    caplog: pytest.LogCaptureFixture,
    secrets: set[str],
    client: str,
    setting: dict[str, Any] | None,
    check: ClientCheck,
) -> None:
    """One token request with a made-up code tells a refused client id or secret apart.

    Nothing the login server wrote reaches the log but its error word and B2C code.
    """
    caplog.set_level(logging.DEBUG, "custom_components.legrand_eliot")
    secrets.add("a-wrong-secret")
    if setting == {"expire": True}:
        assert (await sim.post("/_sim/app/secret", json=setting)).status == 200
    elif setting is not None:
        fault = {"target": "token", "count": 1, **setting}
        assert (await sim.post("/_sim/faults", json=fault)).status == 201
    client_id = "00000000-0000-0000-0000-00000000000f"
    checked = await implementation(
        hass,
        client_id if client == "unknown id" else cloud.client_id,
        {"wrong secret": "a-wrong-secret", "no secret": ""}.get(
            client, cloud.client_secret
        ),
    )

    assert await checked.async_check_client() is check
    for words in ("does not match", "not registered", "internal error", client_id):
        assert words not in caplog.text


@pytest.mark.parametrize(
    ("break_it", "refused"),
    [
        ("secret", RefusedPart.CLIENT_SECRET),
        ("expired", RefusedPart.CLIENT_SECRET),
        ("revoked", None),
    ],
)
@pytest.mark.usefixtures("credentials")
async def test_a_refused_refresh_says_whether_the_credentials_were_refused(
    hass: HomeAssistant,
    cloud: SimulatedCloud,
    sim: TestClient,
    break_it: str,
    refused: RefusedPart | None,
) -> None:
    """A wrong or expired secret is told from a dead refresh token; both ask for reauth."""
    token = cloud.issue_tokens()
    secret = cloud.client_secret
    if break_it == "secret":
        secret = "a-wrong-secret"
    elif break_it == "expired":
        assert (await sim.post("/_sim/app/secret", json={"expire": True})).status == 200
    else:
        assert (await sim.post("/_sim/tokens/revoke", json={})).status == 200
    refreshing = await implementation(hass, cloud.client_id, secret)

    with pytest.raises(OAuth2TokenRequestReauthError) as err:
        await refreshing.async_refresh_token(token)

    assert getattr(err.value, "refused", None) is refused
    assert isinstance(err.value, ClientCredentialRefusedError) is (refused is not None)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 503}, OAuth2TokenRequestTransientError),
        ({"status": 429}, OAuth2TokenRequestTransientError),
        ({"kind": "disconnect"}, OAuth2TokenRequestConnectionError),
    ],
    ids=["down", "busy", "dropped"],
)
@pytest.mark.usefixtures("credentials")
async def test_a_passing_refusal_of_a_refresh_is_not_a_reauth(
    hass: HomeAssistant,
    cloud: SimulatedCloud,
    sim: TestClient,
    fault: dict[str, Any],
    error: type[Exception],
) -> None:
    """A login server down, busy or cut off: a passing error, retried later."""
    token = cloud.issue_tokens()
    body = {"target": "token", "count": 1, **fault}
    assert (await sim.post("/_sim/faults", json=body)).status == 201
    refreshing = await implementation(hass, cloud.client_id, cloud.client_secret)

    with pytest.raises(error) as err:
        await refreshing.async_refresh_token(token)

    assert not isinstance(err.value, OAuth2TokenRequestReauthError)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            {
                "status": 400,
                "json": {
                    "error": "invalid_grant",
                    "error_description": "AADB2C90080: The provided grant has expired.",
                },
            },
            "oauth_unauthorized",
        ),
        ({"status": 503, "json": {"error": "server_error"}}, "oauth_failed"),
        ({"exc": TimeoutError()}, "oauth_timeout"),
    ],
    ids=["code-refused", "login-down", "no-answer"],
)
@pytest.mark.usefixtures(*FLOW_FIXTURES)
async def test_a_code_exchange_that_fails(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    answer: dict[str, Any],
    reason: str,
) -> None:
    """A refused code, a login down or silent: Home Assistant's own reasons, nothing quoted."""
    aioclient_mock.post(f"{LOGIN_URL}/token", **answer)
    mock_cloud(aioclient_mock)
    result = await link(hass, hass_client_no_auth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert "provided grant" not in caplog.text


@pytest.mark.parametrize(
    ("expiry", "expires_in"),
    [
        ({"expires_in": 3600, "expires_on": IN_2100}, 3600),
        ({"expires_in": "3600"}, 3600),
        ({"expires_on": IN_2100}, None),
        ({"expires_on": str(IN_2100)}, None),
        ({}, 3600),
    ],
    ids=["both", "expires_in-text", "expires_on", "expires_on-text", "neither"],
)
@pytest.mark.usefixtures(*FLOW_FIXTURES)
async def test_every_token_shape_links(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    expiry: dict[str, Any],
    expires_in: int | None,
) -> None:
    """Each expiry shape Legrand has answered with links the account; nothing logs the answer."""
    token = token_response()
    del token["expires_in"], token["expires_on"]
    mock_cloud(aioclient_mock, token={**token, **expiry})

    result = await link(hass, hass_client_no_auth)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    stored = result["result"].data["token"]
    assert isinstance(stored["expires_in"], int)
    if expires_in is None:
        # Only the moment was given: the token expires then, whatever the lifetime says.
        assert stored["expires_on"] == IN_2100
        assert stored["expires_at"] == pytest.approx(IN_2100, abs=5)
    else:
        # The lifetime counts; a missing moment is filled from it.
        assert stored["expires_in"] == expires_in
        if "expires_on" not in expiry:
            assert stored["expires_on"] == pytest.approx(stored["expires_at"], abs=5)
    assert "Invalid token" not in caplog.text


@pytest.mark.usefixtures(*FLOW_FIXTURES)
async def test_token_answer_without_a_token_aborts_quietly(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An answer with no access token cannot link anything; its content is never logged."""
    mock_cloud(aioclient_mock, token=token_response(access_token="", expires_in="soon"))

    result = await link(hass, hass_client_no_auth)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "oauth_failed"
    assert "refresh-token-value" not in caplog.text

"""Correcting the application credentials Legrand refuses, from the flow, against the simulator."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import DATA_COMPONENT
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.const import DOMAIN
from simulator import SimulatedCloud

from .flows import enter_key, flows_in_progress, open_flow, sign_in, stored_credentials

WRONG_SECRET = "a-secret-legrand-never-issued"
UNKNOWN_CLIENT_ID = "00000000-0000-0000-0000-0000000000ff"


@pytest.fixture
def cloud_options(hass: HomeAssistant) -> dict[str, Any]:
    """Let the demo account consent at once, as a browser that consented before."""
    return {"quota_timezone": hass.config.time_zone, "auto_consent": True}


@pytest.fixture(autouse=True)
def wrong_secrets(secrets: set[str]) -> None:
    """Watch the logs for the wrong secret too: it is a secret all the same."""
    secrets.add(WRONG_SECRET)


async def store(hass: HomeAssistant, client_id: str, client_secret: str) -> str:
    """Store credentials as the "Add application credentials" dialog does; return their id."""
    item = await hass.data[DATA_COMPONENT].async_create_item(
        {
            "domain": DOMAIN,
            "name": "Legrand",
            CONF_CLIENT_ID: client_id,
            CONF_CLIENT_SECRET: client_secret,
        }
    )
    return str(item["id"])


def shown(result: dict[str, Any]) -> str:
    """Return everything of a flow answer that reaches the screen, as text."""
    return repr(
        (
            result.get("errors"),
            result.get("description_placeholders"),
            result.get("reason"),
            result.get("url"),
        )
    )


def suggested_client_id(result: dict[str, Any]) -> str:
    """Return the client ID the credentials form suggests."""
    for field in result["data_schema"].schema:
        if str(field) == CONF_CLIENT_ID:
            return str(field.description["suggested_value"])
    raise AssertionError("no client ID field")


async def correct(
    hass: HomeAssistant, result: dict[str, Any], client_id: str, client_secret: str
) -> Any:
    """Submit the credentials form."""
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_CLIENT_ID: client_id, CONF_CLIENT_SECRET: client_secret},
    )


@pytest.mark.parametrize(
    ("stored", "error"),
    [
        ((None, WRONG_SECRET), "invalid_client_secret"),
        ((UNKNOWN_CLIENT_ID, None), "invalid_client_id"),
    ],
    ids=["wrong-secret", "unknown-client-id"],
)
@pytest.mark.usefixtures("current_request_with_host", "login_at_the_simulator")
async def test_wrong_credentials_are_corrected_before_the_key(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    cloud: SimulatedCloud,
    stored: tuple[str | None, str | None],
    error: str,
) -> None:
    """Refused credentials are said at once, corrected in the flow, and replace the old ones.

    Nothing is stored until Legrand accepts the correction; the key is then asked once, the
    sign-in done once, and the account is linked with the corrected credentials.
    """
    refused = await store(
        hass, stored[0] or cloud.client_id, stored[1] or cloud.client_secret
    )

    result = await open_flow(hass)
    assert result["step_id"] == "credentials"
    assert result["errors"] == {"base": error}
    assert result["description_placeholders"]["name"] == "Legrand"
    assert suggested_client_id(result) == (stored[0] or cloud.client_id)

    result = await correct(hass, result, stored[0] or cloud.client_id, WRONG_SECRET)
    assert result["errors"] == {"base": error}
    assert len(stored_credentials(hass)) == 1

    result = await correct(hass, result, cloud.client_id, f" {cloud.client_secret} ")
    result = await enter_key(hass, result, cloud.subscription_key)
    await sign_in(hass_client_no_auth, result)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert stored_credentials(hass) == [(cloud.client_id, cloud.client_secret)]
    assert entry.data["auth_implementation"] != refused
    await hass.async_block_till_done()


async def exchange_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> ConfigFlowResult:
    """Sign in with a wrong secret stored, first asked while the login is out of reach.

    The login, out of reach, cannot tell the secret is wrong; the code's exchange then does.
    """
    await store(hass, cloud.client_id, WRONG_SECRET)
    fault = {"target": "token", "status": 503, "count": 2}
    assert (await sim.post("/_sim/faults", json=fault)).status == 201
    result = await enter_key(hass, await open_flow(hass), cloud.subscription_key)
    await sign_in(hass_client_no_auth, result)
    return await hass.config_entries.flow.async_configure(result["flow_id"])


@pytest.mark.usefixtures("current_request_with_host", "login_at_the_simulator")
async def test_a_secret_refused_at_the_code_exchange_keeps_the_sign_in(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    cloud: SimulatedCloud,
    sim: TestClient,
) -> None:
    """The login was out of reach when asked first: the exchange tells, the code is reused.

    Legrand checks the client before the code, so the code of the sign-in just made is
    exchanged again with the corrected secret: no second sign-in.
    """
    result = await exchange_refused(hass, hass_client_no_auth, cloud, sim)
    assert result["errors"] == {"base": "invalid_client_secret"}
    result = await correct(hass, result, cloud.client_id, cloud.client_secret)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].state is ConfigEntryState.LOADED
    assert stored_credentials(hass) == [(cloud.client_id, cloud.client_secret)]
    assert WRONG_SECRET not in shown(result)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("current_request_with_host", "login_at_the_simulator")
async def test_a_code_that_expired_meanwhile_asks_to_sign_in_again(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    cloud: SimulatedCloud,
    sim: TestClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Corrected after the code's ten minutes: one more sign-in, then the account links."""
    result = await exchange_refused(hass, hass_client_no_auth, cloud, sim)

    freezer.tick(cloud.options.code_lifetime + 1)
    result = await correct(hass, result, cloud.client_id, cloud.client_secret)
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    await sign_in(hass_client_no_auth, result)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


@pytest.mark.usefixtures("current_request_with_host", "login_at_the_simulator")
async def test_a_correction_is_not_stored_while_the_login_is_out_of_reach(
    hass: HomeAssistant, cloud: SimulatedCloud, sim: TestClient
) -> None:
    """Legrand must accept the correction before it is stored: out of reach, asked again."""
    await store(hass, cloud.client_id, WRONG_SECRET)
    result = await open_flow(hass)
    fault = {"target": "token", "status": 503, "count": 1}
    assert (await sim.post("/_sim/faults", json=fault)).status == 201

    result = await correct(hass, result, cloud.client_id, cloud.client_secret)
    assert result["errors"] == {"base": "cannot_connect"}
    assert stored_credentials(hass) == [(cloud.client_id, WRONG_SECRET)]

    result = await correct(hass, result, cloud.client_id, cloud.client_secret)
    assert result["step_id"] == "user"


@pytest.mark.usefixtures("current_request_with_host", "login_at_the_simulator")
async def test_refused_credentials_another_entry_uses_are_kept(
    hass: HomeAssistant, cloud: SimulatedCloud
) -> None:
    """Another account linked with the same credentials keeps them (its reauth fixes it)."""
    refused = await store(hass, cloud.client_id, WRONG_SECRET)
    MockConfigEntry(
        domain=DOMAIN, unique_id="another", data={"auth_implementation": refused}
    ).add_to_hass(hass)

    result = await correct(
        hass, await open_flow(hass), cloud.client_id, cloud.client_secret
    )

    assert result["step_id"] == "user"
    assert sorted(stored_credentials(hass)) == sorted(
        [(cloud.client_id, WRONG_SECRET), (cloud.client_id, cloud.client_secret)]
    )


@pytest.mark.usefixtures("current_request_with_host", "login_at_the_simulator")
async def test_the_login_out_of_reach_at_first_asks_nothing(
    hass: HomeAssistant, cloud: SimulatedCloud, sim: TestClient
) -> None:
    """When Legrand cannot be asked about the credentials, the flow goes on to the key."""
    await store(hass, cloud.client_id, cloud.client_secret)
    fault = {"target": "token", "status": 503, "count": 1}
    assert (await sim.post("/_sim/faults", json=fault)).status == 201

    result = await open_flow(hass)

    assert result["step_id"] == "user"


async def expire_the_entry_token(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Make the entry's access token expire, so that its next use refreshes it."""
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**entry.data["token"], "expires_at": 0}}
    )


async def test_an_expired_secret_asks_for_a_new_one_not_a_sign_in(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Legrand stops accepting the secret: the reauth asks for a new one, and that is all.

    The refresh token belongs to the account and the client ID: with the new secret the entry
    refreshes it and restarts, without signing in again.
    """
    entry = init_integration
    assert (await sim.post("/_sim/app/secret", json={"expire": True})).status == 200
    await expire_the_entry_token(hass, entry)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    repair = f"client_secret_expired_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, repair) is not None
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["step_id"] == "credentials"
    assert result["errors"] == {"base": "client_secret_expired"}

    renewed = await (await sim.post("/_sim/app/secret", json={"renew": True})).json()
    result = await correct(
        hass, result, str(entry.data["token"]["resource"]), renewed["client_secret"]
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "credentials_replaced"
    assert entry.state is ConfigEntryState.LOADED
    assert stored_credentials(hass) == [
        (entry.data["token"]["resource"], renewed["client_secret"])
    ]
    assert flows_in_progress(hass) == []
    assert ir.async_get(hass).async_get_issue(DOMAIN, repair) is None


@pytest.mark.usefixtures("current_request_with_host")
async def test_an_expired_secret_and_a_dead_sign_in(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """The secret is replaced first; with the sign-in gone too, the person signs in again."""
    entry = init_integration
    assert (await sim.post("/_sim/app/secret", json={"expire": True})).status == 200
    assert (await sim.post("/_sim/tokens/revoke", json={})).status == 200
    entry.async_start_reauth(hass)
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    renewed = await (await sim.post("/_sim/app/secret", json={"renew": True})).json()

    result = await correct(hass, result, cloud.client_id, renewed["client_secret"])
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await sign_in(hass_client_no_auth, result)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    await hass.async_block_till_done()

    assert result["reason"] == "reauth_successful"
    assert entry.state is ConfigEntryState.LOADED
    assert stored_credentials(hass) == [(cloud.client_id, renewed["client_secret"])]


async def test_a_dead_sign_in_alone_is_a_plain_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """Legrand still accepts the secret: signing in again is what the reauth asks."""
    assert (await sim.post("/_sim/tokens/revoke", json={})).status == 200
    await expire_the_entry_token(hass, init_integration)
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["step_id"] == "reauth_confirm"


@pytest.mark.usefixtures("current_request_with_host", "login_at_the_simulator")
async def test_with_several_credentials_the_ones_picked_are_asked_about(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    cloud: SimulatedCloud,
) -> None:
    """Which credentials sign in is known once picked: Legrand is asked then, before the page."""
    await store(hass, cloud.client_id, cloud.client_secret)
    refused = await store(hass, cloud.client_id, WRONG_SECRET)

    result = await enter_key(hass, await open_flow(hass), cloud.subscription_key)
    assert result["step_id"] == "pick_implementation"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": refused}
    )
    assert result["errors"] == {"base": "invalid_client_secret"}
    result = await correct(hass, result, cloud.client_id, cloud.client_secret)
    await sign_in(hass_client_no_auth, result)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert stored_credentials(hass) == [(cloud.client_id, cloud.client_secret)] * 2
    await hass.async_block_till_done()

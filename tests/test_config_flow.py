"""Tests for linking a Legrand account: sign-in, reauth, reconfigure, options, a closed page."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
from typing import Any
from unittest.mock import patch

from cryptography.hazmat.primitives.asymmetric import rsa
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import area_registry as ar, config_entry_oauth2_flow
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.legrand_eliot.const import (
    CONF_CLOUD_URL,
    CONF_DAILY_BUDGET,
    CONF_SUBSCRIPTION_KEY,
    DOMAIN,
)
from simulator import SimulatedCloud

from .flows import (
    FLOW_FIXTURES,
    KEY,
    WithTheSimulatedCloud,
    add_account,
    flows_in_progress,
    link,
    make_entry,
    mock_cloud,
    open_flow,
    signed_in,
    start_and_sign_in,
    token_response,
)
from .login import CLIENT_ID, CLIENT_SECRET, SUBJECT, id_token
from .pauses import Pause, cancel_at

pytestmark = pytest.mark.usefixtures(*FLOW_FIXTURES)


async def test_full_flow(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Key, sign-in, test call: the entry carries the token, the key and the account id."""
    mock_cloud(aioclient_mock)
    result = await link(hass, hass_client_no_auth)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == SUBJECT
    assert entry.data[CONF_SUBSCRIPTION_KEY] == KEY
    assert entry.data["token"]["access_token"] == "access-token-value"
    assert CONF_CLOUD_URL not in entry.data
    # The test call used the new token and the key on both plants endpoints.
    plants_calls = [
        call for call in aioclient_mock.mock_calls if str(call[1]).endswith("plants")
    ]
    assert len(plants_calls) == 2
    for _method, _url, _data, headers in aioclient_mock.mock_calls[-4:]:
        assert headers["Authorization"] == "Bearer access-token-value"
        assert headers["Ocp-Apim-Subscription-Key"] == KEY


def asks_for_the_key(result: dict[str, Any]) -> bool:
    """Return whether a flow result is a form with a subscription key field."""
    return result["type"] is FlowResultType.FORM and any(
        str(field) == CONF_SUBSCRIPTION_KEY for field in result["data_schema"].schema
    )


async def test_missing_credentials_come_first_and_the_key_is_asked_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without credentials: client ID and secret first, then the key once, then the sign-in."""
    mock_cloud(aioclient_mock)
    # Home Assistant's websocket logs every message, the secret this test types included.
    caplog.set_level(logging.INFO, "homeassistant.components.websocket_api")
    # The integration's dependencies add web routes: set them up before the server starts.
    assert await async_setup_component(hass, "webhook", {})
    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id({"type": "application_credentials/list"})
    for stored in (await ws.receive_json())["result"]:
        await ws.send_json_auto_id(
            {
                "type": "application_credentials/delete",
                "application_credentials_id": stored["id"],
            }
        )
        assert (await ws.receive_json())["success"]

    # The frontend opens "Add application credentials" on this abort, before any question.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"

    # What the dialog sends (Name, OAuth client ID, OAuth client secret), then a new flow.
    await ws.send_json_auto_id(
        {
            "type": "application_credentials/create",
            "domain": DOMAIN,
            "name": "Legrand",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
    )
    assert (await ws.receive_json())["success"]
    results = [
        await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    ]
    results.append(
        await hass.config_entries.flow.async_configure(
            results[0]["flow_id"], {CONF_SUBSCRIPTION_KEY: KEY}
        )
    )
    results.append(await start_and_sign_in(hass, hass_client_no_auth, results[-1]))

    assert [asks_for_the_key(result) for result in results] == [True, False, False]
    assert results[-1]["type"] is FlowResultType.CREATE_ENTRY
    assert results[-1]["result"].data[CONF_SUBSCRIPTION_KEY] == KEY


async def test_credentials_that_cannot_be_loaded_abort_before_the_key(
    hass: HomeAssistant,
) -> None:
    """Credentials that cannot be loaded right now stop the flow before anything is typed."""
    with patch(
        "homeassistant.helpers.config_entry_oauth2_flow._async_get_implementations",
        return_value=({}, [config_entry_oauth2_flow.ImplementationUnavailableError()]),
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "oauth_implementation_unavailable"


def forged_id_token() -> str:
    """Return an id_token signed by a key the login server never published."""
    return id_token(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: id_token(aud="another-app"), "invalid_id_token"),
        (lambda: "eyJhbGciOiJub25lIn0.e30.", "invalid_id_token"),
        (forged_id_token, "invalid_id_token"),
        (lambda: None, "missing_id_token"),
    ],
    ids=["wrong-audience", "unsigned", "forged", "missing"],
)
async def test_bad_id_token_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    token: Callable[[], str | None],
    reason: str,
) -> None:
    """An id_token not for this app, not signed, signed by another key, or absent: refused.

    Each aborts with a clear reason, and no entry is made.
    """
    mock_cloud(aioclient_mock, token=token_response(id_token=token()))
    result = await link(hass, hass_client_no_auth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_duplicate_account_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The same Legrand account cannot be added twice."""
    make_entry(hass)
    mock_cloud(aioclient_mock)
    result = await link(hass, hass_client_no_auth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Signing in again with the same account stores the new token and makes no area."""
    entry = make_entry(hass)
    mock_cloud(aioclient_mock)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await start_and_sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"]["access_token"] == "access-token-value"
    assert entry.data[CONF_SUBSCRIPTION_KEY] == KEY
    # The user may have removed or renamed the rooms' areas since the entry was added.
    assert not ar.async_get(hass).async_list_areas()
    assert not any("topology" in str(call[1]) for call in aioclient_mock.mock_calls)


async def test_reauth_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Signing in with another account during reauth is refused and changes nothing."""
    entry = make_entry(hass)
    mock_cloud(
        aioclient_mock, token=token_response(id_token=id_token(sub="someone-else"))
    )
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await start_and_sign_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data["token"]["access_token"] == "old-access"


async def test_options_daily_budget(hass: HomeAssistant) -> None:
    """The daily budget is the only option."""
    entry = make_entry(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DAILY_BUDGET: 2000}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_DAILY_BUDGET: 2000}


# Every await of the request that finishes the flow (after the sign-in), in order, and whether
# the entry exists when it is cancelled there: the code exchange, the login's discovery
# document and keys, the account check (both plants lists, then each home's rooms), the
# integration's own setup, then the entry's first setup (its stores, its first reads, its
# platforms).
LAST_REQUEST_AWAITS = [
    ("token request", 1, False),
    ("login document", 1, False),
    ("login document", 2, False),
    *(("API call", nth, False) for nth in range(1, 5)),
    ("integration setup", 1, False),
    *(("stored data", nth, True) for nth in range(1, 4)),
    *(("API call", nth, True) for nth in range(5, 15)),
    ("platforms", 1, True),
]


class TestAClosedPage(WithTheSimulatedCloud):
    """Closing the page (its request cancelled) at any await never locks the account out."""

    async def test_the_awaits_listed_are_all_of_them(
        self,
        hass: HomeAssistant,
        hass_client_no_auth: ClientSessionGenerator,
        cloud: SimulatedCloud,
    ) -> None:
        """The last request passes exactly the awaits the cancellation tests stop at."""
        result = await signed_in(hass, hass_client_no_auth, cloud)
        pause = Pause()
        with pause.installed():
            result = await hass.config_entries.flow.async_configure(result["flow_id"])
            await hass.async_block_till_done()
        assert result["type"] is FlowResultType.CREATE_ENTRY
        expected = [kind for kind, _, _ in LAST_REQUEST_AWAITS]
        assert pause.passed == expected

    @pytest.mark.parametrize(
        ("kind", "nth", "entry_made"),
        LAST_REQUEST_AWAITS,
        ids=[f"{kind}-{nth}" for kind, nth, _ in LAST_REQUEST_AWAITS],
    )
    async def test_cancelled_in_the_last_request(
        self,
        hass: HomeAssistant,
        hass_client_no_auth: ClientSessionGenerator,
        cloud: SimulatedCloud,
        kind: str,
        nth: int,
        entry_made: bool,
    ) -> None:
        """Before the entry: the flow is forgotten. After: the first setup still finishes.

        Either way no flow keeps the account's unique id, and adding the account again works
        at once.
        """
        result = await signed_in(hass, hass_client_no_auth, cloud)
        pause = Pause(kind, nth)
        with pause.installed():
            outcome = await cancel_at(
                pause,
                asyncio.ensure_future(
                    hass.config_entries.flow.async_configure(result["flow_id"])
                ),
            )
            await hass.async_block_till_done()

        assert flows_in_progress(hass) == []
        entries = hass.config_entries.async_entries(DOMAIN)
        again = await add_account(hass, hass_client_no_auth, cloud)
        if entry_made:
            # The request went on to its end: the entry is there, set up; a new flow for the
            # account gets as far as finding it.
            assert outcome["type"] is FlowResultType.CREATE_ENTRY
            assert [entry.state for entry in entries] == [ConfigEntryState.LOADED]
            assert again["reason"] == "already_configured"
        else:
            assert isinstance(outcome, asyncio.CancelledError)
            assert entries == []
            assert again["type"] is FlowResultType.CREATE_ENTRY
            assert again["result"].state is ConfigEntryState.LOADED
        await hass.async_block_till_done()

    async def test_cancelled_while_the_credentials_are_checked(
        self,
        hass: HomeAssistant,
        hass_client_no_auth: ClientSessionGenerator,
        cloud: SimulatedCloud,
    ) -> None:
        """The first request asks Legrand about the credentials: cancelled, nothing stays."""
        pause = Pause("token request", 1)
        with pause.installed():
            outcome = await cancel_at(pause, asyncio.ensure_future(open_flow(hass)))
        assert isinstance(outcome, asyncio.CancelledError)
        assert flows_in_progress(hass) == []
        again = await add_account(hass, hass_client_no_auth, cloud)
        assert again["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()

    @pytest.mark.parametrize(
        ("kind", "nth", "entry_made"),
        [("API call", 1, False), ("API call", 5, True)],
        ids=["account check", "first setup"],
    )
    async def test_the_browser_closes_the_page(
        self,
        hass: HomeAssistant,
        hass_client: ClientSessionGenerator,
        hass_client_no_auth: ClientSessionGenerator,
        cloud: SimulatedCloud,
        caplog: pytest.LogCaptureFixture,
        kind: str,
        nth: int,
        entry_made: bool,
    ) -> None:
        """Through Home Assistant's HTTP API: the closed connection cancels the request.

        The test server cancels a request whose client went away, as Home Assistant's does.
        """
        caplog.set_level(logging.DEBUG, "custom_components.legrand_eliot")
        assert await async_setup_component(hass, "config", {})
        result = await signed_in(hass, hass_client_no_auth, cloud)
        frontend = await hass_client()
        cancelled = asyncio.Event()
        handler = EventOnLog(cancelled, "goes on after its caller went away")
        logging.getLogger("custom_components.legrand_eliot").addHandler(handler)
        pause = Pause(kind, nth)
        try:
            with pause.installed():
                page = asyncio.ensure_future(
                    frontend.post(
                        f"/api/config/config_entries/flow/{result['flow_id']}", json={}
                    )
                )
                await pause.reached.wait()
                page.cancel()
                # The server notices the closed connection in its own time.
                _, waiting = await asyncio.wait(
                    {
                        asyncio.ensure_future(pause.cancelled.wait()),
                        asyncio.ensure_future(cancelled.wait()),
                    },
                    timeout=30,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for waiter in waiting:
                    waiter.cancel()
                # The server did cancel the request: the held step, or the setup's caller.
                assert pause.cancelled.is_set() is not entry_made
                assert cancelled.is_set() is entry_made
                pause.released.set()
                await hass.async_block_till_done()
        finally:
            logging.getLogger("custom_components.legrand_eliot").removeHandler(handler)

        assert page.cancelled()
        assert flows_in_progress(hass) == []
        entries = hass.config_entries.async_entries(DOMAIN)
        assert [entry.state for entry in entries] == (
            [ConfigEntryState.LOADED] if entry_made else []
        )
        # Deleted, the account is added again at once (it was "already being configured"
        # until Home Assistant restarted).
        for entry in entries:
            await hass.config_entries.async_remove(entry.entry_id)
        again = await add_account(hass, hass_client_no_auth, cloud)
        assert again["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()


class EventOnLog(logging.Handler):
    """Set an event when a log record says something."""

    def __init__(self, event: asyncio.Event, text: str) -> None:
        """Watch for `text`."""
        super().__init__(logging.DEBUG)
        self.event = event
        self.text = text

    def emit(self, record: logging.LogRecord) -> None:
        """Set the event on a matching record."""
        if self.text in record.getMessage():
            self.event.set()


async def test_a_cancelled_reconfigure_leaves_no_flow(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A reconfigure whose page closes while the key is tested does not block a reauth."""
    entry = make_entry(hass)
    mock_cloud(aioclient_mock)
    result = await entry.start_reconfigure_flow(hass)
    pause = Pause("API call", 1)
    with pause.installed():
        outcome = await cancel_at(
            pause,
            asyncio.ensure_future(
                hass.config_entries.flow.async_configure(
                    result["flow_id"], {CONF_SUBSCRIPTION_KEY: "f" * 32}
                )
            ),
        )
    assert isinstance(outcome, asyncio.CancelledError)
    assert flows_in_progress(hass) == []
    entry.async_start_reauth(hass)
    await hass.async_block_till_done()
    assert [flow["source"] for flow in flows_in_progress(hass)] == ["reauth"]

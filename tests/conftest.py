"""Fixtures shared by the integration's tests: Home Assistant against the simulated cloud."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from datetime import datetime
from functools import partial
import os
import re
import time
from typing import Any
from unittest.mock import PropertyMock, patch

from aiohttp.test_utils import TestClient, TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from hypothesis import settings
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.legrand_eliot.const import (
    CONF_CLOUD_URL,
    CONF_SUBSCRIPTION_KEY,
    DOMAIN,
    ENV_CLOUD_URL,
)
from custom_components.legrand_eliot.eliot import EliotClient
from simulator import CLOUD, SimulatedCloud, create_app
from tests.cloud import CloudControl
from tests.entities import NextPoll, PlatformSnapshot
from tests.moments import START
from tests.polling import next_refresh

# The polled entry, the push fixtures (an address Home Assistant serves, an entry set up with
# push) and the config flow's (the login's credentials, the entry kept from loading), for any test.
pytest_plugins = ("tests.polling", "tests.push", "tests.flows")

# Property tests draw the same examples at every run, as every other test does: a landing is
# never decided by the draw. `LEGRAND_ELIOT_HYPOTHESIS=explore` draws new ones, many more, to
# look for cases worth keeping as explicit examples.
settings.register_profile("suite", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=1000, print_blob=True)
settings.load_profile(os.environ.get("LEGRAND_ELIOT_HYPOTHESIS", "suite"))

JWT = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.")
# Loggers outside the product whose records may carry test data: the harness's storage mock,
# and the test web servers' access logs (Home Assistant's OAuth callback has its own signed state).
HARNESS_LOGGERS = ("pytest_homeassistant_custom_component", "aiohttp.access")
# Home Assistant's own websocket logs its own user's token in tests: not a Legrand token.
HOME_ASSISTANT_AUTH_LOGGERS = ("homeassistant.components.websocket_api",)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marks of this suite."""
    config.addinivalue_line(
        "markers",
        "platforms(*platforms): set up only these platforms of the integration",
    )


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Serialize Home Assistant's objects as Home Assistant's own tests do."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: None,
) -> None:
    """Let Home Assistant load the integration from custom_components/ in every test."""
    return


@pytest.fixture
def secrets() -> set[str]:
    """Collect the secrets of a test: none of them may ever reach a log record."""
    return set()


@pytest.fixture(autouse=True)
def no_secret_in_logs(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture, secrets: set[str]
) -> Generator[None]:
    """Fail any test whose log records carry a token, the client secret or the key."""
    # Asked for before the test so that the simulated cloud is torn down after this check.
    cloud: SimulatedCloud | None = (
        request.getfixturevalue("cloud") if "cloud" in request.fixturenames else None
    )
    yield
    if cloud is not None:
        secrets.update(cloud.tokens.access, cloud.tokens.refresh)
        secrets.update((cloud.client_secret, *cloud.app_registration.subscription_keys))
    for when in ("setup", "call", "teardown"):
        for record in caplog.get_records(when):
            if record.name.startswith(HARNESS_LOGGERS):
                continue
            text = record.getMessage() + (record.exc_text or "")
            if not record.name.startswith(HOME_ASSISTANT_AUTH_LOGGERS):
                assert not JWT.search(text), f"a token in the log: {record.name}"
            for secret in secrets:
                assert secret not in text, f"a secret in the log: {record.name}"


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the entities a person enables by hand, as Home Assistant's own tests do."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture(autouse=True)
def no_request_spacing() -> Generator[None]:
    """Send requests back to back and retry at once: the client's own tests cover the waits."""
    client = partial(EliotClient, min_spacing=0, retry_backoff=0, busy_retry_delay=0)
    # Both places that build a client: the entry's, and the account check of the flows. Time
    # is frozen in these tests, so a paced request would wait for ever; so would a thermostat
    # command waiting for the presses to pause (tests that press one after the other set it).
    with (
        patch("custom_components.legrand_eliot.EliotClient", client),
        patch("custom_components.legrand_eliot.key_check.EliotClient", client),
        patch(
            "custom_components.legrand_eliot.climate.EliotClimate._command_settle", 0.0
        ),
    ):
        yield


@pytest.fixture
def platforms(request: pytest.FixtureRequest) -> list[Platform] | None:
    """Return the platforms an entry sets up: those of the `platforms` mark, else all.

    A test module marks itself (`pytestmark = pytest.mark.platforms(Platform.LIGHT)`); a test
    may parametrize `platforms` instead, as a table over the platforms does.
    """
    marker = request.node.get_closest_marker("platforms")
    return None if marker is None else list(marker.args)


@pytest.fixture(autouse=True)
def only_platforms(platforms: list[Platform] | None) -> Generator[None]:
    """Set up only the platforms the test chose."""
    if platforms is None:
        yield
        return
    with patch("custom_components.legrand_eliot.PLATFORMS", platforms):
        yield


@pytest.fixture
async def house_in_rome(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Run Home Assistant where the demo's thermostats are, at the tests' start."""
    freezer.move_to(START)
    await hass.config.async_set_time_zone("Europe/Rome")


@pytest.fixture
def scenario() -> str | dict[str, Any]:
    """Return the scenario the simulated cloud starts with (override in a test module)."""
    return "demo"


@pytest.fixture
def cloud_options(hass: HomeAssistant) -> dict[str, Any]:
    """Return the simulated cloud's options (override in a test module or test)."""
    # The daily quota resets at midnight where Home Assistant is, as the budget assumes.
    return {"quota_timezone": hass.config.time_zone}


@pytest.fixture
def start_time() -> datetime:
    """Return the moment a test starts at (override in a test module or test)."""
    return START


@pytest.fixture
async def cloud_server(
    hass: HomeAssistant,
    socket_enabled: None,
    freezer: FrozenDateTimeFactory,
    start_time: datetime,
    scenario: str | dict[str, Any],
    cloud_options: dict[str, Any],
) -> AsyncGenerator[TestServer]:
    """Run the simulated cloud on a local port (sockets on 127.0.0.1 only) for the test.

    Time is frozen at the test's start first, so the scenario is built at that moment whatever
    the machine's clock says, and the cloud's clock then follows the test's frozen time.
    """
    freezer.move_to(start_time)
    server = TestServer(
        create_app(scenario, start=start_time, **cloud_options), host="127.0.0.1"
    )
    # No access log: it cannot format frozen time, and the cloud's counters say more.
    await server.start_server(access_log=None)
    yield server
    await server.close()


@pytest.fixture
def cloud(cloud_server: TestServer) -> SimulatedCloud:
    """Return the simulated cloud's state, for direct checks."""
    return cloud_server.app[CLOUD]


@pytest.fixture
def cloud_url(cloud_server: TestServer) -> str:
    """Return the simulated cloud's base URL."""
    return str(cloud_server.make_url("")).rstrip("/")


@pytest.fixture
async def sim(cloud_server: TestServer) -> AsyncGenerator[TestClient]:
    """Return an HTTP client for the simulated cloud's control API (/_sim/...)."""
    client = TestClient(cloud_server)
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
def cloud_control(sim: TestClient) -> CloudControl:
    """Return the named helpers that make things happen in the simulated cloud."""
    return CloudControl(sim)


async def _login_at(
    hass: HomeAssistant, cloud_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point the login at the simulated cloud and set up the application credentials."""
    monkeypatch.setenv(ENV_CLOUD_URL, cloud_url)
    assert await async_setup_component(hass, "application_credentials", {})


@pytest.fixture
async def login_at_the_simulator(
    hass: HomeAssistant, cloud_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point the login at the simulated cloud, with no application credentials yet."""
    await _login_at(hass, cloud_url, monkeypatch)


@pytest.fixture
async def credentials(
    hass: HomeAssistant,
    cloud: SimulatedCloud,
    cloud_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Register the simulated app's credentials and point the login at the simulated cloud."""
    # Not through the fixture above: the benchmark takes this fixture alone from the suite.
    await _login_at(hass, cloud_url, monkeypatch)
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(cloud.client_id, cloud.client_secret), DOMAIN
    )


@pytest.fixture
def config_entry(cloud: SimulatedCloud, cloud_url: str) -> MockConfigEntry:
    """Return an entry linked to the scenario's first user, as the config flow creates it."""
    token = cloud.issue_tokens()
    return MockConfigEntry(
        domain=DOMAIN,
        title="Legrand Eliot",
        unique_id=cloud.user().subject,
        data={
            "auth_implementation": DOMAIN,
            "token": {**token, "expires_at": time.time() + int(token["expires_in"])},
            CONF_SUBSCRIPTION_KEY: cloud.subscription_key,
            CONF_CLOUD_URL: cloud_url,
        },
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, credentials: None, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up the integration against the simulated cloud and return its entry."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
def next_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> NextPoll:
    """Return the step that lets time run to the entry's next refresh of every plant."""

    async def poll() -> None:
        await next_refresh(hass, freezer, init_integration.runtime_data.coordinator)

    return poll


@pytest.fixture
def platform_snapshot(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> PlatformSnapshot:
    """Return the check of every entity of the loaded entry against the test's snapshot."""
    return partial(
        snapshot_platform, hass, entity_registry, snapshot, init_integration.entry_id
    )


@pytest.fixture(autouse=True)
def no_deprecated_use(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail any test in which Home Assistant reports a deprecated use by the integration.

    Uses are reported naming the integration; a class that provides a deprecated member is
    reported by the class's own logger when Home Assistant first imports the platform.
    """
    yield
    for when in ("setup", "call", "teardown"):
        for record in caplog.get_records(when):
            text = record.getMessage()
            assert f"integration '{DOMAIN}'" not in text, text
            assert not (
                record.name.startswith(f"custom_components.{DOMAIN}")
                and "deprecated" in text
            ), text

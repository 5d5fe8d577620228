"""Building, entering and closing the client, with an injected or its own session."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.legrand_eliot.eliot import (
    DEFAULT_BASE_URL,
    EliotClient,
    EliotInvalidValueError,
)

from .conftest import SUBSCRIPTION_KEY


async def token() -> str:
    """Return a fixed token."""
    return "token"


async def plants(request: web.Request) -> web.Response:
    """Answer the plants list when both credentials are present."""
    assert request.headers["Ocp-Apim-Subscription-Key"] == SUBSCRIPTION_KEY
    assert request.headers["Authorization"] == "Bearer token"
    return web.json_response({"plants": [{"id": "p1", "name": "Home"}]})


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[TestServer]:
    """Run a tiny gateway on a local port."""
    app = web.Application()
    app.router.add_get("/hc/api/v1.0/plants", plants)
    server = TestServer(app)
    await server.start_server()
    yield server
    await server.close()


def test_defaults_point_at_production() -> None:
    """Without a base URL the client talks to Legrand's gateway, with sensible limits."""
    client = EliotClient(token_callback=token, subscription_key=SUBSCRIPTION_KEY)

    assert client.base_url == DEFAULT_BASE_URL
    assert client.min_spacing == 0.5
    assert client.budget.daily_limit == 500


@pytest.mark.parametrize(
    "url", ["api.developer.legrand.com", "ftp://host", "", "http://"]
)
def test_base_url_must_be_absolute(url: str) -> None:
    """A base URL that is not absolute http(s) is refused at once."""
    with pytest.raises(EliotInvalidValueError):
        EliotClient(
            token_callback=token, subscription_key=SUBSCRIPTION_KEY, base_url=url
        )


async def test_own_session_is_opened_and_closed(server: TestServer) -> None:
    """Without an injected session the client opens one and closes it on leaving."""
    async with EliotClient(
        token_callback=token,
        subscription_key=SUBSCRIPTION_KEY,
        base_url=str(server.make_url("/")),
        min_spacing=0,
    ) as client:
        assert [plant.name for plant in await client.hc_plants()] == ["Home"]
        session = client.session
        assert session is not None

    assert session.closed
    assert client.session is None


async def test_injected_session_stays_open(server: TestServer) -> None:
    """An injected session belongs to the caller: leaving the client does not close it."""
    async with ClientSession() as session:
        async with EliotClient(
            session=session,
            token_callback=token,
            subscription_key=SUBSCRIPTION_KEY,
            base_url=str(server.make_url("")),
            min_spacing=0,
        ) as client:
            await client.hc_plants()

        assert not session.closed
        assert client.session is session


@pytest.mark.parametrize(
    "key", ["", "key with spaces", "key\r\nX-Injected: 1", None, 42]
)
def test_subscription_key_must_fit_a_header(key: object) -> None:
    """A key that is empty or would break the header is refused at once."""
    with pytest.raises(EliotInvalidValueError):
        EliotClient(token_callback=token, subscription_key=key)  # type: ignore[arg-type]

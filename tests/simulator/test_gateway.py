"""The API gateway: subscription key, bearer token, quota, burst limit, scopes and counters."""

from __future__ import annotations

from datetime import UTC, datetime
import re
from typing import Any

from aiohttp.test_utils import TestClient
import pytest

from simulator import CLOUD, SimulatedCloud

from .conftest import MakeClient
from .helpers import (
    HC_BASE,
    HC_PLANT,
    SM_BASE,
    hc_module,
    hc_module_path,
    headers,
    thermostat_path,
    token_headers,
)

PLANTS = f"{SM_BASE}/plants"


async def test_missing_subscription_key(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """No key: APIM's 401 body naming the missing key."""
    response = await client.get(
        PLANTS, headers={"Authorization": headers(sim_cloud)["Authorization"]}
    )
    assert response.status == 401
    body = await response.json()
    assert body["statusCode"] == 401
    assert "missing subscription key" in body["message"]


async def test_invalid_subscription_key(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A wrong key: APIM's 401 body naming an invalid key."""
    response = await client.get(
        PLANTS, headers={**headers(sim_cloud), "Ocp-Apim-Subscription-Key": "0" * 32}
    )
    assert response.status == 401
    assert "invalid subscription key" in (await response.json())["message"]


async def test_secondary_key_and_query_key(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The secondary key works, and so does the key as a query parameter."""
    secondary = sim_cloud.app_registration.subscription_keys[1]
    response = await client.get(
        PLANTS, headers={**headers(sim_cloud), "Ocp-Apim-Subscription-Key": secondary}
    )
    assert response.status == 200
    bearer = {"Authorization": headers(sim_cloud)["Authorization"]}
    by_query = await client.get(
        PLANTS, headers=bearer, params={"subscription-key": sim_cloud.subscription_key}
    )
    assert by_query.status == 200


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer not-a-token", "Basic abc"]
)
async def test_missing_or_invalid_bearer(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, authorization: str | None
) -> None:
    """No usable bearer token: 401 in the APIM shape."""
    sent = {"Ocp-Apim-Subscription-Key": sim_cloud.subscription_key}
    if authorization is not None:
        sent["Authorization"] = authorization
    response = await client.get(PLANTS, headers=sent)
    assert response.status == 401
    assert await response.json() == {
        "statusCode": 401,
        "message": "Unauthorized. Access token is missing or invalid.",
    }


async def test_lowercase_header_and_scheme(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Header names and the bearer scheme are case-insensitive."""
    token = sim_cloud.issue_tokens()["access_token"]
    response = await client.get(
        PLANTS,
        headers={
            "ocp-apim-subscription-key": sim_cloud.subscription_key,
            "authorization": f"bearer {token}",
        },
    )
    assert response.status == 200


async def test_expired_token_says_expired(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """/_sim/tokens/expire makes current tokens expire: 401 with "expired" in the message."""
    sent = headers(sim_cloud)
    assert (await client.get(PLANTS, headers=sent)).status == 200
    expired = await client.post("/_sim/tokens/expire", json={})
    assert (await expired.json())["expired"] >= 1
    response = await client.get(PLANTS, headers=sent)
    assert response.status == 401
    assert "expired" in (await response.json())["message"]
    assert (await client.get(PLANTS, headers=headers(sim_cloud))).status == 200


async def test_quota_exhaustion_and_reset(make_client: MakeClient) -> None:
    """Past the daily limit: 403, Retry-After and the replenish time; midnight resets it."""
    client = await make_client(quota_limit=3)
    cloud = client.app[CLOUD]
    cloud.clock.set(datetime(2026, 3, 10, 22, 0, 0, tzinfo=UTC))
    sent = headers(cloud)
    for _ in range(3):
        assert (await client.get(PLANTS, headers=sent)).status == 200
    refused = await client.get(PLANTS, headers=sent)
    assert refused.status == 403
    body = await refused.json()
    assert body["statusCode"] == 403
    assert re.fullmatch(
        r"Out of call volume quota\. Quota will be replenished in (01:59:\d\d|02:00:00)\.",
        body["message"],
    )
    assert 7100 <= int(refused.headers["Retry-After"]) <= 7200
    counters = await (await client.get("/_sim/counters")).json()
    assert counters["quota"]["demo@example.com"]["used"] == 4
    assert counters["quota"]["demo@example.com"]["limit"] == 3
    assert counters["quota"]["demo@example.com"]["resets_at"].startswith(
        "2026-03-11T00:00:00"
    )
    await client.post("/_sim/clock", json={"advance": 2 * 3600 + 1})
    assert (await client.get(PLANTS, headers=headers(cloud))).status == 200
    assert (await (await client.get("/_sim/counters")).json())["quota"][
        "demo@example.com"
    ]["used"] == 1


async def test_quota_is_per_user(make_client: MakeClient) -> None:
    """One user's spent quota does not stop another's calls."""
    client = await make_client(quota_limit=1)
    cloud = client.app[CLOUD]
    assert (await client.get(f"{HC_BASE}/plants", headers=headers(cloud))).status == 200
    assert (await client.get(f"{HC_BASE}/plants", headers=headers(cloud))).status == 403
    assert (
        await client.get(
            f"{HC_BASE}/plants", headers=headers(cloud, "other@example.com")
        )
    ).status == 200


async def test_quota_timezone_and_429_variant(make_client: MakeClient) -> None:
    """The quota day ends at midnight in its time zone; the refusal may be a 429."""
    client = await make_client(
        quota_limit=0, quota_timezone="Europe/Paris", quota_status=429
    )
    cloud = client.app[CLOUD]
    cloud.clock.set(datetime(2026, 7, 1, 21, 30, 0, tzinfo=UTC))
    response = await client.get(PLANTS, headers=headers(cloud))
    assert response.status == 429
    assert re.search(
        r"replenished in (00:29:\d\d|00:30:00)\.", (await response.json())["message"]
    )


async def test_burst_limit(make_client: MakeClient) -> None:
    """Too many calls in the window: 429 with Retry-After; the window slides with the clock."""
    client = await make_client(burst_limit=2, burst_window=10)
    cloud = client.app[CLOUD]
    sent = headers(cloud)
    assert [(await client.get(PLANTS, headers=sent)).status for _ in range(3)] == [
        200,
        200,
        429,
    ]
    refused = await client.get(PLANTS, headers=sent)
    body = await refused.json()
    assert body["statusCode"] == 429
    assert body["message"].startswith("Rate limit is exceeded. Try again in ")
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    cloud.clock.advance(11)
    assert (await client.get(PLANTS, headers=sent)).status == 200


async def test_no_burst_limit(make_client: MakeClient) -> None:
    """burst_limit=None lets any number of calls through."""
    client = await make_client(burst_limit=None)
    cloud = client.app[CLOUD]
    sent = headers(cloud)
    statuses = {(await client.get(PLANTS, headers=sent)).status for _ in range(40)}
    assert statuses == {200}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{HC_BASE}/nothing/here"),
        ("DELETE", f"{HC_BASE}/plants"),
        ("PUT", f"{SM_BASE}/plants"),
        ("GET", "/smarther/v1.0/plants"),
        ("POST", f"{HC_BASE}/plants/{HC_PLANT}/topology"),
    ],
)
async def test_unknown_routes_and_methods(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, method: str, path: str
) -> None:
    """Unknown operations answer APIM's 404 "Resource not found", still counted."""
    response = await client.request(method, path, headers=headers(sim_cloud))
    assert response.status == 404
    assert await response.json() == {"statusCode": 404, "message": "Resource not found"}
    assert sim_cloud.counters["total"] == 1


async def test_not_acceptable(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """An Accept header without JSON: 406 in each API's error shape."""
    hc = await client.get(
        f"{HC_BASE}/plants", headers=headers(sim_cloud, Accept="text/html")
    )
    assert hc.status == 406
    assert (await hc.json())["errors"][0]["code"] == 406
    sm = await client.get(PLANTS, headers=headers(sim_cloud, Accept="application/xml"))
    assert (sm.status, (await sm.json())["statusCode"]) == (406, 406)
    ok = await client.get(
        PLANTS, headers=headers(sim_cloud, Accept="application/json, text/plain")
    )
    assert ok.status == 200


async def test_missing_scope_is_403(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A token without the write scope cannot command: 403 naming the scope."""
    token = sim_cloud.issue_tokens(scopes=frozenset({"plug.read", "comfort.read"}))[
        "access_token"
    ]
    sent = token_headers(sim_cloud, token)
    plug = await client.post(
        hc_module_path("plug/energy", hc_module("Prise TV")),
        json={"status": "off"},
        headers=sent,
    )
    assert plug.status == 403
    assert "plug.write" in (await plug.json())["message"]
    thermostat = await client.post(
        thermostat_path(), json={"function": "heating", "mode": "off"}, headers=sent
    )
    assert thermostat.status == 403
    assert "comfort.write" in (await thermostat.json())["message"]
    assert (await client.get(PLANTS, headers=sent)).status == 200


async def test_counters_by_endpoint_and_user(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Every request counts, failed ones too, under its route template."""
    sent = headers(sim_cloud)
    await client.get(f"{HC_BASE}/plants/", headers=sent)
    await client.get(f"{HC_BASE}/plants", headers=sent)
    await client.get(f"{HC_BASE}/plants/{HC_PLANT}", headers=sent)
    await client.get(f"{HC_BASE}/plants/unknown", headers=sent)
    await client.get(hc_module_path("plug/energy", hc_module("Prise TV")), headers=sent)
    await client.get(PLANTS)
    counters = await (await client.get("/_sim/counters")).json()
    assert counters["total"] == 6
    assert counters["by_endpoint"] == {
        "GET /hc/api/v1.0/plants": 2,
        "GET /hc/api/v1.0/plants/{plantId}": 2,
        "GET /hc/api/v1.0/plug/energy/addressLocation/plants/{plantId}/modules/parameter/id/value/{moduleId}": 1,
        "GET /smarther/v2.0/plants": 1,
    }
    assert counters["by_user"] == {"demo@example.com": 5}
    assert counters["unhandled"] == 0
    assert sim_cloud.counters == counters
    reset = await (await client.post("/_sim/counters/reset")).json()
    assert reset["total"] == 0
    assert reset["quota"]["demo@example.com"]["used"] == 0


async def test_control_and_login_are_not_counted(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Only gateway requests count against the quota."""
    await client.get("/_sim/state")
    await client.get(f"/{sim_cloud.client_id}/.well-known/openid-configuration")
    await client.get("/")
    assert sim_cloud.counters["total"] == 0

"""The login server: consent, codes, tokens, rotation and revocation, discovery and JWKS."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
import jwt
import pytest

from simulator import CLOUD, SimulatedCloud

from .conftest import MakeClient
from .helpers import OTHER_USER, SM_BASE, token_headers

REDIRECT = "https://example.com/auth/external/callback"


def _authorize_params(sim_cloud: SimulatedCloud, **extra: str) -> dict[str, str]:
    """Return the query of an authorization request as Home Assistant sends it."""
    return {
        "response_type": "code",
        "client_id": sim_cloud.client_id,
        "redirect_uri": REDIRECT,
        "state": "state-123",
        **extra,
    }


def _query(location: str) -> dict[str, str]:
    """Return the query parameters of a redirect."""
    return {
        key: values[0] for key, values in parse_qs(urlsplit(location).query).items()
    }


async def _consent(
    client: TestClient[Any, Any],
    params: dict[str, str],
    decision: str = "accept",
    **form: str,
) -> dict[str, str]:
    """Post the consent form and return the redirect's query."""
    response = await client.post(
        "/authorize",
        data={**params, "decision": decision, **form},
        allow_redirects=False,
    )
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith(params["redirect_uri"])
    return _query(location)


async def _code(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, **extra: str
) -> str:
    """Go through consent and return an authorization code."""
    return (await _consent(client, _authorize_params(sim_cloud, **extra)))["code"]


async def _token(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, **form: str
) -> tuple[int, dict[str, Any]]:
    """Post to /token with the demo client's credentials."""
    data = {
        "client_id": sim_cloud.client_id,
        "client_secret": sim_cloud.client_secret,
        **form,
    }
    response = await client.post("/token", data=data)
    return response.status, await response.json()


async def _refresh(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, refresh_token: str
) -> tuple[int, dict[str, Any]]:
    """Post a refresh grant to /token with the demo client's credentials."""
    return await _token(
        client, sim_cloud, grant_type="refresh_token", refresh_token=refresh_token
    )


async def _exchange(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud, code: str, **form: str
) -> tuple[int, dict[str, Any]]:
    """Post an authorization code to /token with the demo client's credentials."""
    return await _token(
        client, sim_cloud, grant_type="authorization_code", code=code, **form
    )


async def test_first_authorize_shows_consent_page(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Without consent the page names the app, the scopes, Accept and Deny, and no password."""
    response = await client.get(
        "/authorize", params=_authorize_params(sim_cloud), allow_redirects=False
    )
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    for text in (
        "Legrand Eliot (demo application)",
        "comfort.write",
        "plug.write",
        'value="accept"',
        'value="deny"',
        "no password",
    ):
        assert text in page
    assert 'value="state-123"' in page


async def test_accept_redirects_with_code_and_state(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Accepting sends the browser back with a code and the same state."""
    query = await _consent(client, _authorize_params(sim_cloud))
    assert query["state"] == "state-123"
    assert query["code"]


async def test_deny_redirects_with_access_denied(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Denying sends the browser back with error=access_denied and no code."""
    query = await _consent(client, _authorize_params(sim_cloud), decision="deny")
    assert query["error"] == "access_denied"
    assert query["state"] == "state-123"
    assert "code" not in query


async def test_consent_is_remembered_until_scopes_change(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """After Accept, the same scopes redirect at once; other scopes show the page again."""
    read_only = _authorize_params(sim_cloud, scope="openid comfort.read")
    await _consent(client, read_only)
    again = await client.get("/authorize", params=read_only, allow_redirects=False)
    assert again.status == 302
    assert _query(again.headers["Location"])["code"]
    wider = _authorize_params(sim_cloud, scope="comfort.read comfort.write")
    asked = await client.get("/authorize", params=wider, allow_redirects=False)
    assert asked.status == 200
    assert "comfort.write" in await asked.text()


async def test_consent_is_per_user(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Consent given by one account does not count for another."""
    params = _authorize_params(sim_cloud)
    await _consent(client, params, user=OTHER_USER)
    first_user = await client.get("/authorize", params=params, allow_redirects=False)
    assert first_user.status == 200
    hinted = await client.get(
        "/authorize", params={**params, "login_hint": OTHER_USER}, allow_redirects=False
    )
    assert hinted.status == 302


async def test_prompt_consent_and_none(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """prompt=consent always shows the page; prompt=none without consent fails back."""
    params = _authorize_params(sim_cloud)
    silent = await client.get(
        "/authorize", params={**params, "prompt": "none"}, allow_redirects=False
    )
    assert _query(silent.headers["Location"])["error"] == "interaction_required"
    await _consent(client, params)
    forced = await client.get(
        "/authorize", params={**params, "prompt": "consent"}, allow_redirects=False
    )
    assert forced.status == 200


async def test_auto_consent_option(make_client: MakeClient) -> None:
    """With auto_consent the first authorize already redirects with a code."""
    client = await make_client(auto_consent=True)
    params = _authorize_params(client.app[CLOUD])
    response = await client.get("/authorize", params=params, allow_redirects=False)
    assert response.status == 302
    assert _query(response.headers["Location"])["code"]


@pytest.mark.parametrize(
    ("change", "description"),
    [
        (
            {"redirect_uri": "https://evil.example.org/cb"},
            "The reply url host evil.example.org doesn't match with the ones configured on the application",
        ),
        (
            {"redirect_uri": REDIRECT + "/"},
            "The reply url host example.com doesn't match",
        ),
        ({"client_id": "00000000-0000-0000-0000-000000000000"}, "AADB2C90018"),
    ],
)
async def test_authorize_errors_answer_json(
    client: TestClient[Any, Any],
    sim_cloud: SimulatedCloud,
    change: dict[str, str],
    description: str,
) -> None:
    """A reply URL not registered exactly (trailing slash too) or an unknown client is JSON."""
    response = await client.get(
        "/authorize",
        params={**_authorize_params(sim_cloud), **change},
        allow_redirects=False,
    )
    assert response.status == 400
    body = await response.json()
    assert body["error"] == "invalid_request"
    assert description in body["error_description"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "plug.write admin.write"}, "invalid_scope"),
    ],
)
async def test_authorize_errors_sent_back(
    client: TestClient[Any, Any],
    sim_cloud: SimulatedCloud,
    change: dict[str, str],
    error: str,
) -> None:
    """Errors after the reply URL is known go back to the application."""
    response = await client.get(
        "/authorize",
        params={**_authorize_params(sim_cloud), **change},
        allow_redirects=False,
    )
    assert response.status == 302
    query = _query(response.headers["Location"])
    assert query["error"] == error
    assert query["state"] == "state-123"


async def test_consent_form_checks(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The form is validated again: unknown user, bad decision, a non-form body."""
    params = _authorize_params(sim_cloud)
    unknown = await client.post(
        "/authorize",
        data={**params, "decision": "accept", "user": "nobody@example.com"},
    )
    assert (await unknown.json())["error"] == "invalid_request"
    odd = await client.post("/authorize", data={**params, "decision": "maybe"})
    assert odd.status == 400
    as_json = await client.post("/authorize", json={**params, "decision": "accept"})
    assert as_json.status == 400
    evil = await client.post(
        "/authorize",
        data={
            **params,
            "redirect_uri": "https://evil.example.org/cb",
            "decision": "accept",
        },
    )
    assert evil.status == 400


async def test_code_exchange_returns_every_token_field(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The code grant answers access and refresh tokens, both expiries and an id_token."""
    code = await _code(client, sim_cloud)
    status, body = await _exchange(client, sim_cloud, code, redirect_uri=REDIRECT)
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    now = int(sim_cloud.clock.now().timestamp())
    assert now + 3590 <= body["expires_on"] <= now + 3610
    for key in ("access_token", "refresh_token", "id_token", "not_before", "scope"):
        assert body[key]
    api = await client.get(
        f"{SM_BASE}/plants",
        headers=token_headers(sim_cloud, body["access_token"]),
    )
    assert api.status == 200


async def test_code_reuse_is_aadb2c90080(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A code works once; the second exchange is the B2C grant-expired error."""
    code = await _code(client, sim_cloud)
    first, _ = await _exchange(client, sim_cloud, code)
    second, body = await _exchange(client, sim_cloud, code)
    assert (first, second) == (200, 400)
    assert body["error"] == "invalid_grant"
    assert body["error_description"].startswith("AADB2C90080")


async def test_stale_code_is_aadb2c90080(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A code older than its lifetime is refused with the same error."""
    code = await _code(client, sim_cloud)
    sim_cloud.clock.advance(sim_cloud.options.code_lifetime + 1)
    status, body = await _exchange(client, sim_cloud, code)
    assert status == 400
    assert "AADB2C90080" in body["error_description"]


async def test_wrong_secret_leaves_the_code_unused(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The client is checked before the code: a code sent with a wrong secret still works."""
    code = await _code(client, sim_cloud)
    status, body = await _exchange(client, sim_cloud, code, client_secret="wrong")
    assert (status, body["error"]) == (401, "invalid_client")
    assert body["error_description"].startswith("AADB2C90081")
    status, body = await _exchange(client, sim_cloud, code)
    assert status == 200
    assert body["access_token"]


async def test_an_expired_secret_is_refused_until_a_new_one_is_used(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """An expired secret: B2C's internal error on every grant; a renewed secret works."""
    tokens = sim_cloud.issue_tokens()
    response = await client.post("/_sim/app/secret", json={"expire": True})
    assert await response.json() == {"expired": True}
    status, body = await _refresh(client, sim_cloud, tokens["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")
    assert body["error_description"].startswith("AADB2C90085")
    expired = sim_cloud.client_secret
    renewed = await (await client.post("/_sim/app/secret", json={"renew": True})).json()
    assert renewed["client_secret"] == sim_cloud.client_secret != expired
    status, body = await _refresh(client, sim_cloud, tokens["refresh_token"])
    assert status == 200
    status, body = await _exchange(client, sim_cloud, "x", client_secret=expired)
    assert body["error_description"].startswith("AADB2C90085")
    nothing = await client.post("/_sim/app/secret", json={})
    assert nothing.status == 400


async def test_code_bound_to_redirect_uri(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A redirect_uri different from the authorize one is refused; an unknown code too."""
    code = await _code(client, sim_cloud)
    status, body = await _exchange(
        client,
        sim_cloud,
        code,
        redirect_uri="http://localhost:8123/auth/external/callback",
    )
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await _exchange(client, sim_cloud, "made-up")
    assert (status, body["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "someone-else"}, 400, "invalid_client"),
        ({"client_id": ""}, 400, "invalid_request"),
        ({"grant_type": ""}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code": ""}, 400, "invalid_request"),
        ({"grant_type": "refresh_token"}, 400, "invalid_request"),
        (
            {"grant_type": "refresh_token", "refresh_token": "nope"},
            400,
            "invalid_grant",
        ),
    ],
)
async def test_token_errors(
    client: TestClient[Any, Any],
    sim_cloud: SimulatedCloud,
    form: dict[str, str],
    status: int,
    error: str,
) -> None:
    """Bad token requests answer the OAuth error shape, never a crash."""
    got, body = await _token(
        client, sim_cloud, **{"grant_type": "authorization_code", "code": "x", **form}
    )
    assert got == status
    assert body["error"] == error
    assert body["error_description"]
    assert sim_cloud.client_secret not in body["error_description"]


async def test_token_needs_a_form(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A JSON body is not a token request; GET is not allowed."""
    response = await client.post("/token", json={"grant_type": "refresh_token"})
    assert (response.status, (await response.json())["error"]) == (
        400,
        "invalid_request",
    )
    wrong_method = await client.get("/token")
    assert wrong_method.status == 405
    assert (await wrong_method.json())["error"] == "invalid_request"


async def test_basic_client_authentication(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Client credentials are also accepted with HTTP Basic."""
    refresh = sim_cloud.issue_tokens()["refresh_token"]
    basic = base64.b64encode(
        f"{sim_cloud.client_id}:{sim_cloud.client_secret.replace('+', '%2B')}".encode()
    ).decode()
    response = await client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status == 200


async def test_refresh_rotates_and_old_token_stays_valid_by_default(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A refresh returns new tokens; by default the old refresh token is still accepted."""
    first = sim_cloud.issue_tokens()
    status, second = await _refresh(client, sim_cloud, first["refresh_token"])
    assert status == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    again, _ = await _refresh(client, sim_cloud, first["refresh_token"])
    assert again == 200


async def test_rotation_can_revoke_the_old_refresh_token(
    make_client: MakeClient,
) -> None:
    """With revoke_rotated_refresh_tokens a used refresh token is blacklisted."""
    client = await make_client(revoke_rotated_refresh_tokens=True)
    sim_cloud = client.app[CLOUD]
    first = sim_cloud.issue_tokens()
    status, _ = await _refresh(client, sim_cloud, first["refresh_token"])
    assert status == 200
    status, body = await _refresh(client, sim_cloud, first["refresh_token"])
    assert status == 400
    assert body["error_description"].startswith("AADB2C90129")


async def test_revoked_refresh_token(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Blacklisted refresh tokens are refused; access tokens keep working unless asked."""
    tokens = sim_cloud.issue_tokens()
    revoke = await client.post("/_sim/tokens/revoke", json={})
    assert (await revoke.json())["revoked"] >= 1
    status, body = await _refresh(client, sim_cloud, tokens["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")
    api_headers = token_headers(sim_cloud, tokens["access_token"])
    assert (await client.get(f"{SM_BASE}/plants", headers=api_headers)).status == 200
    await client.post("/_sim/tokens/revoke", json={"access": True})
    assert (await client.get(f"{SM_BASE}/plants", headers=api_headers)).status == 401


async def test_revoke_for_one_user(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Revoking one user's tokens leaves the other's alone."""
    mine = sim_cloud.issue_tokens()
    theirs = sim_cloud.issue_tokens(OTHER_USER)
    await client.post("/_sim/tokens/revoke", json={"user": OTHER_USER})
    assert (await _refresh(client, sim_cloud, mine["refresh_token"]))[0] == 200
    assert (await _refresh(client, sim_cloud, theirs["refresh_token"]))[0] == 400
    unknown = await client.post(
        "/_sim/tokens/revoke", json={"user": "nobody@example.com"}
    )
    assert unknown.status == 404


async def test_refresh_token_expires(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """A refresh token past its lifetime answers the grant-expired error."""
    tokens = sim_cloud.issue_tokens()
    sim_cloud.clock.advance(sim_cloud.options.refresh_token_lifetime + 1)
    status, body = await _refresh(client, sim_cloud, tokens["refresh_token"])
    assert status == 400
    assert body["error_description"].startswith("AADB2C90080")


async def test_refresh_after_access_token_expiry(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """An expired access token gets a 401 naming the expiry; the refreshed one works."""
    tokens = sim_cloud.issue_tokens()
    sim_cloud.clock.advance(3601)
    api_headers = token_headers(sim_cloud, tokens["access_token"])
    expired = await client.get(f"{SM_BASE}/plants", headers=api_headers)
    assert expired.status == 401
    assert "expired" in (await expired.json())["message"]
    status, fresh = await _refresh(client, sim_cloud, tokens["refresh_token"])
    assert status == 200
    api_headers["Authorization"] = f"Bearer {fresh['access_token']}"
    assert (await client.get(f"{SM_BASE}/plants", headers=api_headers)).status == 200


async def test_id_token_verifies_against_jwks(
    client: TestClient[Any, Any],
    sim_cloud: SimulatedCloud,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The id_token is RS256, verifiable with the discovery document's JWKS, audience = client id."""
    code = await _code(client, sim_cloud, nonce="n-42")
    _, tokens = await _exchange(client, sim_cloud, code)
    discovery = await (
        await client.get(f"/{sim_cloud.client_id}/.well-known/openid-configuration")
    ).json()
    assert discovery["issuer"] == sim_cloud.issuer
    assert discovery["token_endpoint"].endswith("/token")
    assert discovery["authorization_endpoint"].endswith("/authorize")
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]
    jwks_path = urlsplit(discovery["jwks_uri"]).path
    key_set = jwt.PyJWKSet.from_dict(await (await client.get(jwks_path)).json())
    kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
    key = next(k for k in key_set.keys if k.key_id == kid)
    # Verify at the simulated cloud's time, which issued the token, not at the machine's.
    freezer.move_to(sim_cloud.clock.now())
    claims = jwt.decode(
        tokens["id_token"],
        key,
        algorithms=["RS256"],
        audience=sim_cloud.client_id,
        issuer=discovery["issuer"],
    )
    assert claims["sub"] == sim_cloud.user().subject
    assert claims["nonce"] == "n-42"
    assert claims["exp"] - claims["iat"] == 3600
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(
            tokens["id_token"],
            key,
            algorithms=["RS256"],
            audience="another-client",
            issuer=discovery["issuer"],
        )


async def test_other_user_has_its_own_subject(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Tokens of another account carry that account's subject."""
    token = sim_cloud.issue_tokens(OTHER_USER)["id_token"]
    assert (
        jwt.decode(token, options={"verify_signature": False})["sub"]
        == sim_cloud.user(OTHER_USER).subject
    )


async def test_discovery_and_jwks_of_unknown_client(
    client: TestClient[Any, Any],
) -> None:
    """Discovery for another client id is a 404 in the OAuth shape."""
    for path in (
        "/nobody/.well-known/openid-configuration",
        "/nobody/discovery/v2.0/keys",
    ):
        response = await client.get(path)
        assert response.status == 404
        assert (await response.json())["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("options", "present", "absent", "kind"),
    [
        ({}, {"expires_in", "expires_on"}, set(), int),
        ({"token_fields": "expires_in"}, {"expires_in"}, {"expires_on"}, int),
        ({"token_fields": "neither"}, set(), {"expires_in", "expires_on"}, int),
        (
            {"token_fields": "expires_on", "expires_on_type": "str"},
            {"expires_on"},
            {"expires_in"},
            str,
        ),
    ],
)
async def test_token_field_variants(
    make_client: MakeClient,
    options: dict[str, Any],
    present: set[str],
    absent: set[str],
    kind: type,
) -> None:
    """The expiry fields follow the options (both by default, expires_on a number)."""
    client = await make_client(**options)
    sim_cloud = client.app[CLOUD]
    _, body = await _token(
        client,
        sim_cloud,
        grant_type="refresh_token",
        refresh_token=sim_cloud.issue_tokens()["refresh_token"],
    )
    assert present <= set(body)
    assert not absent & set(body)
    for name in present:
        assert isinstance(body[name], kind if name == "expires_on" else int)


async def test_control_token_shortcut(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """POST /_sim/token gives a working token response for a user, scopes optional."""
    response = await client.post(
        "/_sim/token", json={"user": OTHER_USER, "scopes": ["comfort.read"]}
    )
    body = await response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"].split() == ["comfort.read", "offline_access", "openid"]
    bad = await client.post("/_sim/token", json={"scopes": "comfort.read"})
    assert bad.status == 400


async def test_token_faults(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """The token endpoint can answer an injected 429 with a bare message, then 500, then work."""
    await client.post(
        "/_sim/faults", json={"target": "token", "status": 429, "retry_after": 7}
    )
    await client.post("/_sim/faults", json={"target": "token", "status": 500})
    refresh = sim_cloud.issue_tokens()["refresh_token"]
    first = await client.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": sim_cloud.client_id,
            "client_secret": sim_cloud.client_secret,
        },
    )
    assert first.status == 429
    assert first.headers["Retry-After"] == "7"
    assert set(await first.json()) == {"message"}
    second, body = await _refresh(client, sim_cloud, refresh)
    assert (second, body["error"]) == (500, "server_error")
    third, _ = await _refresh(client, sim_cloud, refresh)
    assert third == 200


async def test_token_fault_malformed_and_timeout(
    client: TestClient[Any, Any], sim_cloud: SimulatedCloud
) -> None:
    """Injected malformed JSON and a short timeout on the token endpoint."""
    await client.post("/_sim/faults", json={"target": "token", "kind": "malformed"})
    await client.post(
        "/_sim/faults", json={"target": "token", "kind": "timeout", "delay": 0.01}
    )
    refresh = sim_cloud.issue_tokens()["refresh_token"]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh,
        "client_id": sim_cloud.client_id,
        "client_secret": sim_cloud.client_secret,
    }
    broken = await client.post("/token", data=form)
    with pytest.raises(ValueError):
        await broken.json()
    slow = await client.post("/token", data=form)
    assert (slow.status, (await slow.json())["error"]) == (504, "server_error")


async def test_secrets_stay_out_of_reprs(sim_cloud: SimulatedCloud) -> None:
    """Neither the sim_cloud nor its token store nor the app shows a secret or a token."""
    tokens = sim_cloud.issue_tokens()
    for text in (
        repr(sim_cloud),
        repr(sim_cloud.tokens),
        repr(sim_cloud.app_registration),
    ):
        for secret in (
            sim_cloud.client_secret,
            sim_cloud.subscription_key,
            tokens["access_token"],
            tokens["refresh_token"],
        ):
            assert secret not in text

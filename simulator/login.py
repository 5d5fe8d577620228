"""The login server: consent page, authorization codes, tokens, OpenID discovery and JWKS."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Mapping
import contextlib
from dataclasses import dataclass
import hmac
import html
from urllib.parse import unquote_plus

from aiohttp import web
from yarl import URL

from .cloud import SimulatedCloud
from .errors import SimError, oauth_error
from .faults import Fault, broken_answer, retry_headers
from .keys import CLOUD
from .payload import BodyError, form_fields
from .tokens import OPENID_SCOPES, TokenError

SCOPE_TEXT = {
    "plug.read": "See the state of your plugs",
    "plug.write": "Switch your plugs",
    "light.read": "See the state of your lights",
    "light.write": "Switch and dim your lights",
    "automation.read": "See the position of your shutters",
    "automation.write": "Move your shutters",
    "scene.read": "See your scenes",
    "scene.write": "Run your scenes",
    "heater.write": "Control your heaters",
    "comfort.read": "See your thermostats",
    "comfort.write": "Change comfort parameters (temperature set point, mode, program)",
}


@dataclass(frozen=True)
class AuthorizeRequest:
    """A checked authorization request: where to send the answer and what is asked."""

    client_id: str
    redirect_uri: str
    state: str | None
    scopes: frozenset[str]
    scope_text: str
    nonce: str | None


def routes() -> list[web.RouteDef]:
    """Return the login server's routes."""
    return [
        web.get("/authorize", authorize),
        web.post("/authorize", consent),
        web.post("/token", token),
        web.get("/{client_id}/.well-known/openid-configuration", discovery),
        web.get("/{client_id}/discovery/v2.0/keys", jwks),
    ]


def _unknown_client(cloud: SimulatedCloud, client_id: str) -> str:
    """Return B2C's description of a client id its tenant does not know."""
    return (
        f"AADB2C90018: The client id '{client_id}' specified in the request is not "
        f"registered in tenant '{cloud.app_registration.tenant_id}'."
    )


def _redirect(target: str, params: Mapping[str, str | None]) -> web.Response:
    """Send the browser back to the application with query parameters."""
    return web.Response(status=302, headers={"Location": _redirect_url(target, params)})


def _check_authorize(
    cloud: SimulatedCloud, params: Mapping[str, str]
) -> AuthorizeRequest:
    """Validate client id and reply URL (JSON errors), then the rest (errors sent back)."""
    client_id = params.get("client_id", "")
    if client_id != cloud.client_id:
        raise oauth_error(
            400,
            "invalid_request",
            _unknown_client(cloud, client_id),
        )
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in cloud.redirect_uris:
        host = URL(redirect_uri).host if redirect_uri else ""
        raise oauth_error(
            400,
            "invalid_request",
            f"The reply url host {host} doesn't match with the ones configured on the application",
        )
    state = params.get("state")
    if params.get("response_type") != "code":
        raise _redirect_error(
            redirect_uri,
            "unsupported_response_type",
            "AADB2C90079: Only the code response type is supported.",
            state,
        )
    raw_scope = params.get("scope", "")
    requested = frozenset(raw_scope.split()) - OPENID_SCOPES
    unknown = requested - set(cloud.app_registration.scopes)
    if unknown:
        raise _redirect_error(
            redirect_uri,
            "invalid_scope",
            f"AADB2C90205: The application is not allowed the scopes {' '.join(sorted(unknown))}.",
            state,
        )
    scopes = requested or frozenset(cloud.app_registration.scopes)
    return AuthorizeRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        state=state,
        scopes=scopes,
        scope_text=raw_scope,
        nonce=params.get("nonce"),
    )


def _redirect_url(target: str, params: Mapping[str, str | None]) -> str:
    """Return a reply URL with query parameters added (absent ones left out)."""
    return str(
        URL(target).update_query({k: v for k, v in params.items() if v is not None})
    )


def _redirect_error(
    target: str, error: str, description: str, state: str | None
) -> SimError:
    """Return an OAuth error sent back to the application through the browser."""
    location = _redirect_url(
        target, {"error": error, "error_description": description, "state": state}
    )
    return SimError(302, None, {"Location": location})


async def authorize(request: web.Request) -> web.Response:
    """GET /authorize: answer at once when consent was given, else show the consent page."""
    cloud = request.app[CLOUD]
    params = dict(request.query)
    checked = _check_authorize(cloud, params)
    hint = params.get("login_hint")
    user = cloud.users.get(hint) if hint else None
    account = user or cloud.user()
    prompt = params.get("prompt", "")
    remembered = cloud.options.auto_consent or checked.scopes in account.consents
    if remembered and prompt not in {"consent", "login"}:
        code = cloud.tokens.issue_code(
            account,
            checked.client_id,
            checked.redirect_uri,
            checked.scopes,
            checked.nonce,
        )
        return _redirect(checked.redirect_uri, {"code": code, "state": checked.state})
    if prompt == "none":
        return _redirect(
            checked.redirect_uri,
            {
                "error": "interaction_required",
                "error_description": "AADB2C90077: User does not have an existing session and request prompt parameter has a value of 'None'.",
                "state": checked.state,
            },
        )
    page = consent_page(cloud, params, checked, account.email)
    return web.Response(text=page, content_type="text/html")


async def consent(request: web.Request) -> web.Response:
    """POST /authorize: the consent form's Accept or Deny."""
    cloud = request.app[CLOUD]
    try:
        form = await form_fields(request)
    except BodyError as err:
        raise oauth_error(400, "invalid_request", str(err)) from err
    checked = _check_authorize(cloud, form)
    user = cloud.users.get(form.get("user") or cloud.user().email)
    if user is None:
        raise oauth_error(
            400,
            "invalid_request",
            "AADB2C90225: The username or password provided in the request are invalid.",
        )
    decision = form.get("decision")
    if decision == "deny":
        return _redirect(
            checked.redirect_uri,
            {
                "error": "access_denied",
                "error_description": "AADB2C90273: The user has cancelled the consent.",
                "state": checked.state,
            },
        )
    if decision != "accept":
        raise oauth_error(400, "invalid_request", "decision must be accept or deny")
    user.consents.add(checked.scopes)
    code = cloud.tokens.issue_code(
        user, checked.client_id, checked.redirect_uri, checked.scopes, checked.nonce
    )
    return _redirect(checked.redirect_uri, {"code": code, "state": checked.state})


def consent_page(
    cloud: SimulatedCloud,
    params: Mapping[str, str],
    checked: AuthorizeRequest,
    selected: str,
) -> str:
    """Return the consent page: who signs in, what the application asks, Accept or Deny."""
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k not in {"user", "decision"}
    )
    options = "".join(
        f'<option value="{html.escape(email)}"{" selected" if email == selected else ""}>{html.escape(email)}</option>'
        for email in cloud.users
    )
    scopes = "".join(
        f"<li><code>{html.escape(scope)}</code> {html.escape(SCOPE_TEXT.get(scope, ''))}</li>"
        for scope in sorted(checked.scopes)
    )
    app_name = html.escape(cloud.app_registration.name)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - simulated Legrand cloud</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f3f4f6;margin:0;padding:2rem}}
main{{max-width:28rem;margin:auto;background:#fff;border-radius:.5rem;padding:1.5rem;box-shadow:0 1px 4px #0002}}
h1{{font-size:1.2rem}} .note{{color:#555;font-size:.9rem}} ul{{padding-left:1.2rem}}
button{{padding:.5rem 1.2rem;margin-right:.5rem;border-radius:.3rem;border:1px solid #888;cursor:pointer}}
button[value=accept]{{background:#1f6feb;color:#fff;border-color:#1f6feb}}
</style></head><body><main>
<h1>{app_name} wants to access your account</h1>
<p class="note">This is the simulated Legrand cloud: no password is needed. Choose the account to sign in with.</p>
<form method="post" action="/authorize">{hidden}
<label>Account <select name="user">{options}</select></label>
<p>The application asks to:</p><ul>{scopes}</ul>
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></main></body></html>
"""


async def token(request: web.Request) -> web.StreamResponse:
    """POST /token: the authorization code and refresh token grants."""
    cloud = request.app[CLOUD]
    fault = cloud.faults.take(request.path, "token")
    if fault is not None:
        return await _token_fault(request, cloud, fault)
    if cloud.options.token_delay:
        # The answer takes its time; grants are redeemed when it is ready, in arrival order.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                cloud.shutting_down.wait(), cloud.options.token_delay
            )
    try:
        form = await form_fields(request)
    except BodyError as err:
        raise oauth_error(400, "invalid_request", f"AADB2C90083: {err}") from err
    client_id, client_secret = _client_credentials(request, form)
    if not client_id:
        raise oauth_error(
            400,
            "invalid_request",
            "AADB2C90083: The request is missing required parameter: client_id.",
        )
    app = cloud.app_registration
    if client_id != app.client_id:
        raise oauth_error(
            400,
            "invalid_client",
            _unknown_client(cloud, client_id),
        )
    if client_secret in app.expired_secrets:
        # What B2C says when a confidential client's secret no longer works (the
        # description of its internal error); the exact answer to an expired secret is not
        # documented [I].
        raise oauth_error(
            400,
            "invalid_grant",
            "AADB2C90085: The service has encountered an internal error. Please "
            "reauthenticate and try again.",
        )
    if not hmac.compare_digest(client_secret.encode(), app.client_secret.encode()):
        raise oauth_error(
            401,
            "invalid_client",
            "AADB2C90081: The specified client_secret does not match the expected value for this "
            "client. Please correct the client_secret and try again.",
        )
    grant_type = form.get("grant_type")
    try:
        if grant_type == "authorization_code":
            code = form.get("code")
            if not code:
                raise oauth_error(
                    400,
                    "invalid_request",
                    "AADB2C90083: The request is missing required parameter: code.",
                )
            grant = cloud.tokens.redeem_code(code, client_id, form.get("redirect_uri"))
            user = cloud.users.get(grant.user)
            if user is None:
                raise oauth_error(
                    400,
                    "invalid_grant",
                    "AADB2C90088: The provided grant has not been issued for this endpoint.",
                )
            return web.json_response(
                cloud.tokens.issue(app, user, grant.scopes, grant.nonce)
            )
        if grant_type == "refresh_token":
            refresh = form.get("refresh_token")
            if not refresh:
                raise oauth_error(
                    400,
                    "invalid_request",
                    "AADB2C90083: The request is missing required parameter: refresh_token.",
                )
            refresh_grant = cloud.tokens.redeem_refresh(refresh, client_id)
            user = cloud.users.get(refresh_grant.user)
            if user is None:
                raise oauth_error(
                    400,
                    "invalid_grant",
                    "AADB2C90129: The provided grant has been revoked. Please reauthenticate and try again.",
                )
            return web.json_response(
                cloud.tokens.issue(app, user, refresh_grant.scopes)
            )
    except TokenError as err:
        raise oauth_error(err.status, err.error, err.description) from err
    if not grant_type:
        raise oauth_error(
            400,
            "invalid_request",
            "AADB2C90083: The request is missing required parameter: grant_type.",
        )
    raise oauth_error(
        400,
        "unsupported_grant_type",
        f"AADB2C90086: The supplied grant_type [{grant_type}] is not supported.",
    )


def _client_credentials(
    request: web.Request, form: Mapping[str, str]
) -> tuple[str, str]:
    """Return the client id and secret from the form, or from HTTP Basic authentication."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic" and value:
        with contextlib.suppress(binascii.Error, UnicodeDecodeError):
            user, _, password = (
                base64.b64decode(value, validate=True).decode().partition(":")
            )
            return unquote_plus(user), unquote_plus(password)
    return form.get("client_id", ""), form.get("client_secret", "")


async def _token_fault(
    request: web.Request, cloud: SimulatedCloud, fault: Fault
) -> web.StreamResponse:
    """Fail a token request the way an injected fault says (429 carries a bare message)."""
    await cloud.faults.hold(
        fault, cloud.shutting_down, cloud.options.fault_timeout_delay
    )
    if fault.kind == "timeout":
        raise oauth_error(
            504, "server_error", fault.message or "The login server timed out."
        )
    broken = broken_answer(request, fault)
    if broken is not None:
        return broken
    if fault.status == 429:
        body = {"message": fault.message or "Too many requests"}
        raise SimError(429, body, retry_headers(fault))
    error = "server_error" if fault.status >= 500 else "invalid_request"
    raise oauth_error(fault.status, error, fault.message or "Injected failure")


async def discovery(request: web.Request) -> web.Response:
    """Return the OpenID Connect discovery document of the application."""
    cloud = request.app[CLOUD]
    client_id = request.match_info["client_id"]
    if client_id != cloud.client_id:
        raise oauth_error(
            404,
            "invalid_request",
            _unknown_client(cloud, client_id),
        )
    origin = str(request.url.origin())
    return web.json_response(
        {
            "issuer": cloud.issuer,
            "authorization_endpoint": f"{origin}/authorize",
            "token_endpoint": f"{origin}/token",
            "jwks_uri": f"{origin}/{client_id}/discovery/v2.0/keys",
            "response_modes_supported": ["query"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "scopes_supported": [
                "openid",
                "offline_access",
                *cloud.app_registration.scopes,
            ],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "client_secret_basic",
            ],
            "claims_supported": [
                "sub",
                "name",
                "emails",
                "iss",
                "iat",
                "exp",
                "aud",
                "nonce",
                "auth_time",
            ],
        }
    )


async def jwks(request: web.Request) -> web.Response:
    """Return the JSON Web Key Set that verifies id_tokens."""
    cloud = request.app[CLOUD]
    if request.match_info["client_id"] != cloud.client_id:
        raise oauth_error(
            404,
            "invalid_request",
            _unknown_client(cloud, request.match_info["client_id"]),
        )
    return web.json_response(cloud.tokens.jwks())

"""The API gateway in front of both APIs: key, bearer token, quota, burst limit, faults, counters."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from .cloud import SimulatedCloud
from .errors import SimError, apim_error, hc_error
from .faults import Fault, broken_answer, retry_headers
from .keys import CLOUD, GRANT
from .tokens import AccessDeniedError, AccessGrant

HC_PREFIX = "/hc/"
SMARTHER_PREFIX = "/smarther/"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
# Azure API Management also accepts the key as a query parameter.
KEY_QUERY = "subscription-key"
ACCEPTABLE = ("application/json", "application/*", "*/*", "*")


def is_gateway_path(path: str) -> bool:
    """Return whether a path belongs to the API gateway."""
    return path.startswith((HC_PREFIX, SMARTHER_PREFIX))


def endpoint_key(request: web.Request) -> str:
    """Return the counter key of a request: method and route template, ids as placeholders."""
    resource = request.match_info.route.resource
    if resource is None:
        return f"{request.method} <unmatched>"
    template = resource.canonical.rstrip("/") or "/"
    return f"{request.method} {template}"


def backend_error(request: web.Request, status: int, message: str) -> SimError:
    """Return an error in the body shape of the API the request is for."""
    cloud = request.app[CLOUD]
    if request.path.startswith(HC_PREFIX) or cloud.options.smarther_error_shape == "hc":
        return hc_error(status, message, f"{request.method} {request.path}: {message}")
    return apim_error(status, message)


def require_scope(request: web.Request, scope: str) -> None:
    """Refuse a request whose token was not granted a scope (403, the gateway's body)."""
    if scope not in request[GRANT].scopes:
        raise apim_error(
            403, f"Operation forbidden: the access token lacks the scope {scope}."
        )


@web.middleware
async def gateway_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Apply the gateway's rules, in its order, before a request reaches an API."""
    if not is_gateway_path(request.path):
        return await handler(request)
    cloud = request.app[CLOUD]
    cloud.metering.count(endpoint_key(request))
    if request.match_info.http_exception is not None:
        raise apim_error(404, "Resource not found")
    _check_key(request, cloud)
    grant = _check_bearer(request, cloud)
    request[GRANT] = grant
    refused = cloud.metering.charge(grant.user)
    if refused is not None:
        status = cloud.options.quota_status
        raise apim_error(
            status, refused.message, {"Retry-After": str(refused.retry_after)}
        )
    throttled = cloud.metering.throttle(grant.user)
    if throttled is not None:
        raise apim_error(
            429, throttled.message, {"Retry-After": str(throttled.retry_after)}
        )
    fault = cloud.faults.take(request.path, "gateway")
    if fault is not None:
        return await apply_fault(request, cloud, fault)
    accept = request.headers.get("Accept")
    if accept and not any(kind in accept for kind in ACCEPTABLE):
        raise backend_error(request, 406, "Request not acceptable")
    return await handler(request)


def _check_key(request: web.Request, cloud: SimulatedCloud) -> None:
    """Require a valid subscription key, in the header or the query."""
    key = request.headers.get(KEY_HEADER) or request.query.get(KEY_QUERY)
    if not key:
        raise apim_error(
            401,
            "Access denied due to missing subscription key. Make sure to include subscription "
            "key when making requests to an API.",
        )
    if key not in cloud.app_registration.subscription_keys:
        raise apim_error(
            401,
            "Access denied due to invalid subscription key. Make sure to provide a valid key "
            "for an active subscription.",
        )


def _check_bearer(request: web.Request, cloud: SimulatedCloud) -> AccessGrant:
    """Require a valid, unexpired bearer access token."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise apim_error(401, "Unauthorized. Access token is missing or invalid.")
    try:
        return cloud.tokens.check_access(token.strip())
    except AccessDeniedError as err:
        raise apim_error(401, str(err)) from err


async def apply_fault(
    request: web.Request, cloud: SimulatedCloud, fault: Fault
) -> web.StreamResponse:
    """Answer a request the way an injected fault says."""
    await cloud.faults.hold(
        fault, cloud.shutting_down, cloud.options.fault_timeout_delay
    )
    if fault.kind == "timeout":
        raise apim_error(504, fault.message or "Gateway timeout")
    broken = broken_answer(request, fault)
    if broken is not None:
        return broken
    headers = retry_headers(fault)
    message = fault.message or FAULT_MESSAGES.get(fault.status, "Injected failure")
    if fault.status in {401, 403, 429}:
        raise apim_error(fault.status, message, headers)
    error = backend_error(request, fault.status, message)
    error.headers.update(headers)
    raise error


# What each status says when injected without a message of its own.
FAULT_MESSAGES = {
    400: "Invalid arguments",
    401: "Unauthorized. Access token is missing or invalid.",
    403: "Operation forbidden",
    404: "Gateway offline",
    406: "Request not acceptable",
    408: "Request timeout",
    429: "Rate limit is exceeded. Try again in 60 seconds.",
    430: "Wrong input parameters",
    469: "Official application password expired",
    470: "Official application terms and conditions expired",
    486: "Busy visual user interface",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}

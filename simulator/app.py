"""The aiohttp application factory: one app serving login, API gateway and control API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
import logging
import time
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from . import control, homecontrol, login, smarther
from .cloud import SimulatedCloud
from .errors import SimError, apim_error, control_error, oauth_error
from .gateway import gateway_middleware, is_gateway_path
from .keys import CLOUD

_LOGGER = logging.getLogger(__name__)

LOGIN_PATHS = ("/authorize", "/token")


def create_app(
    scenario: str | Mapping[str, Any] = "demo",
    /,
    *,
    start: datetime | None = None,
    **options: Any,
) -> web.Application:
    """Build the simulated cloud for a scenario name (or scenario dict), with option overrides.

    `start` fixes the moment the scenario is built at and the clock starts from (tests pass one so
    that nothing depends on when they run); without it the cloud starts at the machine's time.
    """
    cloud = SimulatedCloud(scenario, options, start)
    app = web.Application(middlewares=[guard_middleware, gateway_middleware])
    app[CLOUD] = cloud
    app.router.add_get("/", index)
    app.add_routes(login.routes())
    app.add_routes(homecontrol.routes())
    app.add_routes(smarther.routes())
    app.add_routes(control.routes())
    app.on_shutdown.append(cloud.on_shutdown)
    app.on_cleanup.append(cloud.on_cleanup)
    return app


async def index(request: web.Request) -> web.Response:
    """GET /: what this server is and where its parts are."""
    cloud = request.app[CLOUD]
    origin = str(request.url.origin())
    return web.json_response(
        {
            "service": "simulated Works with Legrand cloud",
            "scenario": cloud.scenario_name,
            "login": origin,
            "api": origin,
            "homecontrol": f"{origin}{homecontrol.BASE}",
            "smarther": f"{origin}{smarther.BASE}",
            "control": f"{origin}{control.PREFIX}",
            "discovery": f"{origin}/{cloud.client_id}/.well-known/openid-configuration",
        }
    )


@web.middleware
async def guard_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Turn error answers into responses; a crash becomes a logged 500 with the gateway's body.

    The CPU the answer took is counted (time spent waiting in a handler included).
    """
    started = time.process_time()
    try:
        return await handler(request)
    except SimError as err:
        return err.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _shaped(request, exc).response()
    except Exception:
        request.app[CLOUD].metering.unhandled += 1
        _LOGGER.exception("Unexpected error on %s %s", request.method, request.path)
        return apim_error(500, "Internal server error").response()
    finally:
        request.app[CLOUD].metering.cpu_seconds += time.process_time() - started


def _shaped(request: web.Request, exc: web.HTTPException) -> SimError:
    """Give aiohttp's own errors (no route, wrong method, body too large) the right body."""
    path = request.path
    if path.startswith(control.PREFIX):
        return control_error(exc.status, exc.reason)
    if path in LOGIN_PATHS or "/.well-known/" in path or "/discovery/" in path:
        return oauth_error(exc.status, "invalid_request", exc.reason)
    if is_gateway_path(path) and exc.status in {404, 405}:
        return apim_error(404, "Resource not found")
    return apim_error(exc.status, exc.reason)


__all__ = ["CLOUD", "SimulatedCloud", "create_app"]

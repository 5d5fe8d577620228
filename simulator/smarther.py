"""The Smarther v2.0 API: plants, topology, thermostat status and commands, C2C subscriptions."""

from __future__ import annotations

import uuid

from aiohttp import web
from yarl import URL

from .cloud import SimulatedCloud
from .gateway import backend_error, require_scope
from .keys import CLOUD, GRANT
from .payload import BodyError, json_object
from .thermostat import InvalidCommandError, Thermostat, parse_command
from .world import SmartherPlant, Subscription

BASE = "/smarther/v2.0"
MODULE = f"{BASE}/chronothermostat/thermoregulation/addressLocation/plants/{{plantId}}/modules/parameter/id/value/{{moduleId}}"
READ_SCOPE = "comfort.read"
WRITE_SCOPE = "comfort.write"


def routes() -> list[web.RouteDef]:
    """Return the Smarther routes."""
    return [
        web.get(f"{BASE}/plants", plants),
        web.get(f"{BASE}/plants/{{plantId}}/topology", topology),
        web.get(MODULE, status),
        web.post(MODULE, set_status),
        web.get(f"{MODULE}/measures", measures),
        web.get(f"{MODULE}/programlist", program_list),
        web.get(f"{BASE}/subscription", subscriptions),
        web.post(f"{BASE}/plants/{{plantId}}/subscription", subscribe),
        web.delete(
            f"{BASE}/plants/{{plantId}}/subscription/{{subscriptionId}}", unsubscribe
        ),
    ]


def _account(
    request: web.Request, cloud: SimulatedCloud, scope: str, *, app_checks: bool = True
) -> str:
    """Check the scope and the account's Thermostat app conditions (469, 470); return the user."""
    require_scope(request, scope)
    user = cloud.users.get(request[GRANT].user)
    if user is None:
        raise backend_error(request, 401, "Unauthorized")
    if app_checks and user.app_password_expired:
        raise backend_error(request, 469, "Official application password expired")
    if app_checks and user.terms_expired:
        raise backend_error(
            request, 470, "Official application terms and conditions expired"
        )
    return user.email


def _plant(request: web.Request, cloud: SimulatedCloud, user: str) -> SmartherPlant:
    """Return the requested plant if the user owns it."""
    plant_id = request.match_info["plantId"]
    plant = cloud.world.smarther_plants.get(plant_id)
    if plant is None:
        raise backend_error(request, 404, "Resource not found")
    if plant.owner != user:
        raise backend_error(
            request, 401, "The user is not allowed to access this plant"
        )
    return plant


def _thermostat(request: web.Request, plant: SmartherPlant) -> Thermostat:
    """Return the requested thermostat of the plant."""
    thermostat = plant.thermostats.get(request.match_info["moduleId"])
    if thermostat is None:
        raise backend_error(request, 404, "Resource not found")
    return thermostat


def _online(request: web.Request, plant: SmartherPlant) -> None:
    """Refuse calls that need the thermostat while its gateway is offline."""
    if not plant.online:
        raise backend_error(request, 404, "Gateway offline")


async def plants(request: web.Request) -> web.Response:
    """GET /plants: the user's Smarther plants; 204 when there is none."""
    cloud = request.app[CLOUD]
    user = _account(request, cloud, READ_SCOPE)
    owned = [
        {"id": plant.id, "name": plant.name}
        for plant in cloud.world.smarther_plants.values()
        if plant.owner == user
    ]
    if not owned:
        return web.Response(status=204)
    return web.json_response({"plants": owned})


async def topology(request: web.Request) -> web.Response:
    """GET /plants/{plantId}/topology: the plant's thermostats."""
    cloud = request.app[CLOUD]
    plant = _plant(request, cloud, _account(request, cloud, READ_SCOPE))
    device = cloud.options.thermostat_device
    return web.json_response(
        {
            "plant": {
                "id": plant.id,
                "name": plant.name,
                "modules": [
                    {"device": device, "id": t.id, "name": t.name}
                    for t in plant.thermostats.values()
                ],
            }
        }
    )


async def status(request: web.Request) -> web.Response:
    """GET a thermostat's status."""
    cloud = request.app[CLOUD]
    plant = _plant(request, cloud, _account(request, cloud, READ_SCOPE))
    thermostat = _thermostat(request, plant)
    _online(request, plant)
    data = thermostat.status(
        cloud.clock.now(), plant.zone, cloud.options.activation_time_format
    )
    return web.json_response({"chronothermostats": [data]})


async def set_status(request: web.Request) -> web.Response:
    """POST a thermostat's mode, set point, program or timed mode."""
    cloud = request.app[CLOUD]
    plant = _plant(request, cloud, _account(request, cloud, WRITE_SCOPE))
    thermostat = _thermostat(request, plant)
    try:
        body = await json_object(request)
    except BodyError as err:
        raise backend_error(request, 400, f"Bad request: {err}") from err
    now = cloud.clock.now()
    try:
        command = parse_command(body, thermostat, now, plant.zone)
    except InvalidCommandError as err:
        raise backend_error(request, 430, f"Wrong input parameters: {err}") from err
    _online(request, plant)
    if thermostat.busy > 0:
        thermostat.busy -= 1
        raise backend_error(request, 486, "Busy visual user interface")
    thermostat.apply(command, now, plant.zone)
    cloud.thermostat_changed(plant, thermostat)
    return web.Response(status=200)


async def measures(request: web.Request) -> web.Response:
    """GET a thermostat's temperature and humidity."""
    cloud = request.app[CLOUD]
    plant = _plant(request, cloud, _account(request, cloud, READ_SCOPE))
    thermostat = _thermostat(request, plant)
    _online(request, plant)
    return web.json_response(thermostat.measures(cloud.clock.now(), plant.zone))


async def program_list(request: web.Request) -> web.Response:
    """GET a thermostat's programs."""
    cloud = request.app[CLOUD]
    plant = _plant(request, cloud, _account(request, cloud, READ_SCOPE))
    return web.json_response(_thermostat(request, plant).program_list())


async def subscriptions(request: web.Request) -> web.Response:
    """GET every C2C subscription of the user; 204 when there is none."""
    cloud = request.app[CLOUD]
    user = _account(request, cloud, READ_SCOPE, app_checks=False)
    listed = [
        s.listing() for s in cloud.world.subscriptions.values() if s.owner == user
    ]
    if not listed:
        return web.Response(status=204)
    return web.json_response(listed)


async def subscribe(request: web.Request) -> web.Response:
    """POST {"EndPointUrl": ...}: subscribe a plant's events; 409 when the URL is there already."""
    cloud = request.app[CLOUD]
    user = _account(request, cloud, READ_SCOPE, app_checks=False)
    plant = _plant(request, cloud, user)
    try:
        body = await json_object(request)
    except BodyError as err:
        raise backend_error(request, 400, f"Bad request: {err}") from err
    url = body.get("EndPointUrl")
    if not isinstance(url, str) or not _valid_endpoint(
        url, https_only=cloud.options.push_require_https
    ):
        raise backend_error(
            request, 400, "Bad request: EndPointUrl must be an absolute URL"
        )
    if any(
        s.plant_id == plant.id and s.url == url
        for s in cloud.world.subscriptions.values()
    ):
        raise backend_error(request, 409, "Subscription already exists")
    description = body.get("description")
    subscription = Subscription(
        id=str(uuid.uuid4()),
        plant_id=plant.id,
        owner=user,
        url=url,
        description=description if isinstance(description, str) else None,
    )
    cloud.subscribe(subscription)
    return web.json_response({"subscriptionId": subscription.id}, status=201)


async def unsubscribe(request: web.Request) -> web.Response:
    """DELETE a plant's subscription."""
    cloud = request.app[CLOUD]
    plant = _plant(
        request, cloud, _account(request, cloud, READ_SCOPE, app_checks=False)
    )
    subscription_id = request.match_info["subscriptionId"]
    subscription = cloud.world.subscriptions.get(subscription_id)
    if subscription is None or subscription.plant_id != plant.id:
        raise backend_error(request, 404, "Resource not found")
    del cloud.world.subscriptions[subscription_id]
    return web.Response(status=200)


def _valid_endpoint(url: str, *, https_only: bool) -> bool:
    """Return whether a push endpoint is an absolute http(s) URL (https only if required)."""
    try:
        parsed = URL(url)
    except ValueError, TypeError:
        return False
    schemes = {"https"} if https_only else {"http", "https"}
    return parsed.scheme in schemes and bool(parsed.host)

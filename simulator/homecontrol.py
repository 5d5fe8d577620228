"""The Home + Control v1.0 API: plants, topology, module status and commands, scenes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .accounts import User
from .cloud import SimulatedCloud
from .devices import (
    KINDS,
    SCENE_SEGMENT,
    SCENE_WRITE_SCOPE,
    CommandError,
    DeviceKind,
    HcModule,
    HcPlant,
)
from .errors import apim_error, hc_error
from .gateway import require_scope
from .keys import CLOUD, GRANT
from .payload import BodyError, json_or_form

BASE = "/hc/api/v1.0"
MODULE_TAIL = "/addressLocation/plants/{plantId}/modules/parameter/id/value/{moduleId}"
PLANT_TAIL = "/addressLocation/plants/{plantId}"
_SEGMENTS = {kind.segment: kind for kind in KINDS.values()}


def routes() -> list[web.RouteDef]:
    """Return the Home + Control routes, one pair per module kind."""
    table = [
        web.get(f"{BASE}/plants", plants),
        web.get(f"{BASE}/plants/", plants),
        web.get(f"{BASE}/plants/{{plantId}}", plant_status),
        web.get(f"{BASE}/plants/{{plantId}}/topology", topology),
        web.get(f"{BASE}/{SCENE_SEGMENT}{PLANT_TAIL}", scenes),
        web.post(f"{BASE}/{SCENE_SEGMENT}{MODULE_TAIL}", run_scene),
    ]
    for kind in KINDS.values():
        table += [
            web.get(f"{BASE}/{kind.segment}{MODULE_TAIL}", module_status),
            web.post(f"{BASE}/{kind.segment}{MODULE_TAIL}", module_command),
            web.get(f"{BASE}/{kind.segment}{PLANT_TAIL}", kind_status),
            web.post(f"{BASE}/{kind.segment}{PLANT_TAIL}", kind_command),
        ]
    return table


def _kind(request: web.Request) -> DeviceKind:
    """Return the module kind named by the URL's device/system segments."""
    parts = request.path.split("/")
    return _SEGMENTS["/".join(parts[4:6])]


def _user(request: web.Request, cloud: SimulatedCloud) -> User:
    """Return the account behind the token; a retired Home + Control API answers 404."""
    user = cloud.users.get(request[GRANT].user)
    if user is None:
        raise hc_error(401, "Unauthorized", "the account no longer exists")
    if user.hc_retired:
        raise apim_error(404, "Resource not found")
    return user


def _plant(
    request: web.Request, cloud: SimulatedCloud, *, needs_gateway: bool
) -> HcPlant:
    """Return the requested plant if the user owns it; an offline gateway answers 404."""
    user = _user(request, cloud)
    plant_id = request.match_info["plantId"]
    plant = cloud.world.hc_plants.get(plant_id)
    if plant is None:
        raise hc_error(404, "Resource not found", f"no plant {plant_id}")
    if plant.owner != user.email:
        raise hc_error(
            401, "Unauthorized", f"the user is not allowed on plant {plant_id}"
        )
    if needs_gateway and not plant.online:
        raise hc_error(
            404, "Gateway offline", f"the gateway of plant {plant_id} is not connected"
        )
    return plant


def _module(request: web.Request, plant: HcPlant, kind: DeviceKind) -> HcModule:
    """Return the requested module of the plant, which must be of the URL's kind."""
    module_id = request.match_info["moduleId"]
    module = plant.modules.get(module_id)
    if module is None or module.device != kind.device:
        raise hc_error(
            404, "Resource not found", f"no {kind.device} module {module_id}"
        )
    return module


async def _command_body(request: web.Request) -> dict[str, Any]:
    """Read a command body, JSON or form; anything else is the backend's 400."""
    try:
        return await json_or_form(request)
    except BodyError as err:
        raise hc_error(400, "Invalid arguments", str(err)) from err


async def plants(request: web.Request) -> web.Response:
    """GET /plants: the user's Home + Control plants."""
    cloud = request.app[CLOUD]
    user = _user(request, cloud)
    owned = [
        p.summary() for p in cloud.world.hc_plants.values() if p.owner == user.email
    ]
    return web.json_response({"plants": owned})


async def topology(request: web.Request) -> web.Response:
    """GET /plants/{plantId}/topology: rooms and modules, without state."""
    cloud = request.app[CLOUD]
    return web.json_response(_plant(request, cloud, needs_gateway=False).topology())


async def plant_status(request: web.Request) -> web.Response:
    """GET /plants/{plantId}: the status of every module, grouped by kind."""
    cloud = request.app[CLOUD]
    plant = _plant(request, cloud, needs_gateway=True)
    options = cloud.options
    return web.json_response(
        plant.status(
            cloud.clock.now(),
            options.shutter_travel_time,
            hide_unreachable=options.hc_unreachable == "missing",
        )
    )


async def module_status(request: web.Request) -> web.Response:
    """GET one module's status, wrapped in its kind's list."""
    cloud = request.app[CLOUD]
    kind = _kind(request)
    plant = _plant(request, cloud, needs_gateway=True)
    module = _module(request, plant, kind)
    entries = plant.status_entries(
        [module],
        cloud.clock.now(),
        cloud.options.shutter_travel_time,
        hide_unreachable=cloud.options.hc_unreachable == "missing",
    )
    return web.json_response({kind.list_key: entries})


async def module_command(request: web.Request) -> web.Response:
    """POST a command to one module: {"status": "on"}, {"level": 40}, -1 stops a shutter."""
    cloud = request.app[CLOUD]
    kind = _kind(request)
    if kind.write_scope is None:
        raise hc_error(
            400, "Invalid arguments", f"a {kind.device} module takes no command"
        )
    require_scope(request, kind.write_scope)
    plant = _plant(request, cloud, needs_gateway=True)
    module = _module(request, plant, kind)
    if not module.reachable:
        raise hc_error(404, "Gateway offline", f"module {module.id} is not reachable")
    body = await _command_body(request)
    try:
        module.apply(body, cloud.clock.now(), cloud.options.shutter_travel_time)
    except CommandError as err:
        raise hc_error(400, "Invalid arguments", str(err)) from err
    return web.Response(status=200)


async def kind_status(request: web.Request) -> web.Response:
    """GET the status of every module of one kind in the plant."""
    cloud = request.app[CLOUD]
    kind = _kind(request)
    plant = _plant(request, cloud, needs_gateway=True)
    members = [m for m in plant.modules.values() if m.device == kind.device]
    entries = plant.status_entries(
        members,
        cloud.clock.now(),
        cloud.options.shutter_travel_time,
        hide_unreachable=cloud.options.hc_unreachable == "missing",
    )
    return web.json_response({kind.list_key: entries})


async def kind_command(request: web.Request) -> web.Response:
    """POST one command to every reachable module of one kind in the plant."""
    cloud = request.app[CLOUD]
    kind = _kind(request)
    if kind.write_scope is None:
        raise hc_error(
            400, "Invalid arguments", f"a {kind.device} module takes no command"
        )
    require_scope(request, kind.write_scope)
    plant = _plant(request, cloud, needs_gateway=True)
    body = await _command_body(request)
    now = cloud.clock.now()
    try:
        for module in plant.modules.values():
            if module.device == kind.device and module.reachable:
                module.apply(body, now, cloud.options.shutter_travel_time)
    except CommandError as err:
        raise hc_error(400, "Invalid arguments", str(err)) from err
    return web.Response(status=200)


async def scenes(request: web.Request) -> web.Response:
    """GET the plant's scenes."""
    cloud = request.app[CLOUD]
    return web.json_response(_plant(request, cloud, needs_gateway=False).scene_list())


async def run_scene(request: web.Request) -> web.Response:
    """POST {"enable": true} to run a scene."""
    cloud = request.app[CLOUD]
    require_scope(request, SCENE_WRITE_SCOPE)
    plant = _plant(request, cloud, needs_gateway=True)
    scene_id = request.match_info["moduleId"]
    scene = plant.scene(scene_id)
    if scene is None:
        raise hc_error(404, "Resource not found", f"no scene {scene_id}")
    body = await _command_body(request)
    if body.get("enable") not in (True, "true"):
        raise hc_error(400, "Invalid arguments", 'the body must be {"enable": true}')
    plant.run_scene(scene, cloud.clock.now(), cloud.options.shutter_travel_time)
    return web.Response(status=200)

"""The control API under /_sim/: scenarios, counters, faults, devices, tokens, clock and push."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .cloud import RefusedChangeError, SimulatedCloud
from .errors import control_error
from .faults import parse_fault
from .keys import CLOUD
from .payload import BodyError, json_object
from .scenario import ScenarioError, scenario_names
from .timefmt import parse_aware

PREFIX = "/_sim"


def routes() -> list[web.RouteDef]:
    """Return the control API's routes."""
    return [
        web.get(f"{PREFIX}/scenario", get_scenario),
        web.post(f"{PREFIX}/scenario", load_scenario),
        web.get(f"{PREFIX}/counters", counters),
        web.post(f"{PREFIX}/counters/reset", reset_counters),
        web.get(f"{PREFIX}/faults", list_faults),
        web.post(f"{PREFIX}/faults", add_fault),
        web.delete(f"{PREFIX}/faults", clear_faults),
        web.post(f"{PREFIX}/plants/{{plantId}}/online", plant_online),
        web.post(f"{PREFIX}/plants/{{plantId}}/member", plant_member),
        web.post(f"{PREFIX}/modules/{{moduleId}}/physical", physical),
        web.post(f"{PREFIX}/modules/{{moduleId}}/busy", busy),
        web.post(f"{PREFIX}/users/{{user}}/{{flag}}", user_flag),
        web.post(f"{PREFIX}/tokens/revoke", revoke_tokens),
        web.post(f"{PREFIX}/tokens/expire", expire_tokens),
        web.post(f"{PREFIX}/token", new_token),
        web.post(f"{PREFIX}/app/secret", app_secret),
        web.get(f"{PREFIX}/clock", get_clock),
        web.post(f"{PREFIX}/clock", move_clock),
        web.post(f"{PREFIX}/topology/{{plantId}}/modules", add_module),
        web.delete(
            f"{PREFIX}/topology/{{plantId}}/modules/{{moduleId}}", remove_module
        ),
        web.get(f"{PREFIX}/state", state),
        web.get(f"{PREFIX}/push", push_log),
        web.post(f"{PREFIX}/push", push_settings),
        web.get(f"{PREFIX}/options", get_options),
        web.post(f"{PREFIX}/options", set_options),
    ]


# Account flags the control API can set, and the user attribute each one drives.
USER_FLAGS = {
    "app-password-expired": "app_password_expired",
    "terms-expired": "terms_expired",
    "hc-retired": "hc_retired",
}


async def _body(request: web.Request) -> dict[str, Any]:
    """Read a JSON object body (an empty body is an empty object)."""
    try:
        return await json_object(request, allow_empty=True)
    except BodyError as err:
        raise control_error(400, str(err)) from err


def _flag(body: dict[str, Any], name: str, *, default: bool) -> bool:
    """Read a boolean field of a control body."""
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise control_error(400, f"{name} must be true or false")
    return value


def _user_name(request: web.Request, body: dict[str, Any]) -> str | None:
    """Read the optional "user" field, which must name a user of the scenario."""
    user = body.get("user")
    if user is None:
        return None
    if not isinstance(user, str) or user not in request.app[CLOUD].users:
        raise control_error(404, f"unknown user {user!r}")
    return user


async def get_scenario(request: web.Request) -> web.Response:
    """GET the current scenario's name and the bundled ones."""
    cloud = request.app[CLOUD]
    return web.json_response(
        {"scenario": cloud.scenario_name, "available": scenario_names()}
    )


async def load_scenario(request: web.Request) -> web.Response:
    """POST {"name": "demo"} or {"scenario": {...}}: reset everything to that scenario."""
    cloud = request.app[CLOUD]
    body = await _body(request)
    source = body.get("scenario", body.get("name"))
    if not isinstance(source, (str, dict)):
        raise control_error(400, 'give {"name": "<scenario>"} or {"scenario": {...}}')
    try:
        cloud.load(source)
    except ScenarioError as err:
        raise control_error(400, str(err)) from err
    except ValueError as err:
        raise control_error(400, f"scenario options: {err}") from err
    return web.json_response({"scenario": cloud.scenario_name})


async def counters(request: web.Request) -> web.Response:
    """GET the call counters and quota usage."""
    return web.json_response(request.app[CLOUD].counters)


async def reset_counters(request: web.Request) -> web.Response:
    """POST: zero the counters, the quota usage and the burst windows."""
    cloud = request.app[CLOUD]
    cloud.metering.reset()
    return web.json_response(cloud.counters)


async def list_faults(request: web.Request) -> web.Response:
    """GET the faults still waiting for requests."""
    return web.json_response(request.app[CLOUD].faults.pending())


async def add_fault(request: web.Request) -> web.Response:
    """POST a fault for the next N matching requests."""
    cloud = request.app[CLOUD]
    try:
        fault = parse_fault(await _body(request))
    except ValueError as err:
        raise control_error(400, str(err)) from err
    cloud.faults.add(fault)
    return web.json_response(cloud.faults.pending(), status=201)


async def clear_faults(request: web.Request) -> web.Response:
    """DELETE every pending fault."""
    cloud = request.app[CLOUD]
    cloud.faults.clear()
    return web.json_response([])


async def plant_online(request: web.Request) -> web.Response:
    """POST {"online": false}: take a plant's gateway offline, or bring it back."""
    cloud = request.app[CLOUD]
    body = await _body(request)
    online = _flag(body, "online", default=True)
    plant_id = request.match_info["plantId"]
    plant = cloud.world.hc_plants.get(plant_id) or cloud.world.smarther_plants.get(
        plant_id
    )
    if plant is None:
        raise control_error(404, f"unknown plant {plant_id}")
    plant.online = online
    if online:
        cloud.time_moved()
    return web.json_response({"plant": plant_id, "online": online})


async def physical(request: web.Request) -> web.Response:
    """POST a change made on the device itself (pushed for subscribed thermostats)."""
    cloud = request.app[CLOUD]
    body = await _body(request)
    module_id = request.match_info["moduleId"]
    try:
        result = cloud.physical(module_id, body)
    except KeyError as err:
        raise control_error(404, f"unknown module {module_id}") from err
    except RefusedChangeError as err:
        # What the cloud answers to a set-status body that breaks its rules.
        raise control_error(430, f"Wrong input parameters: {err}") from err
    except ValueError as err:
        raise control_error(400, str(err)) from err
    return web.json_response(result)


async def busy(request: web.Request) -> web.Response:
    """POST {"count": N}: the next N commands to a thermostat answer 486."""
    cloud = request.app[CLOUD]
    body = await _body(request)
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise control_error(400, "count must be a whole number")
    module_id = request.match_info["moduleId"]
    found = cloud.world.thermostat(module_id)
    if found is None:
        raise control_error(404, f"unknown thermostat {module_id}")
    found[1].busy = count
    return web.json_response({"module": module_id, "busy": count})


async def user_flag(request: web.Request) -> web.Response:
    """POST {"expired": true}: expire the Thermostat app password or terms (or retire H+C)."""
    cloud = request.app[CLOUD]
    attribute = USER_FLAGS.get(request.match_info["flag"])
    if attribute is None:
        raise control_error(404, f"unknown flag; known: {sorted(USER_FLAGS)}")
    user = cloud.users.get(request.match_info["user"])
    if user is None:
        raise control_error(404, f"unknown user {request.match_info['user']!r}")
    body = await _body(request)
    value = _flag(
        body, "retired" if attribute == "hc_retired" else "expired", default=True
    )
    setattr(user, attribute, value)
    return web.json_response({"user": user.email, attribute: value})


async def revoke_tokens(request: web.Request) -> web.Response:
    """POST: blacklist refresh tokens (and access tokens with {"access": true})."""
    cloud = request.app[CLOUD]
    body = await _body(request)
    user = _user_name(request, body)
    count = cloud.tokens.revoke(user, access=_flag(body, "access", default=False))
    return web.json_response({"revoked": count})


async def expire_tokens(request: web.Request) -> web.Response:
    """POST: current access tokens expire now."""
    cloud = request.app[CLOUD]
    body = await _body(request)
    return web.json_response(
        {"expired": cloud.tokens.expire_access(_user_name(request, body))}
    )


async def new_token(request: web.Request) -> web.Response:
    """POST {"user": optional}: a token response without the browser dance."""
    cloud = request.app[CLOUD]
    body = await _body(request)
    user = _user_name(request, body)
    scopes = body.get("scopes")
    if scopes is not None and (
        not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes)
    ):
        raise control_error(400, "scopes must be a list of strings")
    granted = None if scopes is None else frozenset(scopes)
    return web.json_response(cloud.issue_tokens(user, granted))


async def app_secret(request: web.Request) -> web.Response:
    """POST {"expire": true, "renew": true}: the client secret expires; the app gets a new one.

    Either may be given alone. The answer carries the new secret when one was made.
    """
    cloud = request.app[CLOUD]
    body = await _body(request)
    app = cloud.app_registration
    answer: dict[str, Any] = {}
    if _flag(body, "expire", default=False):
        app.expire_secret()
        answer["expired"] = True
    if _flag(body, "renew", default=False):
        answer["client_secret"] = app.new_secret()
    if not answer:
        raise control_error(400, "say expire, renew or both")
    return web.json_response(answer)


def _clock_answer(request: web.Request) -> web.Response:
    """Return the simulated time and its offset from the real time."""
    clock = request.app[CLOUD].clock
    return web.json_response(
        {"now": clock.now().isoformat(), "offset": clock.offset.total_seconds()}
    )


async def get_clock(request: web.Request) -> web.Response:
    """GET the simulated time."""
    return _clock_answer(request)


def _move(cloud: SimulatedCloud, body: dict[str, Any]) -> None:
    """Advance or set the clock as a control body says; a bad body raises ValueError."""
    if "advance" in body:
        seconds = body["advance"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise ValueError("advance must be a number of seconds")
        cloud.clock.advance(float(seconds))
    elif "set" in body:
        when = body["set"]
        if not isinstance(when, str):
            raise ValueError("set must be an ISO 8601 time")
        cloud.clock.set(parse_aware(when))
    else:
        raise ValueError('give {"advance": seconds} or {"set": "<ISO time>"}')


async def move_clock(request: web.Request) -> web.Response:
    """POST {"advance": seconds} or {"set": iso}: move the clock; thermostats catch up and push."""
    cloud = request.app[CLOUD]
    body = await _body(request)
    try:
        _move(cloud, body)
    except (ValueError, OverflowError) as err:
        raise control_error(400, str(err)) from err
    cloud.time_moved()
    return _clock_answer(request)


async def plant_member(request: web.Request) -> web.Response:
    """POST {"member": false}: take a plant out of its owner's account, or bring it back."""
    cloud = request.app[CLOUD]
    body = await _body(request)
    member = _flag(body, "member", default=True)
    plant_id = request.match_info["plantId"]
    try:
        cloud.set_member(plant_id, member)
    except KeyError as err:
        raise control_error(404, f"unknown plant {plant_id}") from err
    return web.json_response({"plant": plant_id, "member": member})


async def add_module(request: web.Request) -> web.Response:
    """POST a module (topology object plus initial state) into a plant."""
    cloud = request.app[CLOUD]
    body = await _body(request)
    plant_id = request.match_info["plantId"]
    try:
        module_id = cloud.add_module(plant_id, body)
    except KeyError as err:
        raise control_error(404, f"unknown plant {plant_id}") from err
    except ValueError as err:
        raise control_error(400, str(err)) from err
    return web.json_response({"id": module_id}, status=201)


async def remove_module(request: web.Request) -> web.Response:
    """DELETE a module from a plant."""
    cloud = request.app[CLOUD]
    plant_id = request.match_info["plantId"]
    module_id = request.match_info["moduleId"]
    try:
        cloud.remove_module(plant_id, module_id)
    except KeyError as err:
        raise control_error(404, f"no module {module_id} in plant {plant_id}") from err
    return web.json_response({"removed": module_id})


async def state(request: web.Request) -> web.Response:
    """GET the whole current state."""
    cloud = request.app[CLOUD]
    data = cloud.state()
    data["push"] = _push_settings(request)
    return web.json_response(data)


def _push_settings(request: web.Request) -> dict[str, Any]:
    """Return the push emitter's settings and ban state."""
    cloud = request.app[CLOUD]
    push = cloud.push
    return {
        "drop_next": push.drop_next,
        "silent": push.silent,
        "delay": push.delay if push.delay is not None else cloud.options.push_delay,
        "ban_rule": cloud.options.push_ban_rule,
        "validation": cloud.options.push_validation,
        "failures": dict(push.failures),
        "banned_until": {
            url: until.isoformat() for url, until in push.banned_until.items()
        },
    }


async def push_log(request: web.Request) -> web.Response:
    """GET the push delivery log (?wait=1 first waits for deliveries in flight)."""
    cloud = request.app[CLOUD]
    if request.query.get("wait") not in {None, "", "0", "false"}:
        await cloud.push.flush()
    return web.json_response(cloud.push.log)


async def push_settings(request: web.Request) -> web.Response:
    """POST push settings: each field on its own.

    {"drop_next": N} / {"silent": bool} / {"delay": s} / {"ban_rule": bool} /
    {"validation": bool} / {"reset": true}.
    """
    cloud = request.app[CLOUD]
    body = await _body(request)
    unknown = set(body) - {
        "drop_next",
        "silent",
        "delay",
        "ban_rule",
        "validation",
        "reset",
    }
    if unknown:
        raise control_error(400, f"unknown fields {sorted(unknown)}")
    if _flag(body, "reset", default=False):
        cloud.push.reset()
    if "drop_next" in body:
        drop = body["drop_next"]
        if isinstance(drop, bool) or not isinstance(drop, int) or drop < 0:
            raise control_error(400, "drop_next must be a whole number")
        cloud.push.drop_next = drop
    if "silent" in body:
        cloud.push.silent = _flag(body, "silent", default=False)
    if "delay" in body:
        delay = body["delay"]
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            raise control_error(400, "delay must be a number of seconds")
        cloud.push.delay = float(delay)
    changes = {}
    if "ban_rule" in body:
        changes["push_ban_rule"] = _flag(body, "ban_rule", default=False)
    if "validation" in body:
        changes["push_validation"] = _flag(body, "validation", default=False)
    if changes:
        cloud.set_options(changes)
    return web.json_response(_push_settings(request))


async def get_options(request: web.Request) -> web.Response:
    """GET the options in force."""
    return web.json_response(request.app[CLOUD].options.as_dict())


async def set_options(request: web.Request) -> web.Response:
    """POST {"<option>": value, ...}: change options at run time."""
    cloud = request.app[CLOUD]
    try:
        options = cloud.set_options(await _body(request))
    except ValueError as err:
        raise control_error(400, str(err)) from err
    return web.json_response(options.as_dict())

"""Scenarios: load the JSON files of `scenarios/`, check them, and build accounts and homes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import json
from pathlib import Path
from typing import Any
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .accounts import App, User
from .devices import Ambient, HcModule, HcPlant, Scene
from .schedule import Program, parse_program
from .thermostat import FUNCTIONS, MODES, Physics, Thermostat
from .timefmt import parse_aware
from .world import SmartherPlant, World

SCENARIO_DIR = Path(__file__).parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message says where the problem is."""


@dataclass
class Scenario:
    """Everything a scenario defines, ready to serve."""

    name: str
    app: App
    users: dict[str, User]
    world: World
    options: dict[str, Any]


def scenario_names() -> list[str]:
    """Return the names of the bundled scenarios."""
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.json"))


def load_raw(source: str | Mapping[str, Any]) -> dict[str, Any]:
    """Return a scenario's JSON: a bundled name, or an already-loaded mapping."""
    if isinstance(source, Mapping):
        return dict(source)
    if not source.replace("-", "").replace("_", "").isalnum():
        raise ScenarioError(f"bad scenario name {source!r}")
    path = SCENARIO_DIR / f"{source}.json"
    if not path.is_file():
        raise ScenarioError(f"no scenario named {source!r}; known: {scenario_names()}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise ScenarioError(f"scenario {source!r} is not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario {source!r} must be a JSON object")
    return data


def build(source: str | Mapping[str, Any], now: datetime) -> Scenario:
    """Load and check a scenario, then build its application, users and homes."""
    raw = load_raw(source)
    app = _app(_obj(raw.get("app"), "app"))
    users: dict[str, User] = {}
    world = World()
    for index, user_raw in enumerate(_list(raw.get("users"), "users")):
        where = f"users[{index}]"
        user_data = _obj(user_raw, where)
        user = _user(user_data, where)
        if user.email in users:
            raise ScenarioError(f"{where}: duplicate user {user.email}")
        users[user.email] = user
        for p_index, plant_raw in enumerate(
            _list(user_data.get("homecontrol", []), f"{where}.homecontrol")
        ):
            plant = hc_plant(
                _obj(plant_raw, f"{where}.homecontrol[{p_index}]"),
                user.email,
                f"{where}.homecontrol[{p_index}]",
            )
            _claim(world, plant.id, f"{where}.homecontrol[{p_index}]")
            world.hc_plants[plant.id] = plant
        for p_index, plant_raw in enumerate(
            _list(user_data.get("smarther", []), f"{where}.smarther")
        ):
            sm_plant = smarther_plant(
                _obj(plant_raw, f"{where}.smarther[{p_index}]"),
                user.email,
                now,
                f"{where}.smarther[{p_index}]",
            )
            _claim(world, sm_plant.id, f"{where}.smarther[{p_index}]")
            world.smarther_plants[sm_plant.id] = sm_plant
    if not users:
        raise ScenarioError("a scenario needs at least one user")
    _check_unique_ids(world)
    options = raw.get("options", {})
    if not isinstance(options, dict):
        raise ScenarioError("options must be an object")
    name = raw.get("name", source if isinstance(source, str) else "custom")
    return Scenario(name=str(name), app=app, users=users, world=world, options=options)


def _claim(world: World, plant_id: str, where: str) -> None:
    """Refuse a plant id already used by another plant."""
    if plant_id in world.hc_plants or plant_id in world.smarther_plants:
        raise ScenarioError(f"{where}: duplicate plant id {plant_id}")


def _check_unique_ids(world: World) -> None:
    """Refuse module ids used twice across the whole scenario."""
    seen: set[str] = set()
    for plant in world.hc_plants.values():
        for module_id in plant.modules:
            if module_id in seen:
                raise ScenarioError(f"duplicate module id {module_id}")
            seen.add(module_id)
    for sm_plant in world.smarther_plants.values():
        for module_id in sm_plant.thermostats:
            if module_id in seen:
                raise ScenarioError(f"duplicate module id {module_id}")
            seen.add(module_id)


def _app(data: Mapping[str, Any]) -> App:
    """Build the registered application."""
    keys = _list(data.get("subscription_keys"), "app.subscription_keys")
    if not keys or not all(isinstance(key, str) and key for key in keys):
        raise ScenarioError("app.subscription_keys must be a list of keys")
    return App(
        name=_str(data, "name", "app", "Legrand Eliot"),
        client_id=_str(data, "client_id", "app"),
        client_secret=_str(data, "client_secret", "app"),
        subscription_keys=tuple(keys),
        redirect_uris=tuple(_strings(data.get("redirect_uris"), "app.redirect_uris")),
        scopes=tuple(_strings(data.get("scopes"), "app.scopes")),
        tenant_id=_str(
            data, "tenant_id", "app", "00000000-0000-0000-0000-000000000000"
        ),
    )


def _user(data: Mapping[str, Any], where: str) -> User:
    """Build a user and the consents already given."""
    consents = {
        frozenset(_strings(item, f"{where}.consents"))
        for item in _list(data.get("consents", []), f"{where}.consents")
    }
    return User(
        email=_str(data, "email", where),
        subject=_str(data, "subject", where),
        name=_str(data, "name", where, ""),
        app_password_expired=_bool(data, "app_password_expired", where, default=False),
        terms_expired=_bool(data, "terms_expired", where, default=False),
        hc_retired=_bool(data, "hc_retired", where, default=False),
        consents=consents,
    )


def hc_plant(data: Mapping[str, Any], owner: str, where: str) -> HcPlant:
    """Build a Home + Control plant with its rooms, modules and scenes."""
    plant = HcPlant(
        id=_str(data, "id", where),
        name=_str(data, "name", where),
        country=_str(data, "country", where, "FR"),
        owner=owner,
        online=_bool(data, "online", where, default=True),
    )
    for a_index, ambient_raw in enumerate(
        _list(data.get("ambients", []), f"{where}.ambients")
    ):
        a_where = f"{where}.ambients[{a_index}]"
        ambient_data = _obj(ambient_raw, a_where)
        ambient = Ambient(
            id=_str(ambient_data, "id", a_where),
            name=_str(ambient_data, "name", a_where),
            type=_str(ambient_data, "type", a_where, "other"),
        )
        plant.ambients.append(ambient)
        for m_index, module_raw in enumerate(
            _list(ambient_data.get("modules", []), f"{a_where}.modules")
        ):
            module = hc_module(
                _obj(module_raw, f"{a_where}.modules[{m_index}]"),
                f"{a_where}.modules[{m_index}]",
            )
            module.ambient_id = ambient.id
            _add_unique(plant, module, where)
    for m_index, module_raw in enumerate(
        _list(data.get("modules", []), f"{where}.modules")
    ):
        module = hc_module(
            _obj(module_raw, f"{where}.modules[{m_index}]"),
            f"{where}.modules[{m_index}]",
        )
        module.ambient_id = None
        _add_unique(plant, module, where)
    for s_index, scene_raw in enumerate(
        _list(data.get("scenes", []), f"{where}.scenes")
    ):
        s_where = f"{where}.scenes[{s_index}]"
        scene_data = _obj(scene_raw, s_where)
        actions = [
            _obj(action, f"{s_where}.actions")
            for action in _list(scene_data.get("actions", []), f"{s_where}.actions")
        ]
        for action in actions:
            if action.get("module") not in plant.modules:
                raise ScenarioError(
                    f"{s_where}: action for unknown module {action.get('module')}"
                )
        plant.scenes.append(
            Scene(
                id=_str(scene_data, "id", s_where),
                name=_str(scene_data, "name", s_where),
                actions=[dict(a) for a in actions],
            )
        )
    return plant


def _add_unique(plant: HcPlant, module: HcModule, where: str) -> None:
    """Add a module to a plant, refusing an id the plant already has."""
    if module.id in plant.modules:
        raise ScenarioError(f"{where}: duplicate module id {module.id}")
    plant.add_module(module)


def hc_module(data: Mapping[str, Any], where: str) -> HcModule:
    """Build a Home + Control module: its topology entry plus its initial state."""
    device = _str(data, "device", where)
    level = data.get("level")
    if level is not None and (
        isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 100
    ):
        raise ScenarioError(f"{where}: level must be 0 to 100")
    if device == "automation" and level is None:
        level = 0
    status = _str(data, "status", where, "off")
    if status not in {"on", "off"}:
        raise ScenarioError(f"{where}: status must be on or off")
    appliance = data.get("type")
    if appliance is not None and not isinstance(appliance, str):
        raise ScenarioError(f"{where}: type must be a string")
    battery = data.get("battery")
    if battery is not None and not isinstance(battery, str):
        raise ScenarioError(f"{where}: battery must be a string")
    return HcModule(
        id=_str(data, "id", where, uuid.uuid4().hex),
        name=_str(data, "name", where),
        hw_type=_str(data, "hw_type", where, "NLX"),
        device=device,
        appliance_type=appliance,
        fw=_int(data, "fw", where, 1),
        reachable=_bool(data, "reachable", where, default=True),
        status=status,
        level=level if device in {"light", "automation"} else None,
        load_watts=_number(data, "load_watts", where, 0.0),
        battery=battery if device == "remote" else None,
    )


def smarther_plant(
    data: Mapping[str, Any], owner: str, now: datetime, where: str
) -> SmartherPlant:
    """Build a Smarther plant and its thermostats."""
    zone_name = _str(data, "timezone", where, "Europe/Rome")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ScenarioError(f"{where}: unknown time zone {zone_name!r}") from err
    plant = SmartherPlant(
        id=_str(data, "id", where),
        name=_str(data, "name", where),
        owner=owner,
        zone=zone,
        online=_bool(data, "online", where, default=True),
    )
    for t_index, raw in enumerate(
        _list(data.get("thermostats", []), f"{where}.thermostats")
    ):
        thermostat = build_thermostat(
            _obj(raw, f"{where}.thermostats[{t_index}]"),
            plant,
            now,
            f"{where}.thermostats[{t_index}]",
        )
        plant.thermostats[thermostat.id] = thermostat
    return plant


def build_thermostat(
    data: Mapping[str, Any], plant: SmartherPlant, now: datetime, where: str
) -> Thermostat:
    """Build a thermostat with its programs, mode and room."""
    programs: dict[int, Program] = {}
    for p_index, raw in enumerate(
        _list(
            data.get("programs", [{"number": 0, "name": "Default"}]),
            f"{where}.programs",
        )
    ):
        try:
            parsed = parse_program(_obj(raw, f"{where}.programs[{p_index}]"))
        except ValueError as err:
            raise ScenarioError(f"{where}.programs[{p_index}]: {err}") from err
        programs[parsed.number] = parsed
    if not programs:
        raise ScenarioError(f"{where}: a thermostat needs at least one program")
    function = _str(data, "function", where, "heating").lower()
    mode = _str(data, "mode", where, "automatic").lower()
    if function not in FUNCTIONS or mode not in MODES:
        raise ScenarioError(f"{where}: bad function or mode")
    program = _int(data, "program", where, min(programs))
    if program not in programs:
        raise ScenarioError(f"{where}: program {program} is not in its programs")
    end = None
    if "activation_end" in data:
        try:
            end = parse_aware(_str(data, "activation_end", where))
        except ValueError as err:
            raise ScenarioError(f"{where}: activation_end: {err}") from err
    elif "activation_minutes" in data:
        end = now + timedelta(minutes=_number(data, "activation_minutes", where, 0.0))
    physics_data = _obj(data.get("physics", {}), f"{where}.physics")
    ambient = physics_data.get("ambient")
    physics = Physics(
        load_rate=_number(physics_data, "load_rate", where, 0.05),
        leak_per_hour=_number(physics_data, "leak_per_hour", where, 0.15),
        ambient=float(ambient)
        if isinstance(ambient, (int, float)) and not isinstance(ambient, bool)
        else None,
        hysteresis=_number(physics_data, "hysteresis", where, 0.2),
    )
    thermostat = Thermostat(
        id=_str(data, "id", where, str(uuid.uuid4())),
        name=_str(data, "name", where),
        plant_id=plant.id,
        receiver_id=_str(data, "receiver", where, str(uuid.uuid4())),
        function=function,
        mode=mode,
        program=program,
        setpoint=_number(data, "setpoint", where, 20.0),
        temperature=_number(data, "temperature", where, 19.0),
        humidity=_number(data, "humidity", where, 50.0),
        updated_at=now,
        programs=programs,
        physics=physics,
        activation_end=end if mode in {"manual", "boost", "off"} else None,
        activation_start=now if mode == "boost" and end is not None else None,
    )
    thermostat.decide_load(now, plant.zone)
    return thermostat


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    """Return a JSON object or fail naming where."""
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where} must be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    """Return a JSON list or fail naming where."""
    if not isinstance(value, list):
        raise ScenarioError(f"{where} must be a list")
    return value


def _strings(value: Any, where: str) -> list[str]:
    """Return a JSON list of strings or fail naming where."""
    items = _list(value, where)
    if not all(isinstance(item, str) for item in items):
        raise ScenarioError(f"{where} must be a list of strings")
    return items


_MISSING: Any = object()


def _str(data: Mapping[str, Any], key: str, where: str, default: str = _MISSING) -> str:
    """Return a string field, or its default, or fail."""
    value = data.get(key, default)
    if value is _MISSING:
        raise ScenarioError(f"{where}.{key} is required")
    if not isinstance(value, str):
        raise ScenarioError(f"{where}.{key} must be a string")
    return value


def _bool(data: Mapping[str, Any], key: str, where: str, *, default: bool) -> bool:
    """Return a boolean field or its default."""
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ScenarioError(f"{where}.{key} must be true or false")
    return value


def _int(data: Mapping[str, Any], key: str, where: str, default: int) -> int:
    """Return an integer field or its default."""
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{where}.{key} must be an integer")
    return value


def _number(data: Mapping[str, Any], key: str, where: str, default: float) -> float:
    """Return a number field or its default."""
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where}.{key} must be a number")
    return float(value)

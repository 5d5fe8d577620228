"""Generate large scenarios (N plants x M modules, plus thermostats) for scale tests."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
import sys
from typing import Any
import uuid

from .scenario import load_raw

# The kinds of module a generated plant cycles through, with their typical hardware.
_CYCLE: tuple[dict[str, Any], ...] = (
    {
        "device": "plug",
        "hw_type": "NLP",
        "type": "other",
        "status": "on",
        "load_watts": 60,
    },
    {
        "device": "light",
        "hw_type": "NLF",
        "status": "off",
        "level": 50,
        "load_watts": 30,
    },
    {"device": "light", "hw_type": "NLL", "status": "on", "load_watts": 20},
    {"device": "automation", "hw_type": "NBR", "level": 100},
    {
        "device": "plug",
        "hw_type": "NLPM",
        "type": "other",
        "status": "off",
        "load_watts": 1200,
    },
    {"device": "remote", "hw_type": "NLT", "battery": "full"},
)
MODULES_PER_ROOM = 6
_ROOM_TYPES = (
    "livingroom",
    "kitchen",
    "bedroom",
    "home_office",
    "dining_room",
    "lobby",
)


def _hex_id(label: str) -> str:
    """Return a stable 32-hex-digit id for a label (the Home + Control id style)."""
    return hashlib.sha256(label.encode()).hexdigest()[:32]


def _uuid(label: str) -> str:
    """Return a stable UUID for a label (the Smarther id style)."""
    return str(uuid.UUID(hex=_hex_id(label)))


def generate_scenario(
    plants: int,
    modules: int,
    *,
    thermostat_plants: int = 0,
    thermostats: int = 2,
    users: int = 1,
) -> dict[str, Any]:
    """Return a scenario: plants spread over users, each with modules in rooms and a meter."""
    if min(plants, modules, thermostat_plants, thermostats) < 0 or users < 1:
        raise ValueError("counts must not be negative and there must be a user")
    demo = load_raw("demo")
    accounts: list[dict[str, Any]] = [
        {
            "email": "demo@example.com" if index == 0 else f"user{index}@example.com",
            "subject": _uuid(f"user-{index}"),
            "name": f"User {index}",
            "homecontrol": [],
            "smarther": [],
        }
        for index in range(users)
    ]
    for p in range(plants):
        accounts[p % users]["homecontrol"].append(_hc_plant(p, modules))
    for p in range(thermostat_plants):
        accounts[p % users]["smarther"].append(_smarther_plant(p, thermostats, demo))
    return {
        "name": f"generated-{plants}x{modules}",
        "description": f"{plants} Home + Control plants of {modules} modules, "
        f"{thermostat_plants} Smarther plants of {thermostats} thermostats, {users} users",
        "options": {},
        "app": demo["app"],
        "users": accounts,
    }


def _hc_plant(index: int, count: int) -> dict[str, Any]:
    """Return one Home + Control plant with modules spread over rooms; the last is a meter."""
    plant_id = _hex_id(f"plant-{index}")
    rooms: list[dict[str, Any]] = []
    top_level: list[dict[str, Any]] = []
    for m in range(count):
        template = dict(_CYCLE[m % len(_CYCLE)])
        if m == count - 1 and count > 1:
            template = {"device": "energymeter", "hw_type": "NLE"}
        module = {
            "id": _hex_id(f"module-{index}-{m}"),
            "name": f"Module {index}.{m}",
            **template,
        }
        if module["device"] in {"remote", "energymeter"}:
            top_level.append(module)
            continue
        if not rooms or len(rooms[-1]["modules"]) >= MODULES_PER_ROOM:
            number = len(rooms)
            rooms.append(
                {
                    "id": _hex_id(f"room-{index}-{number}"),
                    "name": f"Room {number}",
                    "type": _ROOM_TYPES[number % len(_ROOM_TYPES)],
                    "modules": [],
                }
            )
        rooms[-1]["modules"].append(module)
    return {
        "id": plant_id,
        "name": f"Plant {index}",
        "country": "FR",
        "ambients": rooms,
        "modules": top_level,
        "scenes": [],
    }


def _smarther_plant(index: int, count: int, demo: dict[str, Any]) -> dict[str, Any]:
    """Return one Smarther plant whose thermostats reuse the demo's heating programs."""
    programs = demo["users"][0]["smarther"][0]["thermostats"][0]["programs"]
    return {
        "id": _uuid(f"smarther-{index}"),
        "name": f"Casa {index}",
        "timezone": "Europe/Rome",
        "thermostats": [
            {
                "id": _uuid(f"thermostat-{index}-{t}"),
                "name": f"Thermostat {index}.{t}",
                "receiver": _uuid(f"receiver-{index}-{t}"),
                "function": "heating",
                "mode": "automatic",
                "program": 1,
                "temperature": 19.0 + (t % 3) * 0.5,
                "humidity": 50.0,
                "programs": programs,
            }
            for t in range(count)
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """Write a generated scenario as JSON to a file or to standard output."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plants", type=int, default=10)
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--thermostat-plants", type=int, default=0)
    parser.add_argument("--thermostats", type=int, default=2)
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--output", "-o", type=Path)
    args = parser.parse_args(argv)
    try:
        scenario = generate_scenario(
            args.plants,
            args.modules,
            thermostat_plants=args.thermostat_plants,
            thermostats=args.thermostats,
            users=args.users,
        )
    except ValueError as err:
        parser.error(str(err))
    text = json.dumps(scenario, ensure_ascii=False, indent=1) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

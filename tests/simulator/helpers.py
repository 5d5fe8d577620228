"""Names of the demo scenario's objects and small helpers for calling the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from simulator import SimulatedCloud

DEMO: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "simulator" / "scenarios" / "demo.json").read_text(
        "utf-8"
    )
)
DEMO_USER = DEMO["users"][0]
OTHER_USER = DEMO["users"][1]["email"]
HC_PLANT = DEMO_USER["homecontrol"][0]["id"]
SM_PLANT = DEMO_USER["smarther"][0]["id"]
THERMOSTATS = {t["name"]: t["id"] for t in DEMO_USER["smarther"][0]["thermostats"]}
SOGGIORNO = THERMOSTATS["Soggiorno"]
CAMERA = THERMOSTATS["Camera"]
HC_BASE = "/hc/api/v1.0"
SM_BASE = "/smarther/v2.0"


def hc_module(name: str) -> str:
    """Return the id of a demo Home + Control module by its name."""
    plant = DEMO_USER["homecontrol"][0]
    modules = list(plant["modules"])
    for ambient in plant["ambients"]:
        modules.extend(ambient["modules"])
    return str(next(m["id"] for m in modules if m["name"] == name))


def hc_module_path(segment: str, module_id: str, plant_id: str = HC_PLANT) -> str:
    """Return the status/command path of a Home + Control module."""
    return f"{HC_BASE}/{segment}/addressLocation/plants/{plant_id}/modules/parameter/id/value/{module_id}"


def thermostat_path(module_id: str = SOGGIORNO, plant_id: str = SM_PLANT) -> str:
    """Return the status/command path of a thermostat."""
    return (
        f"{SM_BASE}/chronothermostat/thermoregulation/addressLocation/plants/{plant_id}"
        f"/modules/parameter/id/value/{module_id}"
    )


def headers(
    cloud: SimulatedCloud, user: str | None = None, **extra: str
) -> dict[str, str]:
    """Return the gateway headers with a fresh access token for a user."""
    return token_headers(cloud, cloud.issue_tokens(user)["access_token"], **extra)


def token_headers(cloud: SimulatedCloud, token: str, **extra: str) -> dict[str, str]:
    """Return the gateway headers that send a given access token."""
    return {
        "Ocp-Apim-Subscription-Key": cloud.subscription_key,
        "Authorization": f"Bearer {token}",
        **extra,
    }


async def thermostat_status(
    client: TestClient[Any, Any], cloud: SimulatedCloud, module_id: str = SOGGIORNO
) -> dict[str, Any]:
    """Return a thermostat's chronothermostat object, as the gateway answers it."""
    response = await client.get(thermostat_path(module_id), headers=headers(cloud))
    assert response.status == 200
    body: dict[str, Any] = (await response.json())["chronothermostats"][0]
    return body


async def set_status(
    client: TestClient[Any, Any],
    cloud: SimulatedCloud,
    body: Any,
    module_id: str = SOGGIORNO,
) -> tuple[int, Any]:
    """POST a set-status body; return the status and the JSON answer (None when empty)."""
    response = await client.post(
        thermostat_path(module_id), json=body, headers=headers(cloud)
    )
    raw = await response.read()
    return response.status, (await response.json() if raw else None)

"""Typed models of the Works with Legrand answers, parsed tolerantly from untrusted JSON.

One import for every model: those both APIs share (`plant_models`), Home + Control's
(`home_control_models`), Smarther's (`smarther_models`) and the login's token answer
(`token_response`).
"""

from .home_control_models import (
    ModuleState,
    PlantStatus,
    Scene,
    StatusMemo,
    parse_module_status,
    parse_plant_status,
    parse_scenes,
    scene_list,
)
from .parsing import guarded
from .plant_models import (
    Ambient,
    Measure,
    Module,
    Plant,
    Topology,
    bare_plant_id,
    device_kind,
    parse_plants,
    parse_topology,
)
from .smarther_models import (
    ActivationTime,
    Program,
    Subscription,
    ThermostatMeasures,
    ThermostatStatus,
    parse_measures,
    parse_programs,
    parse_subscription_id,
    parse_subscriptions,
    parse_thermostat_status,
)
from .token_response import parse_token_response

__all__ = [
    "ActivationTime",
    "Ambient",
    "Measure",
    "Module",
    "ModuleState",
    "Plant",
    "PlantStatus",
    "Program",
    "Scene",
    "StatusMemo",
    "Subscription",
    "ThermostatMeasures",
    "ThermostatStatus",
    "Topology",
    "bare_plant_id",
    "device_kind",
    "guarded",
    "parse_measures",
    "parse_module_status",
    "parse_plant_status",
    "parse_plants",
    "parse_programs",
    "parse_scenes",
    "parse_subscription_id",
    "parse_subscriptions",
    "parse_thermostat_status",
    "parse_token_response",
    "parse_topology",
    "scene_list",
]

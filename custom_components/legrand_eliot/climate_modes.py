"""A Smarther thermostat's function, mode and programs in Home Assistant's climate words.

The Thermostat app follows a weekly program (automatic), holds a set point (manual), boosts,
is off or protects from frost, while it heats or cools. Home Assistant speaks of HVAC modes,
an HVAC action and presets: the program is "auto", a held set point "heat" or "cool" by the
function, boost and protection are presets, and so is each program, by its name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from homeassistant.components.climate.const import HVACAction, HVACMode
from homeassistant.exceptions import ServiceValidationError

from .const import DOMAIN
from .eliot import BoostDuration, LoadState, ThermostatFunction, ThermostatMode
from .eliot.smarther_models import ThermostatStatus
from .entity import function_of

PRESET_BOOST = "boost"
PRESET_PROTECTION = "protection"
# The boost preset is the shortest one; the boost action offers the others.
PRESET_BOOST_MINUTES = BoostDuration.MINUTES_30


def manual_mode(status: ThermostatStatus | None) -> HVACMode:
    """Return the mode a held set point shows as: heat or cool, by the function."""
    if function_of(status) is ThermostatFunction.COOLING:
        return HVACMode.COOL
    return HVACMode.HEAT


def hvac_mode_of(status: ThermostatStatus | None) -> HVACMode | None:
    """Return the HVAC mode of the thermostat's own one."""
    if status is None:
        return None
    match status.mode:
        case ThermostatMode.AUTOMATIC:
            return HVACMode.AUTO
        case ThermostatMode.MANUAL | ThermostatMode.BOOST:
            return manual_mode(status)
        case ThermostatMode.OFF | ThermostatMode.PROTECTION:
            return HVACMode.OFF
    return None


def hvac_action_of(status: ThermostatStatus | None) -> HVACAction | None:
    """Return what the load does: a running load heats or cools, else idle or off."""
    if status is None:
        return None
    if status.load_state is LoadState.ACTIVE:
        if function_of(status) is ThermostatFunction.COOLING:
            return HVACAction.COOLING
        return HVACAction.HEATING
    if status.mode in (ThermostatMode.OFF, ThermostatMode.PROTECTION):
        return HVACAction.OFF
    if status.load_state is LoadState.INACTIVE:
        return HVACAction.IDLE
    return None


def function_for(hvac_mode: HVACMode) -> ThermostatFunction:
    """Return the function a held set point asked for as an HVAC mode runs: cool or heat."""
    if hvac_mode == HVACMode.COOL:
        return ThermostatFunction.COOLING
    return ThermostatFunction.HEATING


def presets(program_labels: Iterable[str]) -> list[str]:
    """Return boost, protection and the weekly programs by name (but those two names)."""
    reserved = {PRESET_BOOST, PRESET_PROTECTION}
    return [
        PRESET_BOOST,
        PRESET_PROTECTION,
        *(label for label in program_labels if label not in reserved),
    ]


def preset_of(mode: ThermostatMode, program: str | None) -> str | None:
    """Return boost, protection, or the name of the program followed (`program`)."""
    match mode:
        case ThermostatMode.BOOST:
            return PRESET_BOOST
        case ThermostatMode.PROTECTION:
            return PRESET_PROTECTION
        case ThermostatMode.AUTOMATIC:
            return program
    return None


def program_number(program_labels: Mapping[str, int], label: str) -> int:
    """Return the number of a program named by the user; refuse a name it does not have."""
    if label not in program_labels:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_program",
            translation_placeholders={
                "program": label,
                "programs": ", ".join(program_labels),
            },
        )
    return program_labels[label]

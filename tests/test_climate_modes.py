"""Tests for a thermostat's function, mode and programs in Home Assistant's climate words."""

from __future__ import annotations

from homeassistant.components.climate.const import HVACAction, HVACMode
from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.legrand_eliot.climate_modes import (
    PRESET_BOOST,
    PRESET_PROTECTION,
    function_for,
    hvac_action_of,
    hvac_mode_of,
    manual_mode,
    preset_of,
    presets,
    program_number,
)
from custom_components.legrand_eliot.eliot import (
    LoadState,
    ThermostatFunction,
    ThermostatMode,
    ThermostatStatus,
)

PROGRAMS = {"Default": 0, "At Home": 1, "Not At Home": 2}


def _status(
    mode: ThermostatMode,
    function: ThermostatFunction = ThermostatFunction.HEATING,
    load: LoadState | None = None,
) -> ThermostatStatus:
    """Return a thermostat's status in some mode."""
    return ThermostatStatus(
        plant_id="plant",
        module_id="module",
        function=function,
        mode=mode,
        load_state=load,
    )


@pytest.mark.parametrize(
    ("mode", "function", "expected"),
    [
        (ThermostatMode.AUTOMATIC, ThermostatFunction.COOLING, HVACMode.AUTO),
        (ThermostatMode.MANUAL, ThermostatFunction.HEATING, HVACMode.HEAT),
        (ThermostatMode.MANUAL, ThermostatFunction.COOLING, HVACMode.COOL),
        (ThermostatMode.BOOST, ThermostatFunction.UNKNOWN, HVACMode.HEAT),
        (ThermostatMode.BOOST, ThermostatFunction.COOLING, HVACMode.COOL),
        (ThermostatMode.OFF, ThermostatFunction.HEATING, HVACMode.OFF),
        (ThermostatMode.PROTECTION, ThermostatFunction.COOLING, HVACMode.OFF),
        (ThermostatMode.UNKNOWN, ThermostatFunction.HEATING, None),
    ],
)
def test_the_hvac_mode_of_each_thermostat_mode(
    mode: ThermostatMode, function: ThermostatFunction, expected: HVACMode | None
) -> None:
    """The program is auto, a held set point or boost heats or cools, off and protection are off."""
    assert hvac_mode_of(_status(mode, function)) == expected


def test_nothing_known_is_no_mode_and_a_held_set_point_heats() -> None:
    """Without a status there is no mode nor action; a set point held then heats."""
    assert hvac_mode_of(None) is None
    assert hvac_action_of(None) is None
    assert manual_mode(None) is HVACMode.HEAT
    assert manual_mode(_status(ThermostatMode.OFF, ThermostatFunction.COOLING)) is (
        HVACMode.COOL
    )


@pytest.mark.parametrize(
    ("mode", "function", "load", "expected"),
    [
        (
            ThermostatMode.MANUAL,
            ThermostatFunction.HEATING,
            LoadState.ACTIVE,
            HVACAction.HEATING,
        ),
        (
            ThermostatMode.AUTOMATIC,
            ThermostatFunction.COOLING,
            LoadState.ACTIVE,
            HVACAction.COOLING,
        ),
        (
            ThermostatMode.OFF,
            ThermostatFunction.HEATING,
            LoadState.INACTIVE,
            HVACAction.OFF,
        ),
        (ThermostatMode.PROTECTION, ThermostatFunction.HEATING, None, HVACAction.OFF),
        (
            ThermostatMode.AUTOMATIC,
            ThermostatFunction.HEATING,
            LoadState.INACTIVE,
            HVACAction.IDLE,
        ),
        (ThermostatMode.AUTOMATIC, ThermostatFunction.HEATING, LoadState.UNKNOWN, None),
        (ThermostatMode.MANUAL, ThermostatFunction.COOLING, None, None),
    ],
)
def test_the_action_follows_the_load(
    mode: ThermostatMode,
    function: ThermostatFunction,
    load: LoadState | None,
    expected: HVACAction | None,
) -> None:
    """A running load heats or cools; else off when the thermostat is, idle when it rests."""
    assert hvac_action_of(_status(mode, function, load)) == expected


def test_a_set_point_asked_as_cool_cools_else_heats() -> None:
    """Cool asks for cooling; heat, and any other mode, for heating."""
    assert function_for(HVACMode.COOL) is ThermostatFunction.COOLING
    assert function_for(HVACMode.HEAT) is ThermostatFunction.HEATING
    assert function_for(HVACMode.HEAT_COOL) is ThermostatFunction.HEATING


def test_presets_are_boost_protection_and_the_programs() -> None:
    """Programs named like the two fixed presets are not offered twice."""
    labels = ["At Home", PRESET_BOOST, "Risparmio", PRESET_PROTECTION]
    assert presets(labels) == [PRESET_BOOST, PRESET_PROTECTION, "At Home", "Risparmio"]
    assert presets([]) == [PRESET_BOOST, PRESET_PROTECTION]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (ThermostatMode.BOOST, PRESET_BOOST),
        (ThermostatMode.PROTECTION, PRESET_PROTECTION),
        (ThermostatMode.AUTOMATIC, "At Home"),
        (ThermostatMode.MANUAL, None),
        (ThermostatMode.OFF, None),
    ],
)
def test_the_preset_of_each_mode(mode: ThermostatMode, expected: str | None) -> None:
    """Boost and protection are presets; in automatic mode, the program followed is."""
    assert preset_of(mode, "At Home") == expected


def test_a_program_is_found_by_its_name() -> None:
    """A name the thermostat has gives its number; another is refused, naming those it has."""
    assert program_number(PROGRAMS, "Not At Home") == 2
    with pytest.raises(ServiceValidationError) as err:
        program_number(PROGRAMS, "Vacances")
    assert err.value.translation_key == "unknown_program"
    assert err.value.translation_placeholders == {
        "program": "Vacances",
        "programs": "Default, At Home, Not At Home",
    }

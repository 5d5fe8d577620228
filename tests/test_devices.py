"""Tests for the devices' vocabulary: the product names of the hw_type codes."""

from __future__ import annotations

from custom_components.legrand_eliot.devices import model_name
from simulator.generate import generate_scenario
from simulator.scenario import hc_module, load_raw, scenario_names


def test_model_names() -> None:
    """Documented hw_type codes get their product name; others are shown as they come."""
    assert model_name("NLP") == "Connected socket outlet"
    assert model_name("nbr") == "Roller shutter (Bubendorff iDiamant)"
    assert model_name("NLE") == "Connected ecometer"
    assert model_name("NLZZ") == "NLZZ"
    assert model_name(None) is None


def _hw_types(data: object) -> set[str]:
    """Return every hw_type a scenario (or any part of one) names."""
    if isinstance(data, dict):
        found = {data["hw_type"]} if isinstance(data.get("hw_type"), str) else set()
        return found.union(*(_hw_types(value) for value in data.values()))
    if isinstance(data, list):
        return set().union(*(_hw_types(value) for value in data))
    return set()


def test_every_code_the_simulator_can_produce_has_a_model_name() -> None:
    """No device the simulated cloud can show has its raw hw_type code as its model.

    The codes of every scenario, of every generated module and the one a scenario's module
    without a type gets.
    """
    codes = set().union(*(_hw_types(load_raw(name)) for name in scenario_names()))
    # Each generated plant cycles through the generator's modules: 20 go round it more than once.
    codes |= _hw_types(generate_scenario(3, 20))
    codes.add(hc_module({"name": "Untyped", "device": "plug"}, "test").hw_type)

    assert {"NLGT", "NLE", "NLX"} <= codes
    assert {code: model_name(code) for code in codes if model_name(code) == code} == {}

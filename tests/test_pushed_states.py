"""Tests for the pushed thermostat states kept: late, undated and unknown ones are not shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.legrand_eliot.data import EliotData, SmartherPlant
from custom_components.legrand_eliot.eliot.const import (
    DeviceKind,
    ThermostatFunction,
    ThermostatMode,
)
from custom_components.legrand_eliot.eliot.plant_models import Module, Plant, Topology
from custom_components.legrand_eliot.eliot.smarther_models import ThermostatStatus
from custom_components.legrand_eliot.push_health import (
    PUSH_VOUCHES_FOR,
    PushEvidence,
    PushHealth,
)
from custom_components.legrand_eliot.pushed_states import keep_pushed_states

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PLANT = "plant"
LIVING = "living"


def _account() -> EliotData:
    """Return an account of one Smarther plant with one thermostat."""
    module = Module(
        id=LIVING,
        name="Soggiorno",
        device=DeviceKind.CHRONOTHERMOSTAT,
        device_type="chronothermostat",
    )
    topology = Topology(plant_id=PLANT, name=None, ambients=(), modules=(module,))
    return EliotData(smarther={PLANT: SmartherPlant(Plant(id=PLANT), topology)})


def _status(set_point: float, plant_id: str = PLANT) -> ThermostatStatus:
    """Return a thermostat state of the living room, with no time of its own."""
    return ThermostatStatus(
        plant_id=plant_id,
        module_id=LIVING,
        function=ThermostatFunction.HEATING,
        mode=ThermostatMode.MANUAL,
        set_point=set_point,
    )


def test_newer_states_are_kept_and_the_rest_counted_by_why() -> None:
    """A newer state is shown; an older, an undated or another plant's is counted, not shown."""
    data, health, evidence = _account(), PushHealth(), PushEvidence()
    kept = keep_pushed_states(
        data,
        [
            (_status(21.0), NOW - timedelta(seconds=5)),
            (_status(19.0), NOW - timedelta(seconds=30)),
            (_status(18.0), None),
            (_status(17.0, plant_id="other"), NOW),
        ],
        health,
        evidence,
        NOW,
    )
    assert kept == 1
    plant = data.smarther[PLANT]
    assert plant.thermostats[LIVING].set_point == 21.0
    assert (health.ignored, health.stale, health.writes) == (3, 1, 0)
    assert evidence.pushed_at == {LIVING: NOW - timedelta(seconds=5)}


def test_an_old_state_vouches_for_nothing_while_reads_fail() -> None:
    """A thermostat whose reads fail stays hidden when the state pushed is too old to vouch."""
    data, evidence = _account(), PushEvidence()
    evidence.failed(LIVING)
    old = NOW - PUSH_VOUCHES_FOR - timedelta(minutes=1)
    assert keep_pushed_states(data, [(_status(21.0), old)], PushHealth(), evidence, NOW)
    assert data.smarther[PLANT].unavailable == {LIVING}
    recent = NOW - timedelta(minutes=1)
    assert keep_pushed_states(
        data, [(_status(22.0), recent)], PushHealth(), evidence, NOW
    )
    assert data.smarther[PLANT].unavailable == set()

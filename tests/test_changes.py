"""Tests of the change tracker: which devices it says changed since entities were last told."""

from __future__ import annotations

from dataclasses import replace

from custom_components.legrand_eliot.changes import (
    ChangeTracker,
    Context,
    EnergyTotalContext,
    EveryReadingContext,
    commanded_state,
)
from custom_components.legrand_eliot.data import EliotData, HomeControlPlant
from custom_components.legrand_eliot.eliot import (
    DeviceKind,
    ThermostatFunction,
    ThermostatMode,
)
from custom_components.legrand_eliot.eliot.home_control_models import (
    ModuleState,
    PlantStatus,
)
from custom_components.legrand_eliot.eliot.plant_models import Measure, Plant
from custom_components.legrand_eliot.eliot.smarther_models import (
    Program,
    ThermostatStatus,
)
from tests.plants import module, smarther, topology

PLANT = "plant"
LAMP = "lamp"
PLUG = "plug"
HOUSE = "house"
THERMOSTAT = "thermostat"


def account() -> EliotData:
    """Return a plant with a lamp and a plug, and a house with one thermostat."""
    status = PlantStatus(
        plant_id=PLANT,
        modules={
            LAMP: ModuleState(module_id=LAMP, kind=DeviceKind.LIGHT, reachable=True),
            PLUG: ModuleState(
                module_id=PLUG, kind=DeviceKind.PLUG, reachable=True, power=0.0
            ),
        },
    )
    house = smarther(HOUSE, module(THERMOSTAT, DeviceKind.UNKNOWN))
    house.thermostats[THERMOSTAT] = ThermostatStatus(
        plant_id=HOUSE,
        module_id=THERMOSTAT,
        function=ThermostatFunction.HEATING,
        mode=ThermostatMode.AUTOMATIC,
    )
    return EliotData(
        home_control={
            PLANT: HomeControlPlant(
                Plant(id=PLANT),
                topology(PLANT, module(LAMP, DeviceKind.LIGHT), module(PLUG)),
                [],
                status,
                True,
            )
        },
        smarther={HOUSE: house},
    )


def told_once(data: EliotData) -> ChangeTracker:
    """Return a tracker that told everyone of the account once."""
    tracker = ChangeTracker()
    assert tracker.since_last_told(data, success=True).everyone
    assert not tracker.since_last_told(data, success=True).changed
    return tracker


def restate(data: EliotData, module_id: str, **changes: object) -> None:
    """Store a new answer in which one module's element changed, as a poll does."""
    plant = data.home_control[PLANT]
    assert plant.status is not None
    read = plant.status.read + 1
    modules = dict(plant.status.modules)
    modules[module_id] = replace(modules[module_id], **changes, read=read)
    plant.status = replace(plant.status, modules=modules, read=read)


def answer_again(data: EliotData) -> None:
    """Store a new answer in which no element changed: every state is kept, as a poll does."""
    plant = data.home_control[PLANT]
    assert plant.status is not None
    plant.status = replace(plant.status, read=plant.status.read + 1)


def test_a_reading_with_a_new_time_only_changes_nothing() -> None:
    """A meter's measure taken again with the same value: no change, but a new reading."""
    data = account()
    restate(data, PLUG, consumptions=(Measure(value=0.0, unit="watt"),))
    tracker = told_once(data)
    restate(data, PLUG, consumptions=(Measure(value=0.0, unit="watt", timestamp=None),))
    restate(data, LAMP, on=None)
    changes = tracker.since_last_told(data, success=True)
    assert changes.changed == set()
    assert changes.read == {PLUG, LAMP}
    assert changes.concerns(EveryReadingContext(PLUG))
    assert not changes.concerns(PLUG)
    assert not changes.concerns(EnergyTotalContext(PLUG))
    assert not changes.concerns(Context.ANY_CHANGE)
    assert changes.concerns(None)


def test_a_load_drawing_power_tells_its_energy_total() -> None:
    """The same reading of a plug drawing power: its energy total grows, so it is told."""
    data = account()
    restate(data, PLUG, power=40.0)
    tracker = told_once(data)
    restate(data, PLUG, power=40.0)
    changes = tracker.since_last_told(data, success=True)
    assert changes.concerns(EnergyTotalContext(PLUG))
    assert not changes.concerns(PLUG)
    restate(data, PLUG, power=0.0)
    changes = tracker.since_last_told(data, success=True)
    assert changes.concerns(PLUG)
    assert changes.concerns(EnergyTotalContext(PLUG))
    assert changes.concerns(Context.ANY_CHANGE)


def test_a_module_missing_from_the_status_is_told() -> None:
    """A status that no longer lists a module: that module is told (it reads as unknown)."""
    data = account()
    tracker = told_once(data)
    plant = data.home_control[PLANT]
    assert plant.status is not None
    plant.status = replace(plant.status, modules={LAMP: plant.status.modules[LAMP]})
    assert tracker.since_last_told(data, success=True).changed == {PLUG}


def test_plants_that_leave_tell_their_devices() -> None:
    """Both plants gone from the account: the plants and every device of theirs are told."""
    data = account()
    tracker = told_once(data)
    changes = tracker.since_last_told(EliotData(), success=True)
    assert changes.changed == {PLANT, LAMP, PLUG, HOUSE, THERMOSTAT}


def test_a_thermostat_status_availability_and_programs() -> None:
    """A thermostat is told when its status, its availability or its programs change."""
    data = account()
    tracker = told_once(data)
    house = data.smarther[HOUSE]
    house.thermostats[THERMOSTAT] = replace(house.thermostats[THERMOSTAT])
    assert not tracker.since_last_told(data, success=True).changed
    house.unavailable.add(THERMOSTAT)
    assert tracker.since_last_told(data, success=True).changed == {THERMOSTAT}
    house.programs[THERMOSTAT] = [Program(number=1, name="Week")]
    assert tracker.since_last_told(data, success=True).changed == {THERMOSTAT}
    del house.thermostats[THERMOSTAT]
    assert tracker.since_last_told(data, success=True).changed == {THERMOSTAT}


def test_everyone_is_told_when_success_flips() -> None:
    """A failed refresh and the return: both tell everyone."""
    data = account()
    tracker = told_once(data)
    assert tracker.since_last_told(data, success=False).everyone
    changes = tracker.since_last_told(data, success=True)
    assert changes.everyone
    assert changes.concerns(LAMP)
    assert tracker.since_last_told(None, success=True).everyone


def test_an_unknown_context_is_always_told() -> None:
    """A listener with a context the tracker does not know is told, never left behind."""
    tracker = told_once(account())
    assert tracker.since_last_told(account(), success=True).concerns(object())


def test_an_unchanged_answer_tells_only_the_energy_of_loads_drawing_power() -> None:
    """A new answer whose elements did not change: nothing changed, but drawing loads read."""
    data = account()
    restate(data, PLUG, power=40.0)
    tracker = told_once(data)
    answer_again(data)
    changes = tracker.since_last_told(data, success=True)
    assert changes.read == {PLUG}
    assert changes.concerns(EnergyTotalContext(PLUG))
    assert not changes.concerns(PLUG)
    assert not changes.concerns(EveryReadingContext(LAMP))
    restate(data, PLUG, power=0.0)
    tracker.since_last_told(data, success=True)
    answer_again(data)
    assert not tracker.since_last_told(data, success=True).read


def test_the_same_status_told_again_tells_no_reading() -> None:
    """Told again of the very answer already told (a push of a thermostat): no module read."""
    data = account()
    restate(data, PLUG, power=40.0)
    tracker = told_once(data)
    changes = tracker.since_last_told(data, success=True)
    assert not changes.read
    assert not changes.concerns(EnergyTotalContext(PLUG))


def test_a_state_read_from_another_answer_is_a_new_reading() -> None:
    """A confirming read that shows the same: a new reading, yet no change."""
    data = account()
    tracker = told_once(data)
    plant = data.home_control[PLANT]
    assert plant.status is not None
    assert plant.store_module_state(replace(plant.status.modules[LAMP], read=7))
    changes = tracker.since_last_told(data, success=True)
    assert changes.read == {LAMP}
    assert not changes.changed


def test_a_command_that_changes_nothing_is_a_new_reading() -> None:
    """A command's effect shown at once is a reading of its own, each time."""
    data = account()
    restate(data, PLUG, power=40.0)
    tracker = told_once(data)
    plant = data.home_control[PLANT]
    assert plant.status is not None
    for _ in range(2):
        state = commanded_state(plant.status.modules[PLUG], power=40.0)
        assert state.read < 0
        assert plant.store_module_state(state)
        changes = tracker.since_last_told(data, success=True)
        assert changes.read == {PLUG}
        assert changes.concerns(EnergyTotalContext(PLUG))
        assert not changes.concerns(PLUG)

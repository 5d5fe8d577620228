"""Tests of the account's data: its index of plants and modules, and the order of state writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.legrand_eliot.data import EliotData, Pushed
from custom_components.legrand_eliot.eliot import (
    DeviceKind,
    ThermostatFunction,
    ThermostatMode,
)
from custom_components.legrand_eliot.eliot.home_control_models import ModuleState
from custom_components.legrand_eliot.eliot.smarther_models import (
    ActivationTime,
    ThermostatStatus,
)
from tests.plants import home_control, module, smarther, topology

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
ROME = timezone(timedelta(hours=1))


def account() -> EliotData:
    """Return an account of two Home + Control plants and one Smarther plant."""
    return EliotData(
        home_control={
            "hc-1": home_control("hc-1", "plug-1", "lamp-1"),
            "hc-2": home_control("hc-2", "plug-2"),
        },
        smarther={"sm-1": smarther("sm-1", "living", "bedroom")},
    )


def scanned(data: EliotData, module_id: str) -> tuple[str | None, str | None]:
    """Return the plants holding a module and a thermostat of an id, by reading every plant."""
    hc = next(
        (
            plant_id
            for plant_id, plant in data.home_control.items()
            if any(m.id == module_id for m in plant.topology.modules)
        ),
        None,
    )
    sm = next(
        (
            plant_id
            for plant_id, plant in data.smarther.items()
            if any(m.id == module_id for m in plant.topology.modules)
        ),
        None,
    )
    return hc, sm


def indexed(data: EliotData, module_id: str) -> tuple[str | None, str | None]:
    """Return the plants holding a module and a thermostat of an id, as the index finds them."""
    found = data.home_control_module(module_id)
    thermostat = data.thermostat(module_id)
    return (
        None if found is None else found[0].plant.id,
        None if thermostat is None else thermostat[0].plant.id,
    )


def _add_module(data: EliotData) -> None:
    plant = data.home_control["hc-2"]
    plant.topology = replace(
        plant.topology, modules=(*plant.topology.modules, module("new"))
    )


def _remove_module(data: EliotData) -> None:
    plant = data.home_control["hc-1"]
    plant.topology = topology("hc-1", "lamp-1")


def _move_thermostat(data: EliotData) -> None:
    data.smarther["sm-1"].topology = topology("sm-1", "bedroom")
    data.smarther["sm-2"] = smarther("sm-2", "living", "new")


def _replace_plant(data: EliotData) -> None:
    data.home_control["hc-1"] = home_control("hc-1", "new")


def _new_mapping(data: EliotData) -> None:
    data.smarther = {"sm-3": smarther("sm-3", "new")}


def _delete(data: EliotData) -> None:
    del data.home_control["hc-1"]


def _pop(data: EliotData) -> None:
    data.smarther.pop("sm-1")


def _popitem(data: EliotData) -> None:
    data.home_control.popitem()


def _setdefault(data: EliotData) -> None:
    data.home_control.setdefault("hc-3", home_control("hc-3", "new"))


def _update(data: EliotData) -> None:
    data.home_control.update({"hc-3": home_control("hc-3", "new")})


def _merge(data: EliotData) -> None:
    data.home_control |= {"hc-2": home_control("hc-2", "new", "plug-1")}


def _clear(data: EliotData) -> None:
    data.home_control.clear()


IDS = ("plug-1", "lamp-1", "plug-2", "living", "bedroom", "new")


@pytest.mark.parametrize(
    "change",
    [
        _add_module,
        _remove_module,
        _move_thermostat,
        _replace_plant,
        _new_mapping,
        _delete,
        _pop,
        _popitem,
        _setdefault,
        _update,
        _merge,
        _clear,
    ],
)
def test_lookups_follow_every_change_of_topology(
    change: Callable[[EliotData], None],
) -> None:
    """After plants or topologies change, every lookup answers as reading every plant does."""
    data = account()
    # Looked up once, so the answers after the change come from an index built before it.
    assert [indexed(data, module_id) for module_id in IDS] == [
        scanned(data, module_id) for module_id in IDS
    ]
    before = data.device_ids()

    change(data)

    assert [indexed(data, module_id) for module_id in IDS] == [
        scanned(data, module_id) for module_id in IDS
    ]
    plants = {**data.home_control, **data.smarther}
    assert dict(data.plants) == plants
    modules = {m.id for plant in plants.values() for m in plant.topology.modules}
    assert data.module_ids() == modules
    assert data.device_ids() == modules | set(plants)
    assert data.device_ids() != before


def test_a_module_is_looked_for_first_in_the_plant_it_was_found_in() -> None:
    """While a module is listed by two plants, each entity keeps to its own plant."""
    data = account()
    data.home_control["hc-2"] = home_control("hc-2", "plug-2", "plug-1")

    first = data.home_control_module("plug-1")
    assert first is not None
    assert first[0].plant.id == "hc-1"
    kept = data.home_control_module("plug-1", "hc-2")
    assert kept is not None
    assert kept[0].plant.id == "hc-2"
    # Once it left that plant, it is found where it is.
    moved = data.home_control_module("plug-2", "hc-1")
    assert moved is not None
    assert moved[0].plant.id == "hc-2"
    assert data.home_control_module("plug-1", "gone") == first


def test_modules_of_an_unanswering_gateway_are_unreachable() -> None:
    """A module's state is the status's while the gateway answers, unreachable otherwise."""
    data = account()
    plant = data.home_control["hc-1"]
    assert [state.reachable for _p, _m, state in data.home_control_modules()] == [
        True,
        True,
        True,
    ]
    plant.available = False
    found = data.home_control_module("plug-1")
    assert found is not None
    assert found[2].reachable is False
    assert [m.id for _p, m in data.thermostats()] == ["living", "bedroom"]


def test_a_module_state_is_kept_only_in_a_status() -> None:
    """A command's effect on a module is kept in the plant's status, if one was read."""
    plant = home_control("hc-1", "plug-1")
    state = ModuleState(
        module_id="plug-1", kind=DeviceKind.PLUG, reachable=True, on=True
    )
    assert plant.store_module_state(state)
    assert plant.status is not None
    assert plant.status.modules["plug-1"].on is True

    plant.status = None
    assert not plant.store_module_state(state)
    assert plant.status is None


def status(
    set_point: float, at: datetime | None = None, **fields: object
) -> ThermostatStatus:
    """Return a living room state with a set point, stamped at a time."""
    return ThermostatStatus(
        plant_id="sm-1",
        module_id="living",
        function=ThermostatFunction.HEATING,
        mode=ThermostatMode.MANUAL,
        set_point=set_point,
        time=at,
        **fields,  # type: ignore[arg-type]
    )


def test_a_pushed_state_older_than_the_one_shown_is_dropped() -> None:
    """A late or replayed push never replaces a newer state; a newer one does."""
    plant = smarther("sm-1", "living")
    assert plant.store_pushed(status(21.0, NOW), None, NOW) is Pushed.STORED
    older = status(18.0, NOW - timedelta(minutes=1))
    assert plant.store_pushed(older, None, NOW) is Pushed.OLDER
    assert plant.thermostats["living"].set_point == 21.0
    newer = status(19.0, NOW + timedelta(minutes=1))
    assert plant.store_pushed(newer, None, NOW) is Pushed.STORED
    assert plant.thermostats["living"].set_point == 19.0
    assert plant.shown_at["living"] == NOW + timedelta(minutes=1)


def test_a_pushed_state_of_unknown_age_has_the_thermostat_read() -> None:
    """A push without a time replaces nothing and asks for a read of the thermostat."""
    plant = smarther("sm-1", "living")
    plant.store_polled(status(21.0, NOW), NOW)
    assert "living" in plant.updated

    assert plant.store_pushed(status(18.0), None, NOW) is Pushed.UNKNOWN_AGE
    assert plant.thermostats["living"].set_point == 21.0
    assert "living" not in plant.updated


def test_a_pushed_state_keeps_what_it_could_not_read() -> None:
    """A field a push could not read keeps the value shown; its time is the event's."""
    plant = smarther("sm-1", "living")
    plant.store_polled(status(21.0, NOW), NOW)
    blank = replace(status(0.0), set_point=None, unreadable=frozenset({"setPoint"}))

    assert plant.store_pushed(blank, NOW + timedelta(seconds=5), NOW) is Pushed.STORED
    assert plant.thermostats["living"].set_point == 21.0


def test_a_poll_overtaken_by_a_push_confirms_without_replacing() -> None:
    """A polled state older than a pushed one leaves it shown, and the thermostat available."""
    plant = smarther("sm-1", "living")
    plant.store_pushed(status(21.0, NOW), None, NOW)
    plant.unavailable.add("living")

    plant.store_polled(status(18.0, NOW - timedelta(minutes=2)), NOW)
    assert plant.thermostats["living"].set_point == 21.0
    assert "living" not in plant.unavailable
    # A poll without a time of its own is as new as its receipt.
    plant.store_polled(status(19.0), NOW)
    assert plant.thermostats["living"].set_point == 19.0


def test_a_command_is_the_newest_state_whatever_the_clocks_say() -> None:
    """A command's effect replaces a state stamped ahead of Home Assistant's clock."""
    plant = smarther("sm-1", "living")
    ahead = NOW + timedelta(minutes=3)
    plant.store_pushed(status(21.0, ahead), None, NOW)

    plant.store_commanded(status(23.0), NOW)
    assert plant.thermostats["living"].set_point == 23.0
    assert plant.shown_at["living"] == ahead
    # Afterwards, a push as old as the state shown may still replace it.
    assert plant.store_pushed(status(22.0, ahead), None, NOW) is Pushed.STORED


def test_times_without_a_zone_are_the_plants_own() -> None:
    """The plant's offset comes from its thermostats' times; activation times take it."""
    plant = smarther("sm-1", "living")
    assert plant.zone is not None
    end = datetime(2025, 1, 15, 18, 0)
    activation = ActivationTime(start=None, end=end)

    plant.store_polled(
        status(21.0, NOW.astimezone(ROME), activation_time=activation), NOW
    )
    assert plant.utc_offset == timedelta(hours=1)
    shown = plant.thermostats["living"].activation_time
    assert shown is not None
    assert shown.start is None
    assert shown.end == end.replace(tzinfo=ROME)
    # A pushed time without a zone is read in the plant's zone too.
    late = status(20.0, datetime(2025, 1, 15, 12, 30))
    assert plant.store_pushed(late, None, NOW) is Pushed.OLDER


def test_a_time_without_a_zone_means_nothing_before_the_plant_zone_is_known() -> None:
    """Until a thermostat gave a time with its offset, a time without one dates nothing."""
    plant = smarther("sm-1", "living")
    naive = status(21.0, datetime(2025, 1, 15, 12, 0))

    assert plant.store_pushed(naive, None, NOW) is Pushed.UNKNOWN_AGE
    assert plant.store_pushed(naive, NOW, NOW) is Pushed.STORED
    assert plant.shown_at["living"] == NOW


def test_a_time_far_ahead_of_the_clock_stands_for_its_receipt() -> None:
    """A pushed time hours ahead is wrong: the state is dated when it was received."""
    plant = smarther("sm-1", "living")
    received = NOW + timedelta(microseconds=250)

    ahead = status(21.0, NOW + timedelta(hours=2))
    assert plant.store_pushed(ahead, None, received) is Pushed.STORED
    assert plant.shown_at["living"] == NOW

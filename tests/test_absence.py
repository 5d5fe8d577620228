"""Tests for absence: a device or plant goes only once successful reads prove it gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
import pytest

from custom_components.legrand_eliot.absence import (
    ABSENT_FOR,
    ABSENT_READS,
    AbsenceTracker,
    TopologyRead,
)
from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.eliot.const import DeviceKind
from custom_components.legrand_eliot.eliot.plant_models import Module, Topology

from .actions import Action
from .cloud import HC_PLANT
from .entities import plug_entity
from .polling import Polled

PLANT_ROUTE = "/hc/api/v1.0/plants/{plantId}"


async def test_removed_module_leaves_the_device_registry(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """A device removed from the plant goes once two reads an hour apart agree it is gone."""
    plant = polled.coordinator.data.home_control[HC_PLANT]
    module = plant.topology.modules[0]
    registry = dr.async_get(hass)
    device = registry.async_get_or_create(
        config_entry_id=polled.entry.entry_id, identifiers={(DOMAIN, module.id)}
    )
    response = await polled.sim.delete(f"/_sim/topology/{HC_PLANT}/modules/{module.id}")
    assert response.status == 200
    await polled.refresh(timedelta(hours=12))
    # One read without it proves nothing yet: the device stays, unavailable.
    assert registry.async_get(device.id) is not None
    assert polled.coordinator.data.home_control_module(module.id) is not None
    await polled.refresh(ABSENT_FOR)
    assert polled.coordinator.data.home_control_module(module.id) is None
    assert registry.async_get(device.id) is None


async def test_a_plant_that_leaves_the_account_asks_no_sign_in(
    hass: HomeAssistant,
    polled: Polled,
) -> None:
    """
    A plant no longer shared with the account is refused with 401, like a bad token.

    The account is fine (its plants list answers): nobody is asked to sign in again, the plant's
    devices stay, unavailable, commands say why, and all is back when it returns.
    """
    plug = plug_entity(hass)
    thermostat_plant = next(iter(polled.coordinator.data.smarther))
    devices = len(
        dr.async_entries_for_config_entry(dr.async_get(hass), polled.entry.entry_id)
    )
    for plant_id in (HC_PLANT, thermostat_plant):
        response = await polled.sim.post(
            f"/_sim/plants/{plant_id}/member", json={"member": False}
        )
        assert response.status == 200
    await polled.refresh()
    await polled.refresh()

    assert polled.entry.state is ConfigEntryState.LOADED
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert hass.states.get(plug).state == STATE_UNAVAILABLE
    assert all(
        state.state == STATE_UNAVAILABLE for state in hass.states.async_all("climate")
    )
    with pytest.raises(HomeAssistantError) as err:
        await Action(polled.entry).switch_plug()
    assert err.value.translation_key == "access_denied"
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert (
        len(
            dr.async_entries_for_config_entry(dr.async_get(hass), polled.entry.entry_id)
        )
        == devices
    )

    for plant_id in (HC_PLANT, thermostat_plant):
        await polled.sim.post(f"/_sim/plants/{plant_id}/member", json={"member": True})
    # Left out of their plants lists, they are seen back at the lists' next read, an hour on.
    await polled.refresh(timedelta(hours=1))
    await polled.refresh()

    assert hass.states.get(plug).state != STATE_UNAVAILABLE
    assert all(
        state.state != STATE_UNAVAILABLE for state in hass.states.async_all("climate")
    )
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


@pytest.mark.parametrize("returns", [False, True], ids=["gone", "back"])
async def test_a_plant_that_left_is_not_polled_and_goes_once_proven_gone(
    hass: HomeAssistant,
    polled: Polled,
    returns: bool,
) -> None:
    """
    A refused plant has its plants list read at once; left out of it, it is polled no more.

    An hour later a second list read proves it gone and its devices are removed; had it come
    back, that read shows it again and it is polled and shown as before.
    """
    registry = dr.async_get(hass)
    plug = plug_entity(hass)

    def status_reads() -> int:
        return int(polled.cloud.counters["by_endpoint"].get(f"GET {PLANT_ROUTE}", 0))

    def plants_list_reads() -> int:
        return int(
            polled.cloud.counters["by_endpoint"].get("GET /hc/api/v1.0/plants", 0)
        )

    await polled.sim.post(f"/_sim/plants/{HC_PLANT}/member", json={"member": False})
    await polled.refresh()
    lists = plants_list_reads()
    await polled.refresh()
    assert plants_list_reads() == lists + 1
    reads = status_reads()
    await polled.refresh()
    await polled.refresh()
    assert status_reads() == reads
    assert hass.states.get(plug).state == STATE_UNAVAILABLE

    if returns:
        await polled.sim.post(f"/_sim/plants/{HC_PLANT}/member", json={"member": True})
    await polled.refresh(timedelta(hours=1))
    await polled.refresh()

    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    device = registry.async_get_device_by_identifier(
        (DOMAIN, HC_PLANT), polled.entry.entry_id
    )
    if returns:
        assert device is not None
        assert status_reads() > reads
        assert hass.states.get(plug).state != STATE_UNAVAILABLE
    else:
        assert device is None
        assert hass.states.get(plug) is None or (
            hass.states.get(plug).state == STATE_UNAVAILABLE
        )


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _topology(*module_ids: str) -> Topology:
    """Return a plant's topology of these light modules."""
    modules = tuple(
        Module(id=module_id, name=None, device=DeviceKind.LIGHT, device_type=None)
        for module_id in module_ids
    )
    return Topology(plant_id="plant", name=None, ambients=(), modules=modules)


@pytest.mark.parametrize(
    ("reads", "proven"),
    [
        # One read without it proves nothing, however long after.
        ([timedelta(0)], False),
        # Two reads, but too close together: a cloud that forgot it for a while.
        ([timedelta(0), ABSENT_FOR - timedelta(seconds=1)], False),
        # Two reads, far enough apart: gone.
        ([timedelta(0), ABSENT_FOR], True),
    ],
    ids=["one-read", "two-reads-too-close", "two-reads-an-hour-apart"],
)
def test_absence_is_proven_by_two_reads_an_hour_apart(
    reads: list[timedelta], proven: bool
) -> None:
    """A device is gone after ABSENT_READS reads without it spanning ABSENT_FOR, not before."""
    assert ABSENT_READS == 2
    tracker = AbsenceTracker()
    gone: set[str] = set()
    for offset in reads:
        gone = tracker.missing({"lamp"}, NOW + offset)
    assert gone == ({"lamp"} if proven else set())
    # A device proven gone is forgotten; one that is not stays counted.
    assert ("lamp" in tracker.absent) is not proven


def test_a_device_listed_again_starts_its_absence_over() -> None:
    """A read that lists a device again forgets its absence: the next miss is a first one."""
    tracker = AbsenceTracker()
    tracker.missing({"lamp"}, NOW)
    tracker.seen({"lamp"})
    assert tracker.absent == {}
    assert tracker.missing({"lamp"}, NOW + ABSENT_FOR) == set()
    assert tracker.missing({"lamp"}, NOW + 2 * ABSENT_FOR) == {"lamp"}


def test_a_proof_is_due_only_an_hour_after_the_first_miss() -> None:
    """A plant's read (or a plants list) can prove a device gone only once ABSENT_FOR passed."""
    tracker = AbsenceTracker()
    topology = _topology("lamp", "plug")
    assert not tracker.proof_due(topology, NOW + ABSENT_FOR)
    assert not tracker.list_proof_due(None, NOW + ABSENT_FOR)
    tracker.missing({"lamp"}, NOW)
    assert not tracker.proof_due(topology, NOW + ABSENT_FOR - timedelta(seconds=1))
    assert tracker.proof_due(topology, NOW + ABSENT_FOR)
    assert not tracker.proof_due(_topology("plug"), NOW + ABSENT_FOR)
    assert not tracker.list_proof_due(None, NOW + ABSENT_FOR - timedelta(seconds=1))
    assert tracker.list_proof_due(None, NOW + ABSENT_FOR)


def test_a_read_notes_only_what_its_successful_reads_left_out() -> None:
    """A topology read misses the modules it no longer lists and has seen those it lists."""
    reading = TopologyRead()
    reading.missing_from(_topology("lamp", "plug"), _topology("plug", "blind"))
    assert reading.missing == {"lamp"}
    assert reading.seen == {"plug", "blind"}
    assert reading.complete

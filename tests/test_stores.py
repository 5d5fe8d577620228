"""The entry's stores: a file of another version, shape or type never blocks setup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.coordinator import LegrandEliotCoordinator
from custom_components.legrand_eliot.stores import (
    ACCOUNT,
    BUDGET,
    LEARNED,
    SILENT_PUSH,
    STORE_KINDS,
    EntryStores,
    StoreKind,
    store_key,
)
from simulator import SimulatedCloud
from tests.moments import START

HC_PLANT = "000000005d1e3bc13598330000000001"
HC_TOPOLOGY = "GET /hc/api/v1.0/plants/{plantId}/topology"
# What each store would hold if it were taken: a budget nearly spent, a plant that changes all
# the time and a household busy at every hour, an account of no plant at all.
TAKEN_USED = 400
TAKEN_RATE = 1e6
TAKEN_HOURS = 1000.0
GOOD: dict[StoreKind, dict[str, Any]] = {
    BUDGET: {
        "version": 1,
        "daily_limit": 500,
        "used": TAKEN_USED,
        "reset_at": (START + timedelta(hours=12)).isoformat(),
        "reset_learned": False,
        "paused_until": None,
        "paused_daily": False,
    },
    LEARNED: {
        "version": 1,
        "rates": {HC_PLANT: [TAKEN_RATE, 1.0]},
        "hours": [TAKEN_HOURS] * 24,
        "hours_at": None,
    },
    ACCOUNT: {
        "home_control": {"read_at": START.isoformat(), "plants": []},
        "smarther": {"read_at": START.isoformat(), "plants": []},
    },
}
WRONG_TYPES: dict[StoreKind, dict[str, Any]] = {
    BUDGET: {"used": "many", "reset_at": 12},
    LEARNED: {"version": 1, "rates": 5, "hours": "every hour"},
    ACCOUNT: {"home_control": 3, "smarther": []},
}
DAMAGE: dict[str, Callable[[StoreKind], dict[str, Any]]] = {
    "newer version": lambda kind: {"version": kind.version + 1, "data": GOOD[kind]},
    "older version without a migration": lambda kind: {
        "version": kind.version - 1,
        "data": GOOD[kind],
    },
    "version not a number": lambda kind: {"version": "2", "data": GOOD[kind]},
    "not an object": lambda kind: {"version": kind.version, "data": ["a", 1]},
    "wrong types": lambda kind: {"version": kind.version, "data": WRONG_TYPES[kind]},
}


def _calls(cloud: SimulatedCloud) -> int:
    """Return the calls the simulated gateway counted for the account today."""
    return int(cloud.counters["quota"][cloud.user().email]["used"])


def defaults_in_use(
    kind: StoreKind, coordinator: LegrandEliotCoordinator, cloud: SimulatedCloud
) -> None:
    """Assert that what the store would have given is not in use: the defaults are."""
    if kind is BUDGET:
        # Counted from zero: exactly the calls this setup made.
        assert coordinator.budget.calls_used == _calls(cloud) < TAKEN_USED
    elif kind is LEARNED:
        assert coordinator.schedule.rate_of(HC_PLANT, 1.0).rate < TAKEN_RATE / 2
        assert max(coordinator.schedule.day.counts) < TAKEN_HOURS / 2
    else:
        # Read from the cloud: every plant and its topology.
        assert cloud.counters["by_endpoint"][HC_TOPOLOGY] >= 1
        assert coordinator.data.home_control
        assert coordinator.data.smarther


@dataclass(frozen=True, slots=True)
class Kept:
    """Home Assistant's storage, an entry not set up yet and the simulated cloud."""

    hass: HomeAssistant
    storage: dict[str, Any]
    entry: MockConfigEntry
    cloud: SimulatedCloud

    async def set_up_with(
        self, kind: StoreKind, stored: dict[str, Any]
    ) -> LegrandEliotCoordinator:
        """Put a file in the store of the entry, set it up and return its coordinator."""
        key = store_key(self.entry.entry_id, kind)
        self.storage[key] = {"key": key, **stored}
        self.entry.add_to_hass(self.hass)
        assert await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.hass.async_block_till_done()
        assert self.entry.state is ConfigEntryState.LOADED
        coordinator: LegrandEliotCoordinator = self.entry.runtime_data.coordinator
        return coordinator

    async def set_up_with_minor_version(
        self, kind: StoreKind, minor_version: int, caplog: pytest.LogCaptureFixture
    ) -> LegrandEliotCoordinator:
        """Set the entry up with a good file of another minor version; assert no warning."""
        stored = {"version": kind.version, "minor_version": minor_version}
        with caplog.at_level(logging.WARNING):
            coordinator = await self.set_up_with(kind, {**stored, "data": GOOD[kind]})
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        return coordinator

    def written(self, kind: StoreKind) -> Any:
        """Return the file last written to the store of the entry."""
        return self.storage[store_key(self.entry.entry_id, kind)]


@pytest.fixture
def kept(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
) -> Kept:
    """Return Home Assistant's storage, the entry not set up yet and the simulated cloud."""
    return Kept(hass, hass_storage, config_entry, cloud)


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("kind", STORE_KINDS, ids=lambda kind: kind.name)
async def test_a_store_of_another_version_shape_or_type_is_set_aside(
    kept: Kept,
    caplog: pytest.LogCaptureFixture,
    kind: StoreKind,
    damage: str,
) -> None:
    """Setup goes on with the defaults and one warning naming the store; the file is replaced."""
    with caplog.at_level(logging.WARNING):
        coordinator = await kept.set_up_with(kind, DAMAGE[damage](kind))

    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING
        and record.name.startswith("custom_components.legrand_eliot")
    ]
    assert len(warnings) == 1, warnings
    assert f"stored {kind.name}" in warnings[0]
    defaults_in_use(kind, coordinator, kept.cloud)
    # The next write replaces the file with one this version reads back.
    assert await kept.hass.config_entries.async_unload(kept.entry.entry_id)
    written = kept.written(kind)
    assert written["version"] == kind.version
    assert isinstance(written["data"], dict)
    caplog.clear()
    assert await kept.hass.config_entries.async_setup(kept.entry.entry_id)
    await kept.hass.async_block_till_done()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_newer_minor_version_is_read(
    kept: Kept, caplog: pytest.LogCaptureFixture
) -> None:
    """A minor version bump keeps what older releases read: the budget spent is kept."""
    coordinator = await kept.set_up_with_minor_version(BUDGET, 2, caplog)

    assert coordinator.budget.calls_used == TAKEN_USED + _calls(kept.cloud)


async def test_removing_the_entry_forgets_every_store(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    """Each store is written by the time the entry unloads, and goes with the entry."""
    keys = [store_key(init_integration.entry_id, kind) for kind in STORE_KINDS]
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert all(key in hass_storage for key in keys)
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert not any(key in hass_storage for key in keys)


@pytest.fixture
def stores_learned(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> Callable[[dict[str, Any]], EntryStores]:
    """Return how to keep what polling learned for an entry, and get the entry's stores."""

    def keep(data: dict[str, Any]) -> EntryStores:
        key = store_key("entry", LEARNED)
        hass_storage[key] = {"key": key, "version": LEARNED.version, "data": data}
        return EntryStores(hass, "entry")

    return keep


async def test_values_polling_cannot_use_are_set_aside_alone(
    stores_learned: Callable[[dict[str, Any]], EntryStores],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What polling learned is kept but for the values it cannot use: one warning names them."""
    stores = stores_learned({"rates": {}})
    given: list[Any] = []

    def restore(stored: Any) -> int:
        given.append(stored)
        return 2 if len(given) == 1 else 0

    await stores.async_restore_learned(restore)
    assert given == [{"rates": {}}]
    assert (
        "Part of the stored polling schedule was set aside (2 unusable values)"
        in caplog.text
    )
    caplog.clear()
    await stores.async_restore_learned(restore)
    assert "set aside" not in caplog.text


async def test_a_learned_store_of_the_first_minor_version_is_read(
    kept: Kept, caplog: pytest.LogCaptureFixture
) -> None:
    """A file from before silent push was kept still loads; the next write adds it."""
    coordinator = await kept.set_up_with_minor_version(LEARNED, 1, caplog)

    assert coordinator.schedule.rate_of(HC_PLANT, 1.0).changes > TAKEN_RATE / 2
    assert max(coordinator.schedule.day.counts) > TAKEN_HOURS / 2
    assert coordinator.push.silent == {}
    assert await kept.hass.config_entries.async_unload(kept.entry.entry_id)
    written = kept.written(LEARNED)
    assert written["minor_version"] == LEARNED.minor_version == 2
    assert written["data"][SILENT_PUSH] == {}


async def test_a_kept_silence_that_cannot_be_used_is_set_aside_alone(
    stores_learned: Callable[[dict[str, Any]], EntryStores],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A silent plant kept with a time that is no time is counted with polling's values."""
    data = {"rates": {}, SILENT_PUSH: {"plant": "soon"}}
    stores = stores_learned(data)
    given: list[Any] = []

    def restore_silent(raw: Any) -> int:
        given.append(raw)
        return 1

    await stores.async_restore_learned(lambda _stored: 0, restore_silent)
    assert given == [{"plant": "soon"}]
    assert (
        "Part of the stored polling schedule was set aside (1 unusable value)"
        in caplog.text
    )

"""The account's topology: its plants lists and plants read when due, and devices proven gone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import math
from typing import Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.util import dt as dt_util

from .absence import AbsenceTracker, TopologyRead
from .const import DOMAIN, LOGGER
from .data import EliotData, HomeControlPlant, SmartherPlant
from .eliot import EliotClient
from .eliot.exceptions import (
    EliotAuthError,
    EliotError,
    EliotNotFoundError,
    EliotQuotaExceededError,
)
from .eliot.plant_models import Plant, Topology
from .issues import ISSUE_HOME_CONTROL_RETIRED, clear_issue, raise_issue

# Topology, scenes, programs and the plants lists change rarely: read them twice a day.
TOPOLOGY_INTERVAL = timedelta(hours=12)
# A 404 on the Home + Control plants list means that API is retired for the account only once it
# has lasted this long: a single 404 is a passing fault and removes nothing.
RETIRED_AFTER = timedelta(days=1)
# A plants list that failed is read again this much later (at once while nothing is known).
FAILED_LIST_RETRY = timedelta(hours=1)
# A plant that refused the account is tried again this much later (each try costs 3 calls).
DENIED_RETRY = timedelta(hours=1)
# A status naming a module the topology lacks has the topology read again, at most this often.
UNKNOWN_MODULE_INTERVAL = timedelta(hours=1)
# The keys under which the plants lists' failures are logged and kept for diagnostics.
HC_PLANTS_KEY = "home_control_plants"
SMARTHER_PLANTS_KEY = "smarther_plants"


class SmartherCall(Protocol):
    """Make a Smarther call; None when it failed (the failure is logged and kept)."""

    async def __call__[**P, T](
        self,
        what: str,
        call: Callable[P, Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """Make the call."""


@dataclass(slots=True)
class PlantsList:
    """One API's plants list: when it was read, and when a failure has it read again."""

    # The key under which its failures are logged and kept for diagnostics.
    key: str
    read_at: datetime | None = None
    retry_at: datetime | None = None
    # Home + Control's failures in a row, and the first of an unbroken run of 404s.
    failures: int = 0
    not_found_since: datetime | None = None

    def due(self, now: datetime) -> bool:
        """Return whether the list is due by its schedule: never read, stale, or retried."""
        return (
            self.read_at is None
            or now - self.read_at >= TOPOLOGY_INTERVAL
            or (self.retry_at is not None and now >= self.retry_at)
        )

    def answered(self) -> None:
        """Forget the failures: the list was read."""
        self.retry_at = self.not_found_since = None
        self.failures = 0


def all_plants(data: EliotData) -> Mapping[str, HomeControlPlant | SmartherPlant]:
    """Return every plant of the account, of both APIs, by id (from the account's index)."""
    return data.plants


def plant_read_calls(plant: HomeControlPlant | SmartherPlant) -> int:
    """Return the calls of one plant's read: topology and scenes, or topology and programs."""
    if isinstance(plant, HomeControlPlant):
        return 2
    return 1 + len(plant.topology.modules)


def _reads_before(read_at: datetime | None, moment: datetime) -> int:
    """Return how many reads on the topology schedule fall before a moment (now, if never)."""
    if read_at is None:
        return 1
    due = read_at + TOPOLOGY_INTERVAL
    return max(0, math.ceil((moment - due) / TOPOLOGY_INTERVAL))


def _empty_topology(plant: Plant) -> Topology:
    """Return the topology of a plant not read yet."""
    return Topology(plant_id=plant.id, name=plant.name, ambients=(), modules=())


class TopologyReader:
    """Read the plants lists and the plants' topologies when due; remove what left for good."""

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConfigEntry,
        client: EliotClient,
        *,
        shown: Callable[[], EliotData | None],
        smarther_call: SmartherCall,
        failed: Callable[[str, str | None, EliotError], None],
        recovered: Callable[[str], None],
        save: Callable[[EliotData], None],
    ) -> None:
        """Keep what the reads need: the account shown, the logging of failures, the store."""
        self._hass = hass
        self._entry = config_entry
        self._client = client
        self._shown = shown
        self._smarther_call = smarther_call
        self._failed = failed
        self._recovered = recovered
        self._save = save
        self.home_control = PlantsList(HC_PLANTS_KEY)
        self.smarther = PlantsList(SMARTHER_PLANTS_KEY)
        # Plants that refused the account (a 401 a fresh token did not cure while the plants
        # list answered), and when: no longer shared, most likely. Not polled while a plants
        # list leaves them out (until it lists them again or proves them gone), nor for an hour
        # after the refusal: each try costs three calls.
        self._denied: dict[str, datetime] = {}
        # Plants whose status named a module the topology lacks, and the last read for them.
        self._wanted: set[str] = set()
        self._unknown_read_at: datetime | None = None
        # When a plant whose topology read failed may be tried again.
        self._retry_at: dict[str, datetime] = {}
        self._absence = AbsenceTracker()

    def restore(
        self, hc_read_at: datetime | None, smarther_read_at: datetime | None
    ) -> None:
        """Go on from the plants lists' read times kept by the account store."""
        self.home_control.read_at = hc_read_at
        self.smarther.read_at = smarther_read_at

    def due(self) -> bool:
        """Return whether a plants list or a plant's topology should be read now."""
        now = dt_util.utcnow()
        shown = self._shown()
        data = shown if shown is not None else EliotData()
        return (
            self._list_due(self.home_control, now)
            or self._list_due(self.smarther, now)
            or bool(self._plants_to_read(data, now))
        )

    def calls_due(self, data: EliotData, at: datetime | None = None) -> int:
        """Return what the topology reads due at a refresh at `at` (now) will cost."""
        now = dt_util.utcnow() if at is None else at
        calls = int(self._list_due(self.home_control, now)) + int(
            self._list_due(self.smarther, now)
        )
        plants = all_plants(data)
        return calls + sum(
            plant_read_calls(plants[plant_id])
            for plant_id in self._plants_to_read(data, now)
        )

    def calls_before(self, data: EliotData, moment: datetime) -> int:
        """Return the calls of the topology reads that fall due before a moment.

        Each plants list and each plant keeps its own read time: a plant read later in a
        spread round falls due later in the next one, so each is counted by its own time.
        """
        calls = _reads_before(self.home_control.read_at, moment) + _reads_before(
            self.smarther.read_at, moment
        )
        return calls + sum(
            _reads_before(plant.read_at, moment) * plant_read_calls(plant)
            for plant in all_plants(data).values()
        )

    def want(self, plant_id: str) -> None:
        """Have a plant's topology read soon: its status named a module it lacks."""
        self._wanted.add(plant_id)

    def answered(self, plant_id: str) -> None:
        """Note that a plant answered: it no longer refuses the account."""
        self._denied.pop(plant_id, None)

    def left(self, plant_id: str) -> bool:
        """Return whether a plant that refused the account waits instead of being polled.

        It waits while the plants list leaves it out, and for an hour after each refusal.
        """
        denied = self._denied.get(plant_id)
        return denied is not None and (
            plant_id in self._absence.absent or dt_util.utcnow() < denied + DENIED_RETRY
        )

    def refused(self, what: str) -> None:
        """
        Note a plant (or the plant of a thermostat) that refused the account.

        Its plants list is read at the next refresh: a plant that left the account is then seen
        missing, and is not polled again until a list shows it back or proves it gone.
        """
        plant_id = what
        shown = self._shown()
        if shown is not None and (found := shown.thermostat(what)) is not None:
            plant_id = found[0].plant.id
        now = dt_util.utcnow()
        first = plant_id not in self._denied
        self._denied[plant_id] = now
        if not first:
            return
        if shown is not None and plant_id in shown.smarther:
            self.smarther.retry_at = now
        else:
            self.home_control.retry_at = now

    def _list_due(self, plants_list: PlantsList, now: datetime) -> bool:
        """Return whether a plants list is due: by its schedule, or to prove a device gone."""
        return plants_list.due(now) or self._absence.list_proof_due(self._shown(), now)

    def _plants_to_read(self, data: EliotData, now: datetime) -> list[str]:
        """
        Return the plants whose topology a refresh now reads: each new one, and one more.

        A plant never read is read at once. Of the others one per refresh, so that a large
        account's topology is read over several refreshes instead of in one burst: first one
        whose status named a module its topology lacks (at most hourly), then one holding a
        device that a read could now prove gone, then the one read longest ago once the
        topology interval has passed. A plant whose read failed waits before it is tried again;
        a plant that may have left the account is left to the plants list.
        """
        plants = {
            plant_id: plant
            for plant_id, plant in all_plants(data).items()
            if plant_id not in self._absence.absent
            and now >= self._retry_at.get(plant_id, now)
        }
        new = [plant_id for plant_id, plant in plants.items() if plant.read_at is None]
        read = {
            plant_id: plant.read_at
            for plant_id, plant in plants.items()
            if plant.read_at is not None
        }
        unknown_allowed = (
            self._unknown_read_at is None
            or now - self._unknown_read_at >= UNKNOWN_MODULE_INTERVAL
        )
        wanted = [p for p in read if unknown_allowed and p in self._wanted]
        proving = [
            p
            for p in read
            if self._absence.absent and self._absence.proof_due(plants[p].topology, now)
        ]
        stale = sorted(
            (p for p, read_at in read.items() if now - read_at >= TOPOLOGY_INTERVAL),
            key=read.__getitem__,
        )
        return new + [*wanted, *proving, *stale][:1]

    async def async_read(self, old: EliotData) -> EliotData:
        """Read the plants lists and topologies that are due; an error never means gone."""
        now = dt_util.utcnow()
        # New mappings: a plant read now must not replace the one `old` keeps to compare.
        data = EliotData(
            home_control=dict(old.home_control), smarther=dict(old.smarther)
        )
        reading = TopologyRead()
        if self._list_due(self.home_control, now):
            data.home_control = await self._async_read_list(
                self.home_control,
                old.home_control,
                HomeControlPlant,
                lambda: self._async_hc_plants(now),
                reading=reading,
                now=now,
            )
        if self._list_due(self.smarther, now):
            data.smarther = await self._async_read_list(
                self.smarther,
                old.smarther,
                SmartherPlant,
                lambda: self._async_smarther_plants(bool(old.smarther), now),
                reading=reading,
                now=now,
            )
        for plant_id in self._plants_to_read(data, now):
            await self._async_read_plant(data, plant_id, reading, now)
        # Only a plant read whole at least once speaks for the devices it holds.
        reading.complete = reading.complete and all(
            plant.read_at is not None for plant in all_plants(data).values()
        )
        gone = self._absence.settle(
            old, data, reading, lambda: _registered_ids(self._hass, self._entry), now
        )
        if gone:
            _remove_devices(self._hass, self._entry, gone)
        # What was read, and when, is kept: the next start shows it without reading it again.
        self._save(data)
        return data

    async def _async_read_list[P: (HomeControlPlant, SmartherPlant)](
        self,
        plants_list: PlantsList,
        old: dict[str, P],
        plant_type: Callable[[Plant, Topology], P],
        read: Callable[[], Awaitable[list[Plant] | None]],
        *,
        reading: TopologyRead,
        now: datetime,
    ) -> dict[str, P]:
        """Read one API's plants list; keep what a failure hides.

        A plant listed for the first time gets an empty topology, read in the same refresh.
        """
        plants_list.read_at = now
        if (listed := await read()) is None:
            reading.complete = False
            return dict(old)
        plants_list.answered()
        self._recovered(plants_list.key)
        result = {
            plant.id: plant_type(plant, _empty_topology(plant))
            if (previous := old.get(plant.id)) is None
            else replace(previous, plant=plant)
            for plant in listed
        }
        reading.plants_missing(old, result)
        return result

    async def _async_hc_plants(self, now: datetime) -> list[Plant] | None:
        """Return the Home + Control plants list; None when it failed."""
        try:
            plants = await self._client.hc_plants()
        except EliotQuotaExceededError, EliotAuthError:
            raise
        except EliotNotFoundError as err:
            self._hc_list_failed(now, err, not_found=True)
            return None
        except EliotError as err:
            self._hc_list_failed(now, err, not_found=False)
            return None
        clear_issue(self._hass, self._entry, ISSUE_HOME_CONTROL_RETIRED)
        return plants

    def _hc_list_failed(
        self, now: datetime, err: EliotError, *, not_found: bool
    ) -> None:
        """Note a failed Home + Control plants list; a 404 that lasts a day says it retired."""
        hc = self.home_control
        self._failed(hc.key, "The Home + Control plants list", err)
        # A passing fault is read again at the next refresh, a lasting one every hour.
        hc.failures += 1
        hc.retry_at = now + (timedelta() if hc.failures == 1 else FAILED_LIST_RETRY)
        if not not_found:
            hc.not_found_since = None
            return
        if hc.not_found_since is None:
            hc.not_found_since = now
        if now - hc.not_found_since >= RETIRED_AFTER:
            # Legrand moved Home + Control to Netatmo: this account's H+C API is gone.
            raise_issue(
                self._hass,
                self._entry,
                ISSUE_HOME_CONTROL_RETIRED,
                severity=ir.IssueSeverity.WARNING,
            )
            hc.retry_at = None

    async def _async_smarther_plants(
        self, known: bool, now: datetime
    ) -> list[Plant] | None:
        """Return the Smarther plants list; None when it failed."""
        plants = await self._smarther_call(
            self.smarther.key, self._client.smarther_plants
        )
        if plants is None:
            # The thermostats known so far stay, with their devices and push subscriptions.
            self.smarther.retry_at = now + (FAILED_LIST_RETRY if known else timedelta())
        return plants

    async def _async_read_plant(
        self, data: EliotData, plant_id: str, reading: TopologyRead, now: datetime
    ) -> None:
        """Read one plant's topology (and scenes, or programs); a failure is retried later."""
        if plant_id in self._wanted:
            self._wanted.discard(plant_id)
            self._unknown_read_at = now
        old: HomeControlPlant | SmartherPlant
        read: HomeControlPlant | SmartherPlant | None
        if (hc_plant := data.home_control.get(plant_id)) is not None:
            old = hc_plant
            read = hc_read = await self._async_home_control_topology(hc_plant, now)
            if hc_read is not None:
                data.home_control[plant_id] = hc_read
        else:
            old = smarther_plant = data.smarther[plant_id]
            read = smarther_read = await self._async_smarther_topology(
                smarther_plant, now
            )
            if smarther_read is not None:
                data.smarther[plant_id] = smarther_read
        if read is None:
            reading.complete = False
            self._retry_at[plant_id] = now + FAILED_LIST_RETRY
            return
        self._retry_at.pop(plant_id, None)
        reading.missing_from(old.topology, read.topology)

    async def _async_home_control_topology(
        self, old: HomeControlPlant, now: datetime
    ) -> HomeControlPlant | None:
        """Read a plant's topology and scenes; None when it failed (the old ones stay)."""
        plant = old.plant
        try:
            topology = await self._client.hc_topology(plant.id)
            scenes = await self._client.hc_scenes(plant.id)
        except EliotQuotaExceededError, EliotAuthError:
            raise
        except EliotError as err:
            self._failed(plant.id, plant.name, err)
            return None
        return replace(old, topology=topology, scenes=scenes, read_at=now)

    async def _async_smarther_topology(
        self, old: SmartherPlant, now: datetime
    ) -> SmartherPlant | None:
        """Read a Smarther plant's thermostats and their programs; None when it failed."""
        plant = old.plant
        topology = await self._smarther_call(
            plant.id, self._client.smarther_topology, plant.id
        )
        if topology is None:
            return None
        # The thermostats' states, programs and times stay; a program list that fails too.
        result = replace(old, topology=topology, read_at=now)
        for module in topology.modules:
            programs = await self._smarther_call(
                module.id, self._client.program_list, plant.id, module.id
            )
            if programs is not None:
                result.programs[module.id] = programs
        return result


def _registered_ids(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """Return the plant and module ids of an entry's devices in the registry."""
    registry = dr.async_get(hass)
    return {
        ident
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        for domain, ident in device.identifiers
        if domain == DOMAIN
    }


def _remove_devices(hass: HomeAssistant, entry: ConfigEntry, gone: set[str]) -> None:
    """Remove an entry's devices of plants and modules proven gone from the account."""
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
        if ids and ids <= gone:
            LOGGER.info("Removing device %s: it left the account", device.name)
            registry.async_remove_device(device.id)

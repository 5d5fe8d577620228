"""Proof that a device left the account: repeated successful reads without it, far enough apart."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from .data import EliotData, HomeControlPlant, SmartherPlant
from .eliot.plant_models import Topology

# A device is gone once this many successful reads in a row did not list it...
ABSENT_READS = 2
# ...the first and the last at least this far apart: a cloud that forgets a device for a few
# minutes (a gateway resync, a replica behind) costs nothing.
ABSENT_FOR = timedelta(hours=1)


@dataclass(slots=True)
class Absence:
    """Since when, and in how many successful reads, a device was missing."""

    since: datetime
    reads: int = 1


@dataclass(slots=True)
class AbsenceTracker:
    """Count the successful reads that did not list a device; errors never count."""

    absent: dict[str, Absence] = field(default_factory=dict)

    def seen(self, ids: Iterable[str]) -> None:
        """Forget the absence of devices a read listed again."""
        for device_id in ids:
            self.absent.pop(device_id, None)

    def missing(self, ids: Iterable[str], now: datetime) -> set[str]:
        """Count one more successful read without these devices; return those proven gone."""
        gone: set[str] = set()
        for device_id in ids:
            absence = self.absent.get(device_id)
            if absence is None:
                self.absent[device_id] = Absence(now)
                continue
            absence.reads += 1
            if absence.reads >= ABSENT_READS and now - absence.since >= ABSENT_FOR:
                gone.add(device_id)
        for device_id in gone:
            del self.absent[device_id]
        return gone

    def list_proof_due(self, shown: EliotData | None, now: datetime) -> bool:
        """Return whether a plants list could now prove that a plant or stray device is gone.

        A module missing from its plant's topology is proven by that plant's own read.
        """
        if not self.absent:
            return False
        held = set() if shown is None else shown.module_ids()
        return any(
            now >= absence.since + ABSENT_FOR
            for device_id, absence in self.absent.items()
            if device_id not in held
        )

    def proof_due(self, topology: Topology, now: datetime) -> bool:
        """Return whether a read of this topology could now prove one of its modules gone."""
        absent = self.absent
        return any(
            now >= absent[module.id].since + ABSENT_FOR
            for module in topology.modules
            if module.id in absent
        )

    def settle(
        self,
        old: EliotData,
        data: EliotData,
        reading: TopologyRead,
        registered: Callable[[], set[str]],
        now: datetime,
    ) -> set[str]:
        """Count absences seen by successful reads; keep devices not proven gone yet.

        Return the devices proven gone. `registered` returns the ids the device registry holds.
        """
        present = data.device_ids()
        # Devices kept from earlier reads are neither seen nor missed by this one.
        self.seen(reading.seen)
        missing = set(reading.missing)
        if reading.complete:
            # A complete listing also speaks for devices known only to the registry.
            missing |= registered() - present
        gone = self.missing(missing - present, now)
        retain(old, data, (missing - present) - gone)
        return gone


@dataclass(slots=True)
class TopologyRead:
    """What one topology read proved: the ids its successful reads did not list.

    Only a complete listing (every read of it succeeded) speaks for devices it never knew.
    """

    missing: set[str] = field(default_factory=set)
    # The ids the successful reads listed: only these are proven present.
    seen: set[str] = field(default_factory=set)
    complete: bool = True

    def missing_from(self, old: Topology, new: Topology) -> None:
        """Note the modules a successful topology read no longer lists."""
        self.missing.update(module.id for module in old.modules)
        self.missing.difference_update(module.id for module in new.modules)
        self.seen.update(module.id for module in new.modules)

    def plants_missing(
        self, old: Mapping[str, HomeControlPlant | SmartherPlant], listed: Iterable[str]
    ) -> None:
        """Note the plants (and their modules) a successful plants list no longer lists."""
        listed = set(listed)
        self.seen.update(listed)
        for plant_id in set(old) - listed:
            self.missing.add(plant_id)
            self.missing.update(module.id for module in old[plant_id].topology.modules)


def retain(old: EliotData, data: EliotData, keep: set[str]) -> None:
    """Put back the plants and modules missing from a read but not proven gone yet."""
    for plant_id in keep & set(old.home_control):
        if plant_id not in data.home_control:
            data.home_control[plant_id] = old.home_control[plant_id]
            data.home_control[plant_id].available = False
    for plant_id in keep & set(old.smarther):
        data.smarther.setdefault(plant_id, old.smarther[plant_id])
    for plants, old_plants in (
        (data.home_control, old.home_control),
        (data.smarther, old.smarther),
    ):
        for plant_id, plant in plants.items():
            if (previous := old_plants.get(plant_id)) is None:
                continue
            kept = tuple(
                module
                for module in previous.topology.modules
                if module.id in keep and plant.topology.module(module.id) is None
            )
            if kept:
                plant.topology = replace(
                    plant.topology, modules=plant.topology.modules + kept
                )

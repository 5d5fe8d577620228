"""Proof that a device left the account: repeated successful reads without it, far enough apart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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

"""Where push updates of an entry stand: what the coordinator, the webhook and diagnostics share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from .poll_schedule import RECONCILE_INTERVAL

# While a thermostat's reads fail, a pushed state vouches for it this long after its own time:
# as long as push alone keeps a thermostat shown between two reconciliation reads.
PUSH_VOUCHES_FOR: timedelta = RECONCILE_INTERVAL


class PushState(StrEnum):
    """Where push updates of an entry stand."""

    # No Smarther plant: nothing to push.
    OFF = "off"
    STARTING = "starting"
    # No https address Legrand could post to: polling only, and a repair issue says why.
    NO_URL = "no_url"
    # Every Smarther plant has a subscription.
    ACTIVE = "active"
    # Some plants have a subscription, the others are retried later.
    PARTIAL = "partial"
    # No plant could be subscribed; retried later.
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(slots=True)
class PushHealth:
    """How push updates are doing: what diagnostics and a diagnostic sensor show."""

    state: PushState = PushState.STARTING
    # "cloudhook", "external" or "development": which kind of address Legrand posts to.
    url_kind: str | None = None
    # The subscription id of each subscribed Smarther plant.
    subscriptions: dict[str, str] = field(default_factory=dict)
    failed_plants: set[str] = field(default_factory=set)
    # Subscribed plants whose events have reached Home Assistant since they were subscribed.
    receiving: set[str] = field(default_factory=set)
    # Bodies accepted by the webhook.
    deliveries: int = 0
    # Thermostat states received for thermostats this entry knows.
    events: int = 0
    # Thermostat states for unknown plants or modules, or older than what was polled since.
    ignored: int = 0
    # Bodies or events refused: too large, not JSON, not events.
    rejected: int = 0
    # Times pushed states were written to Home Assistant (bursts are written once).
    writes: int = 0
    # When the last thermostat state arrived.
    last_event: datetime | None = None
    # Thermostat polls skipped because push kept the thermostat fresh.
    polls_saved: int = 0

    def covers(self, plant_id: str) -> bool:
        """Return whether this plant's changes are known to reach Home Assistant by push.

        A subscription alone is not enough: an address Legrand cannot reach would otherwise
        leave the thermostats polled only at reconciliation time.
        """
        return plant_id in self.subscriptions and plant_id in self.receiving


@dataclass(slots=True)
class PushEvidence:
    """What vouches for each thermostat's state while its reads fail: a recent pushed state.

    A failed read hides a thermostat only when nothing newer vouches for it: a pushed state
    newer than the last read that worked, and younger than `PUSH_VOUCHES_FOR`. Times are the
    coordinator's clock (a pushed state's own time, capped at its receipt).
    """

    # When each thermostat was last read, or commanded, with success.
    read_at: dict[str, datetime] = field(default_factory=dict)
    # The time of each thermostat's newest pushed state shown.
    pushed_at: dict[str, datetime] = field(default_factory=dict)
    # Thermostats whose last read failed (none has worked since).
    failing: set[str] = field(default_factory=set)

    def read(self, module_id: str, at: datetime) -> None:
        """Note a read (or a command) that worked: the thermostat answers."""
        self.read_at[module_id] = at
        self.failing.discard(module_id)

    def failed(self, module_id: str) -> None:
        """Note a read that failed."""
        self.failing.add(module_id)

    def pushed(self, module_id: str, moment: datetime) -> None:
        """Note a pushed state shown, by its own time."""
        before = self.pushed_at.get(module_id)
        if before is None or moment > before:
            self.pushed_at[module_id] = moment

    def vouched_until(self, module_id: str) -> datetime | None:
        """Return until when a pushed state vouches for a thermostat; None if none does."""
        pushed = self.pushed_at.get(module_id)
        if pushed is None:
            return None
        read = self.read_at.get(module_id)
        if read is not None and pushed <= read:
            return None
        return pushed + PUSH_VOUCHES_FOR

    def shown(self, module_id: str, now: datetime) -> bool:
        """Return whether a thermostat's state may be shown: its reads work, or a push vouches."""
        if module_id not in self.failing:
            return True
        until = self.vouched_until(module_id)
        return until is not None and now < until

    def expiry(self, module_id: str) -> datetime | None:
        """Return when the push vouching for a thermostat whose reads fail runs out."""
        return self.vouched_until(module_id) if module_id in self.failing else None

    def expiries(self, now: datetime) -> list[datetime]:
        """Return when the vouches of thermostats whose reads fail run out, after now."""
        return [
            until
            for module_id in self.failing
            if (until := self.vouched_until(module_id)) is not None and until > now
        ]

    def forget(self, kept: set[str]) -> None:
        """Drop what is known of thermostats no longer held."""
        for times in (self.read_at, self.pushed_at):
            for module_id in set(times) - kept:
                del times[module_id]
        self.failing &= kept

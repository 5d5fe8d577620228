"""Where push updates of an entry stand: what the coordinator, the webhook and diagnostics share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .eliot.const import ThermostatMode
from .eliot.parsing import ParseError, timestamp
from .eliot.smarther_models import ThermostatStatus
from .poll_schedule import RECONCILE_INTERVAL

# Changes that reconciliation polls found and push never brought, with no delivery from the
# plant in between, before push of that plant counts as silent. A lost event or two (a short
# ban, a late delivery) is corrected by the polls and forgotten at the next delivery.
MISSED_FOR_SILENT = 3
# A change push never brought, after this long without any delivery from the plant, is enough
# on its own: a home whose thermostats change rarely must not wait for three.
QUIET_FOR_SILENT = timedelta(hours=12)
# The subscription of a silent plant is renewed at most this often.
RESUBSCRIBE_INTERVAL = timedelta(hours=6)

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
    # Subscribed, but Legrand stopped delivering for some plant: its thermostats are polled.
    SILENT = "silent"


def person_key(status: ThermostatStatus) -> tuple[Any, ...]:
    """Return what a person changes of a thermostat: what push is for, and brings at once.

    Not what the thermostat does on its own, which Legrand may not push: the set point a
    program moves to, the load switching.
    """
    return (
        status.function,
        status.mode,
        status.programs,
        None if status.mode is ThermostatMode.AUTOMATIC else status.set_point,
        status.activation_time,
    )


def missed_by_push(
    shown: ThermostatStatus | None, polled: ThermostatStatus, now: datetime
) -> bool:
    """Return whether a poll kept a person's change that push should have brought first."""
    if shown is None or polled is shown or person_key(shown) == person_key(polled):
        return False
    # A timed mode that ran out is the thermostat's own doing, pushed or not.
    end = None if shown.activation_time is None else shown.activation_time.end
    return end is None or (end.tzinfo is not None and end > now)


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
    # When the webhook last accepted a body, and how late the last thermostat state arrived.
    last_delivery: datetime | None = None
    last_event_lag: timedelta | None = None
    # Pushed states dropped because a newer one was shown already (late or replayed).
    stale: int = 0
    # Per subscribed plant: when a state last arrived (or the subscription was made), the
    # changes polls found since that push never brought, and since when push is silent.
    heard_at: dict[str, datetime] = field(default_factory=dict)
    missed: dict[str, int] = field(default_factory=dict)
    silent: dict[str, datetime] = field(default_factory=dict)
    resubscribed_at: dict[str, datetime] = field(default_factory=dict)
    # Silent plants whose subscription the cloud no longer listed when push fell silent: they
    # were subscribed again, and are named in the notice only if still silent at the renewal.
    unlisted: set[str] = field(default_factory=set)

    def note_address(self, kind: str) -> None:
        """Note the kind of address the plants are subscribed to."""
        self.url_kind = kind

    def note_no_address(self, has_plants: bool) -> None:
        """Note that Legrand has no address to post to: push is off, or waits for one."""
        self.url_kind = None
        self.state = PushState.NO_URL if has_plants else PushState.OFF

    def note_subscribed(
        self, plant_id: str, subscription_id: str, now: datetime
    ) -> None:
        """Note a plant just subscribed: none of its events has arrived yet.

        The new subscription of a silent plant counts as its renewal: the next one waits.
        """
        self.subscriptions[plant_id] = subscription_id
        self.receiving.discard(plant_id)
        self.watching(plant_id, now)
        if plant_id in self.silent:
            self.resubscribed_at[plant_id] = now

    def note_adopted(self, plant_id: str, subscription_id: str) -> None:
        """Note a subscription a restart left, posting here already."""
        self.subscriptions[plant_id] = subscription_id
        self.receiving.discard(plant_id)

    def note_unsubscribed(self, plant_id: str) -> str:
        """Forget a plant's subscription; return its id."""
        subscription_id = self.subscriptions.pop(plant_id)
        self.receiving.discard(plant_id)
        return subscription_id

    def settle(self, plants: set[str]) -> set[str]:
        """Note how the subscriptions of these plants stand; return the failed plants."""
        self.failed_plants = plants - set(self.subscriptions)
        self.state = self._subscribed_state()
        return self.failed_plants

    def _subscribed_state(self) -> PushState:
        """Return where push stands once the subscriptions are settled."""
        if self.silent:
            return PushState.SILENT
        if not self.failed_plants:
            return PushState.ACTIVE
        return PushState.PARTIAL if self.subscriptions else PushState.FAILED

    def note_stopped(self) -> None:
        """Note that push stopped (the entry unloads)."""
        self.state = PushState.STOPPED

    def note_refused(self, count: int = 1) -> None:
        """Count bodies or events refused."""
        self.rejected += count

    def note_delivery(self, now: datetime) -> None:
        """Count a body the webhook accepted."""
        self.deliveries += 1
        self.last_delivery = now

    def note_ignored(self) -> None:
        """Count a pushed state this entry cannot use: of a thermostat it lacks, of no age."""
        self.ignored += 1

    def note_stale(self) -> None:
        """Count a pushed state dropped as older than the one shown (late or replayed)."""
        self.ignored += 1
        self.stale += 1

    def note_written(self) -> None:
        """Count a write of pushed states to Home Assistant (a burst is written once)."""
        self.writes += 1

    def note_poll_saved(self) -> None:
        """Count a thermostat poll skipped because push keeps the thermostat fresh."""
        self.polls_saved += 1

    def note_state(
        self, plant_id: str, now: datetime, event_time: datetime | None
    ) -> bool:
        """Note a thermostat state that arrived; return whether it ends its plant's silence."""
        self.events += 1
        self.last_event = now
        if event_time is not None:
            self.last_event_lag = now - event_time
        if plant_id not in self.subscriptions:
            return False
        self.receiving.add(plant_id)
        return self.heard(plant_id, now)

    def covers(self, plant_id: str) -> bool:
        """Return whether this plant's changes are known to reach Home Assistant by push.

        A subscription alone is not enough: an address Legrand cannot reach would otherwise
        leave the thermostats polled only at reconciliation time.
        """
        return plant_id in self.subscriptions and plant_id in self.receiving

    def watching(self, plant_id: str, now: datetime) -> None:
        """Start listening for a plant just subscribed: silence counts from now."""
        self.heard_at[plant_id] = now
        self.missed.pop(plant_id, None)

    def heard(self, plant_id: str, now: datetime) -> bool:
        """Note a state that arrived from a plant; return whether it ends a silence."""
        self.heard_at[plant_id] = now
        self.missed.pop(plant_id, None)
        self.resubscribed_at.pop(plant_id, None)
        self.unlisted.discard(plant_id)
        return self.silent.pop(plant_id, None) is not None

    def missed_change(self, plant_id: str, now: datetime) -> bool:
        """
        Note a change a poll found that push never brought; return whether push fell silent.

        A silent plant is no longer covered: its thermostats get the polling share they would
        get without push, until a delivery from it arrives again.
        """
        if plant_id in self.silent:
            return False
        count = self.missed[plant_id] = self.missed.get(plant_id, 0) + 1
        heard = self.heard_at.get(plant_id)
        quiet = heard is not None and now - heard >= QUIET_FOR_SILENT
        if count < MISSED_FOR_SILENT and not quiet:
            return False
        self.silent[plant_id] = now
        self.receiving.discard(plant_id)
        return True

    def note_silent(self) -> bool:
        """Note that push of some plant is silent; return whether it was not before."""
        if self.state is PushState.SILENT:
            return False
        self.state = PushState.SILENT
        return True

    def note_silence_over(self) -> bool:
        """Note that no plant is silent any more; return whether push was silent."""
        if self.state is not PushState.SILENT:
            return False
        self.state = self._subscribed_state()
        return True

    def forget_silence(self, plant_ids: list[str]) -> None:
        """Forget the silence of plants that left, or whose push stopped for good."""
        for plant_id in plant_ids:
            self.silent.pop(plant_id)
            self.unlisted.discard(plant_id)

    def kept(self) -> dict[str, str]:
        """Return what a restart must not forget: since when each silent plant is silent."""
        return {plant_id: since.isoformat() for plant_id, since in self.silent.items()}

    def restore_kept(self, raw: Any, now: datetime) -> int:
        """Take back the silent plants a restart left; return how many values were unusable.

        A plant silent before the restart stays silent, polled, until a delivery arrives.
        """
        if raw is None:
            return 0
        if not isinstance(raw, Mapping):
            return 1
        bad = 0
        for plant_id, value in raw.items():
            try:
                since = timestamp(value, "silent since")
            except ParseError:
                since = None
            if (
                not isinstance(plant_id, str)
                or since is None
                or since.tzinfo is None
                or since > now
            ):
                bad += 1
                continue
            self.silent.setdefault(plant_id, since)
        return bad

    def renewals_due(self, now: datetime) -> list[str]:
        """Return the silent plants whose subscription is renewed now, and note the renewal."""
        due = [p for p in self.silent if self.resubscribe_due(p, now)]
        for plant_id in due:
            if plant_id in self.resubscribed_at:
                # Still silent a renewal after the subscription was found gone: now told.
                self.unlisted.discard(plant_id)
            self.resubscribed_at[plant_id] = now
        return due

    def resubscribe_due(self, plant_id: str, now: datetime) -> bool:
        """Return whether a silent plant's subscription may be renewed now."""
        if plant_id not in self.silent:
            return False
        last = self.resubscribed_at.get(plant_id)
        return last is None or now - last >= RESUBSCRIBE_INTERVAL


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

"""Where push updates of an entry stand: what the coordinator, the webhook and diagnostics share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


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

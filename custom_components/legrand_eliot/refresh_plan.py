"""The refresh plan: what each refresh reads, when the next one runs, and what it will cost.

The polling schedule shares the day's calls between the plants and thermostats; the plan adds
what the schedule does not know: the topology reads falling due, the thermostats push keeps
fresh, the early retries after a passing failure, the push vouching for a thermostat whose reads
fail, and a full read someone asked for.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, timedelta
import math

from homeassistant.util import dt as dt_util

from .backoff import RetryBackoff, is_transient
from .const import LOGGER
from .data import EliotData, HomeControlPlant, SmartherPlant
from .eliot import QuotaBudget
from .eliot.const import MIN_REFRESH_INTERVAL
from .eliot.exceptions import EliotError, EliotQuotaExceededError
from .poll_schedule import (
    PRIOR_MODULE_CHANGES_A_DAY,
    PRIOR_THERMOSTAT_CHANGES_A_DAY,
    RECONCILE_INTERVAL,
    TIMER_SLACK,
    PollSchedule,
    Source,
)
from .push_health import PushEvidence, PushHealth
from .topology import TOPOLOGY_INTERVAL, TopologyReader, all_plants, plant_read_calls

# A refresh comes at least this long after the previous one, whatever falls due.
MIN_WAKE = MIN_REFRESH_INTERVAL
# The key under which a whole refresh that failed for a passing reason is retried.
REFRESH_KEY = "refresh"
# The prior of a thermostat's changes, an hour (a day's mean weight).
THERMOSTAT_PRIOR = PRIOR_THERMOSTAT_CHANGES_A_DAY / 24


def plant_prior(plant: HomeControlPlant) -> float:
    """Return the prior of a Home + Control plant's changes an hour: its modules' changes."""
    return PRIOR_MODULE_CHANGES_A_DAY * max(1, len(plant.topology.modules)) / 24


class RefreshPlan:
    """Plan each refresh of an account within its budget: what it reads, and when."""

    def __init__(
        self,
        budget: QuotaBudget,
        schedule: PollSchedule,
        topology: TopologyReader,
        push: PushHealth,
        evidence: PushEvidence,
    ) -> None:
        """Keep what the plan weighs: the budget, the schedule, the topology, push."""
        self.budget = budget
        self.schedule = schedule
        self._topology = topology
        self._push = push
        self._evidence = evidence
        # The calls the next refresh was planned to make, and when it was planned.
        self.planned_calls = 0
        self._next_refresh_at: datetime | None = None
        # The next refresh reads every source polled for freshness, due or not.
        self._read_everything = False
        # Reads that failed for a passing reason are retried sooner than planned; a read of
        # this refresh that did so leaves the other early retries for the next one.
        self._retry = RetryBackoff()
        self._cloud_failed = False

    def _sources(
        self, data: EliotData, held: frozenset[str] = frozenset()
    ) -> list[Source]:
        """Return what the poller reads: each plant's status, each thermostat's status.

        Thermostats `held` are given the reconciliation pace, as if push covered them.
        """
        sources = [
            Source(
                plant.plant.id,
                1,
                self.schedule.rate_of(plant.plant.id, plant_prior(plant)).rate,
            )
            for plant in data.home_control.values()
        ]
        for plant in data.smarther.values():
            sources.extend(
                Source(
                    module.id,
                    1,
                    self.schedule.rate_of(module.id, THERMOSTAT_PRIOR).rate,
                    covered=self.kept_fresh_by_push(plant, module.id)
                    or module.id in held,
                )
                for module in plant.topology.modules
            )
        return sources

    def plan(self, data: EliotData) -> timedelta:
        """Share the budget between sources; return how long until the first one is due.

        The refresh reads every source due by then (and those due a moment later): the calls it
        will make are planned here, reconciliation reads included.
        """
        now = dt_util.utcnow()
        self._read_everything = False
        sources = self._sources(data)
        self.schedule.forget(source.key for source in sources)
        self._evidence.forget({source.key for source in sources})
        topology = self.whole_topology_calls(data)
        self.budget.floor_calls_per_hour = sum(s.cost for s in sources) + math.ceil(
            topology / (TOPOLOGY_INTERVAL / timedelta(hours=1))
        )
        # The topology reads until the reset, those of the next refresh included.
        allowance = self.budget.polling_allowance(
            set_aside=self.topology_set_aside(data, self.budget.reset_at)
        )
        confirmed = self._confirmations(data)
        self.schedule.plan(sources, allowance, now, self.budget.reset_at, confirmed)
        if held := self._held_to_reconcile(data):
            sources = self._sources(data, held)
            self.schedule.plan(sources, allowance, now, self.budget.reset_at, confirmed)
        self._retry.forget(source.key for source in sources)
        interval = self._set_next_refresh(data, sources, now)
        if self._retry.failing:
            LOGGER.debug(
                "%s reads failed for a passing reason; next refresh in %s",
                len(self._retry),
                interval,
            )
        return interval

    def _held_to_reconcile(self, data: EliotData) -> frozenset[str]:
        """Return the thermostats of silent plants the plan would read less often than push on.

        Push covered them, so the polls found few changes and their learned rate is low: the
        share of a thermostat with push off could leave one that push no longer brings
        unread longer than the reconciliation reads did. Those are held to that pace instead
        (the allocation gives them what it gives the thermostats push covers); the others
        keep the faster pace their changes earn.
        """
        intervals = self.schedule.intervals
        return frozenset(
            module.id
            for plant_id in self._push.silent
            if (plant := data.smarther.get(plant_id)) is not None
            for module in plant.topology.modules
            if module.id not in plant.unavailable
            and intervals.get(module.id, RECONCILE_INTERVAL) > RECONCILE_INTERVAL
        )

    def _set_next_refresh(
        self, data: EliotData, sources: list[Source], now: datetime
    ) -> timedelta:
        """Set the next refresh for the first source due and count its calls; return the wait."""
        dues = [self.due_at(data, source.key) for source in sources]
        first = min((due for due in dues if due is not None), default=None)
        if first is None or any(due is None for due in dues):
            first = now
        # A thermostat whose reads fail is hidden when the push vouching for it grows old.
        first = min([first, *self._evidence.expiries(now)])
        # Whole seconds, as Home Assistant's timer counts them.
        interval = max(
            MIN_WAKE, timedelta(seconds=math.ceil((first - now).total_seconds()))
        )
        self._next_refresh_at = now + interval
        self.planned_calls = self.calls_due(data, self._next_refresh_at)
        return interval

    def retimed(self, data: EliotData) -> timedelta | None:
        """Return a new wait for the next refresh when it would now read nothing; else None.

        A pushed state confirms its thermostat, which moves the thermostat's next read: when
        that read was all the planned refresh was for, the refresh would wake to make no call.
        The next refresh then waits for the first source due, as planned, without planning
        the budget again.
        """
        planned_at = self._next_refresh_at
        if (
            planned_at is None
            or self.planned_calls == 0
            or self._read_everything
            or self.calls_due(data, planned_at) > 0
        ):
            return None
        return self._set_next_refresh(data, self._sources(data), dt_util.utcnow())

    def due_at(self, data: EliotData, key: str) -> datetime | None:
        """Return when a source is next due (None: at once), sooner after a passing failure."""
        planned = self._planned_due_at(data, key)
        retry = self._retry_at(key)
        if planned is None or retry is None:
            return planned
        return min(planned, retry)

    def _retry_at(self, key: str) -> datetime | None:
        """Return when a read that failed for a passing reason is tried again, before its plan.

        The retries are paid from what commands may spend: never from the polling floor, and
        never while the quota is paused.
        """
        if (retry := self._retry.retry_at(key)) is None:
            return None
        if self.budget.is_paused or self.budget.calls_beyond_floor() < len(self._retry):
            return None
        return retry

    def refresh_started(self) -> None:
        """Note that a refresh starts: no read of it has failed yet."""
        self._cloud_failed = False

    def refresh_answered(self) -> None:
        """Note that a whole refresh went through: it is no longer retried early."""
        self._retry.answered(REFRESH_KEY, dt_util.utcnow())

    def retry_after_failure(self, interval: timedelta | None) -> float | None:
        """Return how soon to try a refresh that failed for a passing reason again.

        None leaves the planned pace (`interval`): the retry would not come sooner, or cannot
        be paid.
        """
        now = dt_util.utcnow()
        self._retry.failed(REFRESH_KEY, now)
        retry = self._retry_at(REFRESH_KEY)
        if retry is None or (interval is not None and retry - now >= interval):
            return None
        return (retry - now).total_seconds()

    def retry_left_out(self, data: EliotData, key: str, at: datetime) -> bool:
        """Return whether an early retry waits: a read of this refresh just failed likewise.

        While the cloud is down one retry a refresh tells it; when that one succeeds the others
        are read too. A read planned by now, or asked for, is always made.
        """
        if (
            not self._cloud_failed
            or self._read_everything
            or self._retry.retry_at(key) is None
        ):
            return False
        at_once, confirmed = self._confirmed(data, key)
        if at_once or self.schedule.is_due(key, at, confirmed):
            return False
        self._retry.postpone(key, dt_util.utcnow())
        return True

    async def async_read[T](self, key: str, read: Awaitable[T]) -> T:
        """Make one read; a passing failure has it retried soon, any other ends its retries."""
        try:
            result = await read
        except EliotQuotaExceededError:
            raise
        except EliotError as err:
            if is_transient(err):
                self._retry.failed(key, dt_util.utcnow())
                self._cloud_failed = True
            else:
                self._retry.answered(key, dt_util.utcnow())
            raise
        self._retry.answered(key, dt_util.utcnow())
        return result

    def _confirmed(self, data: EliotData, key: str) -> tuple[bool, datetime | None]:
        """Return whether a source is due at once, else the confirmation its plan counts from.

        A thermostat's plan counts from its newest confirmed state; one never read, or shown
        from a pushed state of unknown age, is read at once. One whose reads fail is read again
        on its schedule, not at every refresh.
        """
        found = data.thermostat(key)
        if found is None:
            return False, None
        plant = found[0]
        confirmed = plant.updated.get(key)
        return confirmed is None and key not in plant.unavailable, confirmed

    def _confirmations(self, data: EliotData) -> dict[str, datetime]:
        """Return each thermostat's newest confirmed state, that its plan counts from."""
        return {
            key: moment
            for plant in data.smarther.values()
            for key, moment in plant.updated.items()
        }

    def _planned_due_at(self, data: EliotData, key: str) -> datetime | None:
        """Return when a source is next due by the plan; None when it is due at once."""
        at_once, confirmed = self._confirmed(data, key)
        return None if at_once else self.schedule.due_at(key, confirmed)

    def due_by(self, data: EliotData, key: str, at: datetime) -> bool:
        """Return whether a refresh at `at` reads a source: it is due by then, or nearly."""
        if self._read_everything and not self._kept_fresh_by_push_key(data, key):
            return True
        at_once, confirmed = self._confirmed(data, key)
        if at_once or self.schedule.is_due(key, at, confirmed):
            return True
        retry = self._retry_at(key)
        if retry is not None and retry <= at + self.schedule.window(key):
            return True
        # A thermostat whose reads fail is read again once no push vouches for it any more.
        found = data.thermostat(key)
        until = self._evidence.expiry(key)
        return (
            found is not None
            and until is not None
            and until <= at
            and key not in found[0].unavailable
        )

    def refresh_moment(self) -> datetime:
        """Return the moment a refresh reads for: the planned one, when the timer fired early."""
        now = dt_util.utcnow()
        planned = self._next_refresh_at
        if planned is not None and now < planned <= now + TIMER_SLACK:
            return planned
        return now

    def calls_per_refresh(self, data: EliotData) -> int:
        """Return the calls of a refresh now reading every source push does not keep fresh."""
        thermostats = sum(
            1
            for plant in data.smarther.values()
            for module in plant.topology.modules
            if not self.kept_fresh_by_push(plant, module.id)
        )
        return max(1, len(data.home_control) + thermostats + self._topology_calls(data))

    def request_full_read(self) -> None:
        """Have the next refresh read every plant and thermostat polled, due or not."""
        self._read_everything = True

    def calls_due(self, data: EliotData, at: datetime) -> int:
        """Return the calls a refresh at `at` makes: the sources due then, the topology due."""
        keys = [
            *data.home_control,
            *(m.id for p in data.smarther.values() for m in p.topology.modules),
        ]
        due = sum(1 for key in keys if self.due_by(data, key, at))
        return due + self._topology_calls(data, at)

    @staticmethod
    def whole_topology_calls(data: EliotData) -> int:
        """Return the calls of a whole topology read: both lists, each plant, each program list."""
        return 2 + sum(plant_read_calls(plant) for plant in all_plants(data).values())

    def topology_set_aside(self, data: EliotData, moment: datetime) -> int:
        """Return the calls of the topology reads that fall due before a moment.

        Each plants list and each plant keeps its own read time: a plant read later in a
        spread round falls due later in the next one, so each is counted by its own time,
        those due at once included. Counted from the read times alone, without working out
        which plant the next refresh reads.
        """
        return self._topology.calls_before(data, moment)

    def _kept_fresh_by_push_key(self, data: EliotData, key: str) -> bool:
        """Return whether push keeps a source fresh (never a Home + Control plant)."""
        found = data.thermostat(key)
        return found is not None and self.kept_fresh_by_push(found[0], key)

    def kept_fresh_by_push(self, plant: SmartherPlant, module_id: str) -> bool:
        """Return whether push covers a thermostat that answers: it is read only to reconcile."""
        return (
            self._push.covers(plant.plant.id)
            and module_id not in plant.unavailable
            and module_id in plant.updated
        )

    def _topology_calls(self, data: EliotData, at: datetime | None = None) -> int:
        """Return what the topology reads due at a refresh at `at` (now) will cost."""
        return self._topology.calls_due(data, at)

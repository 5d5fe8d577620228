"""The quota-aware coordinator: one schedule for every plant and thermostat of an account."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
import math
import time
from typing import Any, Concatenate, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .absence import ABSENT_FOR, AbsenceTracker
from .account_store import decode, encode
from .backoff import RetryBackoff, is_transient
from .changes import ChangeTracker
from .const import DOMAIN, LOGGER
from .data import EliotData, HomeControlPlant, SmartherPlant, state_time
from .eliot import EliotClient, QuotaBudget
from .eliot.const import DEFAULT_RESERVE_FRACTION, MIN_REFRESH_INTERVAL
from .eliot.exceptions import (
    EliotAccessDeniedError,
    EliotAppPasswordExpiredError,
    EliotAuthError,
    EliotCommandBudgetError,
    EliotError,
    EliotNotFoundError,
    EliotQuotaExceededError,
    EliotTermsExpiredError,
)
from .eliot.models import ModuleState, Plant, PlantStatus, ThermostatStatus, Topology
from .helpers import error_translation, format_resume_time
from .poll_schedule import (
    PRIOR_MODULE_CHANGES_A_DAY,
    PRIOR_THERMOSTAT_CHANGES_A_DAY,
    TIMER_SLACK,
    PollSchedule,
    Source,
)
from .push_health import PushEvidence, PushHealth, missed_by_push
from .repairs import (
    ISSUE_APP_PASSWORD_EXPIRED,
    ISSUE_COMMAND_BUDGET_EXHAUSTED,
    ISSUE_HOME_CONTROL_RETIRED,
    ISSUE_INVALID_SUBSCRIPTION_KEY,
    ISSUE_QUOTA_EXHAUSTED,
    ISSUE_TERMS_EXPIRED,
    clear_issue,
    raise_issue,
)
from .stores import EntryStores

# Topology, scenes, programs and the plants lists change rarely: read them twice a day.
TOPOLOGY_INTERVAL = timedelta(hours=12)
# A refresh comes at least this long after the previous one, whatever falls due.
MIN_WAKE = MIN_REFRESH_INTERVAL
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
# The key under which a whole refresh that failed for a passing reason is retried.
REFRESH_KEY = "refresh"


# The prior of a thermostat's changes, an hour (a day's mean weight).
_THERMOSTAT_PRIOR = PRIOR_THERMOSTAT_CHANGES_A_DAY / 24


def _plant_prior(plant: HomeControlPlant) -> float:
    """Return the prior of a Home + Control plant's changes an hour: its modules' changes."""
    return PRIOR_MODULE_CHANGES_A_DAY * max(1, len(plant.topology.modules)) / 24


def _module_state_key(state: ModuleState) -> tuple[Any, ...]:
    """Return what a person changes of a module (not its measures)."""
    return (state.reachable, state.on, state.level, state.step)


def _module_changes(plant: HomeControlPlant, status: PlantStatus) -> int | None:
    """Return how many modules a new status shows changed; None with nothing to compare."""
    if plant.status is None or not plant.available:
        return None
    old = plant.status.modules
    return sum(
        1
        for module_id, state in status.modules.items()
        if (before := old.get(module_id)) is not None
        and _module_state_key(before) != _module_state_key(state)
    )


def _thermostat_key(status: ThermostatStatus) -> tuple[Any, ...]:
    """Return what a person changes of a thermostat (not its measures)."""
    return (
        status.function,
        status.mode,
        status.set_point,
        status.programs,
        status.activation_time,
    )


def _thermostat_changes(plant: SmartherPlant, status: ThermostatStatus) -> int | None:
    """Return 1 when a polled thermostat state differs from the one shown; None if none was."""
    if (old := plant.thermostats.get(status.module_id)) is None:
        return None
    return int(_thermostat_key(old) != _thermostat_key(status))


@dataclass(slots=True)
class _TopologyRead:
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


def _retain(old: EliotData, data: EliotData, keep: set[str]) -> None:
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


def _plants(data: EliotData) -> dict[str, HomeControlPlant | SmartherPlant]:
    """Return every plant of the account, of both APIs, by id."""
    return {**data.home_control, **data.smarther}


def _module_ids(data: EliotData) -> set[str]:
    """Return the ids of the modules the account's plants hold."""
    return {
        module.id
        for plant in _plants(data).values()
        for module in plant.topology.modules
    }


def _plant_read_calls(plant: HomeControlPlant | SmartherPlant) -> int:
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


def _account_errors[**P, T](
    func: Callable[Concatenate[LegrandEliotCoordinator, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[LegrandEliotCoordinator, P], Coroutine[Any, Any, T]]:
    """Map errors that concern the whole account to what the coordinator must raise."""

    async def wrapper(
        coordinator: LegrandEliotCoordinator, /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        try:
            return await func(coordinator, *args, **kwargs)
        except OAuth2TokenRequestReauthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except OAuth2TokenRequestBaseError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="token_refresh_failed",
                retry_after=coordinator.retry_after_failure(),
            ) from err
        except EliotAuthError as err:
            if err.invalid_subscription_key:
                raise_issue(
                    coordinator.hass,
                    coordinator.config_entry,
                    ISSUE_INVALID_SUBSCRIPTION_KEY,
                )
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="invalid_subscription_key",
                ) from err
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except EliotError as err:
            key, placeholders = error_translation(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed"
                if key == "communication_error"
                else key,
                translation_placeholders=placeholders,
            ) from err

    return wrapper


class LegrandEliotCoordinator(DataUpdateCoordinator[EliotData]):
    """Poll the account within its daily call budget."""

    config_entry: ConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConfigEntry,
        client: EliotClient,
    ) -> None:
        """Keep the client and the budget store; the first refresh reads the topology."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=DOMAIN,
            update_interval=timedelta(minutes=5),
        )
        self.client = client
        self._stores = EntryStores(hass, config_entry.entry_id)
        self._hc_read_at: datetime | None = None
        self._smarther_read_at: datetime | None = None
        self._hc_retry_at: datetime | None = None
        self._smarther_retry_at: datetime | None = None
        # Plants that refused the account (a 401 a fresh token did not cure while the plants
        # list answered), and when: no longer shared, most likely. Not polled while a plants
        # list leaves them out (until it lists them again or proves them gone), nor for an hour
        # after the refusal: each try costs three calls.
        self._denied: dict[str, datetime] = {}
        # The first of an unbroken run of 404s on the Home + Control plants list.
        self._hc_not_found_since: datetime | None = None
        self._hc_failures = 0
        # Plants whose status named a module the topology lacks, and the last read for them.
        self._topology_wanted: set[str] = set()
        self._unknown_read_at: datetime | None = None
        # When a plant whose topology read failed may be tried again.
        self._topology_retry_at: dict[str, datetime] = {}
        self._absence = AbsenceTracker()
        # What is logged as unavailable, by key, with the name the log used.
        self._unavailable_logged: dict[str, str] = {}
        self.last_errors: dict[str, str] = {}
        self._pause_logged: datetime | None = None
        self.push = PushHealth()
        # What vouches for each thermostat while its reads fail: a recent pushed state.
        self.evidence = PushEvidence()
        self._told = ChangeTracker()
        # When each plant and thermostat is read, from how often it changes.
        self.schedule = PollSchedule(zone=client.budget.time_zone)
        # The calls the next refresh was planned to make, and when it was planned.
        self.planned_calls = 0
        self._next_refresh_at: datetime | None = None
        # The next refresh reads every source polled for freshness, due or not.
        self._read_everything = False
        # Reads that failed for a passing reason are retried sooner than planned; a read of
        # this refresh that did so leaves the other early retries for the next one.
        self._retry = RetryBackoff()
        self._cloud_failed = False

    @property
    def budget(self) -> QuotaBudget:
        """Return the call budget the client charges."""
        return self.client.budget

    async def async_restore_budget(self) -> None:
        """Restore what was spent today, so a restart does not forget it."""
        await self._stores.budget.async_read(self.budget.restore)

    async def async_restore_account(self) -> bool:
        """Show the account as last read, so entities exist before the first poll.

        Only the structure comes back: every state is unknown (its entity unavailable) until
        the first refresh polls it, and the topology schedule goes on from the kept read times.
        """
        restored = await self._stores.account.async_read(
            lambda stored: decode(stored, dt_util.utcnow())
        )
        if restored is None:
            return False
        self.data = restored.data
        self._hc_read_at = restored.hc_read_at
        self._smarther_read_at = restored.smarther_read_at
        return True

    def _account_snapshot(self, data: EliotData) -> Callable[[], dict[str, Any]]:
        """Return what writes the account's structure and read times as they are when saved."""
        return lambda: encode(data, self._hc_read_at, self._smarther_read_at)

    async def async_save_account_now(self) -> None:
        """Write the account's structure at once (on unload), if any was read."""
        if self.data is not None:
            await self._stores.account.async_save_now(self._account_snapshot(self.data))

    async def async_restore_learned(self) -> None:
        """Take back how often each plant and thermostat changed, and when people are awake."""
        bad = await self._stores.learned.async_read(self.schedule.restore_learned)
        if bad:
            self._stores.learned.set_aside(
                f"{bad} unusable value{'s' if bad > 1 else ''}", partly=True
            )

    def save_budget(self) -> None:
        """Persist the budget soon (batched with other changes of the same moment)."""
        self._stores.budget.save_soon(self.budget.snapshot)
        self._stores.learned.save_soon(self.schedule.learned)

    async def async_save_budget_now(self) -> None:
        """Persist the budget, and what polling learned, at once (on unload)."""
        await self._stores.budget.async_save_now(self.budget.snapshot)
        await self._stores.learned.async_save_now(self.schedule.learned)

    @_account_errors
    async def _async_update_data(self) -> EliotData:
        """Refresh within the budget; a quota pause keeps the last known data."""
        data = self.data if self.data is not None else EliotData()
        self._cloud_failed = False
        try:
            if self.budget.is_paused:
                raise self._quota_error()
            if self._topology_due():
                data = await self._async_read_topology(data)
            await self._async_poll(data)
        except EliotQuotaExceededError as err:
            self.quota_refused(err)
            if self.data is None:
                raise
            return data
        finally:
            self.save_budget()
        self._retry.answered(REFRESH_KEY, dt_util.utcnow())
        clear_issue(self.hass, self.config_entry, ISSUE_QUOTA_EXHAUSTED)
        self._plan(data)
        if self.budget.commands_allowed():
            clear_issue(self.hass, self.config_entry, ISSUE_COMMAND_BUDGET_EXHAUSTED)
        return data

    @property
    def next_refresh(self) -> datetime | None:
        """Return when the next scheduled refresh runs; None while none is scheduled."""
        handle = getattr(self._unsub_refresh, "__self__", None)
        if not isinstance(handle, asyncio.TimerHandle):
            return None
        return dt_util.utcnow() + timedelta(
            seconds=handle.when() - self.hass.loop.time()
        )

    def _sources(self, data: EliotData) -> list[Source]:
        """Return what the poller reads: each plant's status, each thermostat's status."""
        sources = [
            Source(
                plant.plant.id,
                1,
                self.schedule.rate_of(plant.plant.id, _plant_prior(plant)).rate,
            )
            for plant in data.home_control.values()
        ]
        for plant in data.smarther.values():
            sources.extend(
                Source(
                    module.id,
                    1,
                    self.schedule.rate_of(module.id, _THERMOSTAT_PRIOR).rate,
                    covered=self._kept_fresh_by_push(plant, module.id),
                )
                for module in plant.topology.modules
            )
        return sources

    def _plan(self, data: EliotData) -> None:
        """Share the budget between sources and schedule the refresh for the first one due.

        The refresh reads every source due by then (and those due a moment later): the calls it
        will make are planned here, reconciliation reads included.
        """
        now = dt_util.utcnow()
        self._read_everything = False
        sources = self._sources(data)
        self.schedule.forget(source.key for source in sources)
        self.evidence.forget({source.key for source in sources})
        topology = self._whole_topology_calls(data)
        self.budget.floor_calls_per_hour = sum(s.cost for s in sources) + math.ceil(
            topology / (TOPOLOGY_INTERVAL / timedelta(hours=1))
        )
        # The topology reads until the reset, those of the next refresh included.
        allowance = self.budget.polling_allowance(
            set_aside=self._topology_set_aside(data, self.budget.reset_at)
        )
        self.schedule.plan(sources, allowance, now, self.budget.reset_at)
        self._retry.forget(source.key for source in sources)
        dues = [self._due_at(data, source.key) for source in sources]
        first = min((due for due in dues if due is not None), default=None)
        if first is None or any(due is None for due in dues):
            first = now
        # A thermostat whose reads fail is hidden when the push vouching for it grows old.
        first = min([first, *self.evidence.expiries(now)])
        # Whole seconds, as Home Assistant's timer counts them.
        interval = max(
            MIN_WAKE, timedelta(seconds=math.ceil((first - now).total_seconds()))
        )
        self._next_refresh_at = now + interval
        self.planned_calls = self._calls_due(data, self._next_refresh_at)
        self.update_interval = interval
        if self._retry.failing:
            LOGGER.debug(
                "%s reads failed for a passing reason; next refresh in %s",
                len(self._retry),
                interval,
            )

    def _due_at(self, data: EliotData, key: str) -> datetime | None:
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
        budget = self.budget
        if budget.is_paused or budget.calls_left - budget.polling_floor() < len(
            self._retry
        ):
            return None
        return retry

    def retry_after_failure(self) -> float | None:
        """Return how soon to try a refresh that failed for a passing reason again.

        None leaves the planned pace: the retry would not come sooner, or cannot be paid.
        """
        now = dt_util.utcnow()
        self._retry.failed(REFRESH_KEY, now)
        retry = self._retry_at(REFRESH_KEY)
        interval = self.update_interval
        if retry is None or (interval is not None and retry - now >= interval):
            return None
        return (retry - now).total_seconds()

    def _retry_left_out(self, data: EliotData, key: str, at: datetime) -> bool:
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
        planned = self._planned_due_at(data, key)
        if planned is None or planned <= at + self.schedule.window(key):
            return False
        self._retry.postpone(key, dt_util.utcnow())
        return True

    async def _read[T](self, key: str, read: Awaitable[T]) -> T:
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

    def _planned_due_at(self, data: EliotData, key: str) -> datetime | None:
        """Return when a source is next due by the plan; None when it is due at once."""
        found = data.thermostat(key)
        if found is None:
            return self.schedule.due_at(key)
        plant = found[0]
        confirmed = plant.updated.get(key)
        if confirmed is None:
            if key in plant.unavailable:
                # Its reads fail: read again on its schedule, not at every refresh.
                return self.schedule.due_at(key)
            # Never read, or a pushed state of unknown age: read it now.
            return None
        return self.schedule.due_at(
            key, dt_util.utcnow() - timedelta(seconds=time.monotonic() - confirmed)
        )

    def _due_by(self, data: EliotData, key: str, at: datetime) -> bool:
        """Return whether a refresh at `at` reads a source: it is due by then, or nearly."""
        if self._read_everything and not self._kept_fresh_by_push_key(data, key):
            return True
        due = self._due_at(data, key)
        if due is None or due <= at + self.schedule.window(key):
            return True
        # A thermostat whose reads fail is read again once no push vouches for it any more.
        found = data.thermostat(key)
        until = self.evidence.expiry(key)
        return (
            found is not None
            and until is not None
            and until <= at
            and key not in found[0].unavailable
        )

    def _refresh_moment(self) -> datetime:
        """Return the moment a refresh reads for: the planned one, when the timer fired early."""
        now = dt_util.utcnow()
        planned = self._next_refresh_at
        if planned is not None and now < planned <= now + TIMER_SLACK:
            return planned
        return now

    def _quota_error(self) -> EliotQuotaExceededError:
        """Build the error that stands for the pause the budget is in."""
        assert self.budget.paused_until is not None
        return EliotQuotaExceededError(
            resume_at=self.budget.paused_until, daily=self.budget.paused_daily
        )

    def quota_refused(self, err: EliotQuotaExceededError) -> None:
        """
        React at once to a call refused for the quota, whoever made it.

        Commands that spent their share of the day raise their own repair issue and leave
        polling alone. Otherwise polling stops until calls may resume, and a lost day's quota is
        told as a repair issue.
        """
        if isinstance(err, EliotCommandBudgetError):
            raise_issue(
                self.hass,
                self.config_entry,
                ISSUE_COMMAND_BUDGET_EXHAUSTED,
                {"resume_time": format_resume_time(err)},
            )
            self.save_budget()
            return
        if err.daily:
            raise_issue(
                self.hass,
                self.config_entry,
                ISSUE_QUOTA_EXHAUSTED,
                {"resume_time": format_resume_time(err)},
            )
        wait = err.resume_at - dt_util.utcnow()
        self.update_interval = max(wait, timedelta(seconds=60))
        if self._pause_logged != err.resume_at:
            self._pause_logged = err.resume_at
            LOGGER.warning(
                "Legrand API %s; no call until %s",
                "daily quota used up" if err.daily else "rate limit reached",
                err.resume_at.isoformat(),
            )

    def calls_per_refresh(self, data: EliotData) -> int:
        """Return the calls of a refresh now reading every source push does not keep fresh."""
        thermostats = sum(
            1
            for plant in data.smarther.values()
            for module in plant.topology.modules
            if not self._kept_fresh_by_push(plant, module.id)
        )
        return max(1, len(data.home_control) + thermostats + self._topology_calls(data))

    def request_full_read(self) -> None:
        """Have the next refresh read every plant and thermostat polled, due or not."""
        self._read_everything = True

    async def async_request_refresh(self) -> None:
        """Refresh soon, reading everything: someone asked for fresh states (update entity)."""
        self.request_full_read()
        await super().async_request_refresh()

    def _calls_due(self, data: EliotData, at: datetime) -> int:
        """Return the calls a refresh at `at` makes: the sources due then, the topology due."""
        keys = [
            *data.home_control,
            *(m.id for p in data.smarther.values() for m in p.topology.modules),
        ]
        due = sum(1 for key in keys if self._due_by(data, key, at))
        return due + self._topology_calls(data, at)

    @staticmethod
    def _whole_topology_calls(data: EliotData) -> int:
        """Return the calls of a whole topology read: both lists, each plant, each program list."""
        return 2 + sum(_plant_read_calls(plant) for plant in _plants(data).values())

    def _topology_set_aside(self, data: EliotData, moment: datetime) -> int:
        """Return the calls of the topology reads that fall due before a moment.

        Each plants list and each plant keeps its own read time: a plant read later in a
        spread round falls due later in the next one, so each is counted by its own time,
        those due at once included. Counted from the read times alone, without working out
        which plant the next refresh reads.
        """
        calls = _reads_before(self._hc_read_at, moment) + _reads_before(
            self._smarther_read_at, moment
        )
        return calls + sum(
            _reads_before(plant.read_at, moment) * _plant_read_calls(plant)
            for plant in _plants(data).values()
        )

    def _kept_fresh_by_push_key(self, data: EliotData, key: str) -> bool:
        """Return whether push keeps a source fresh (never a Home + Control plant)."""
        found = data.thermostat(key)
        return found is not None and self._kept_fresh_by_push(found[0], key)

    def _kept_fresh_by_push(self, plant: SmartherPlant, module_id: str) -> bool:
        """Return whether push covers a thermostat that answers: it is read only to reconcile."""
        return (
            self.push.covers(plant.plant.id)
            and module_id not in plant.unavailable
            and module_id in plant.updated
        )

    def _topology_due(self) -> bool:
        """Return whether a plants list or a plant's topology should be read now."""
        now = dt_util.utcnow()
        data = self.data if self.data is not None else EliotData()
        return (
            self._hc_due(now)
            or self._smarther_due(now)
            or bool(self._plants_to_read(data, now))
        )

    def _list_proof_due(self, now: datetime) -> bool:
        """Return whether a plants list could now prove that a plant or stray device is gone.

        A module missing from its plant's topology is proven by that plant's own read.
        """
        if not self._absence.absent:
            return False
        held = set() if self.data is None else _module_ids(self.data)
        return any(
            now >= absence.since + ABSENT_FOR
            for device_id, absence in self._absence.absent.items()
            if device_id not in held
        )

    def _hc_due(self, now: datetime) -> bool:
        """Return whether the Home + Control plants list should be read now."""
        return self._list_due(self._hc_read_at, self._hc_retry_at, now)

    def _smarther_due(self, now: datetime) -> bool:
        """Return whether the Smarther plants list should be read now."""
        return self._list_due(self._smarther_read_at, self._smarther_retry_at, now)

    def _list_due(
        self, read_at: datetime | None, retry_at: datetime | None, now: datetime
    ) -> bool:
        """Return whether a plants list read at `read_at`, retried at `retry_at`, is due."""
        return (
            read_at is None
            or now - read_at >= TOPOLOGY_INTERVAL
            or (retry_at is not None and now >= retry_at)
            or self._list_proof_due(now)
        )

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
            for plant_id, plant in _plants(data).items()
            if plant_id not in self._absence.absent
            and now >= self._topology_retry_at.get(plant_id, now)
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
        wanted = [p for p in read if unknown_allowed and p in self._topology_wanted]
        proving = [
            p for p in read if self._absence.absent and self._proof_due(plants[p], now)
        ]
        stale = sorted(
            (p for p, read_at in read.items() if now - read_at >= TOPOLOGY_INTERVAL),
            key=read.__getitem__,
        )
        return new + [*wanted, *proving, *stale][:1]

    def _proof_due(
        self, plant: HomeControlPlant | SmartherPlant, now: datetime
    ) -> bool:
        """Return whether a read of this plant could now prove one of its modules gone."""
        absent = self._absence.absent
        return any(
            now >= absent[module.id].since + ABSENT_FOR
            for module in plant.topology.modules
            if module.id in absent
        )

    def _topology_calls(self, data: EliotData, at: datetime | None = None) -> int:
        """Return what the topology reads due at a refresh at `at` (now) will cost."""
        now = dt_util.utcnow() if at is None else at
        calls = int(self._hc_due(now)) + int(self._smarther_due(now))
        plants = _plants(data)
        return calls + sum(
            _plant_read_calls(plants[plant_id])
            for plant_id in self._plants_to_read(data, now)
        )

    async def _async_read_topology(self, old: EliotData) -> EliotData:
        """Read the plants lists and topologies that are due; an error never means gone."""
        now = dt_util.utcnow()
        # New mappings: a plant read now must not replace the one `old` keeps to compare.
        data = EliotData(
            home_control=dict(old.home_control), smarther=dict(old.smarther)
        )
        reading = _TopologyRead()
        if self._hc_due(now):
            data.home_control = await self._async_read_home_control(old, reading, now)
        if self._smarther_due(now):
            data.smarther = await self._async_read_smarther(old, reading, now)
        for plant_id in self._plants_to_read(data, now):
            await self._async_read_plant(data, plant_id, reading, now)
        # Only a plant read whole at least once speaks for the devices it holds.
        reading.complete = reading.complete and all(
            plant.read_at is not None for plant in _plants(data).values()
        )
        self._settle_absences(old, data, reading, now)
        # What was read, and when, is kept: the next start shows it without reading it again.
        self._stores.account.save_soon(self._account_snapshot(data))
        return data

    async def _async_read_home_control(
        self, old: EliotData, reading: _TopologyRead, now: datetime
    ) -> dict[str, HomeControlPlant]:
        """Read the Home + Control plants list; keep what a failure hides.

        A plant listed for the first time gets an empty topology, read in the same refresh.
        """
        self._hc_read_at = now
        try:
            hc_plants = await self.client.hc_plants()
        except EliotQuotaExceededError, EliotAuthError:
            raise
        except EliotNotFoundError as err:
            self._hc_list_failed(reading, now, err, not_found=True)
            return dict(old.home_control)
        except EliotError as err:
            self._hc_list_failed(reading, now, err, not_found=False)
            return dict(old.home_control)
        self._hc_retry_at = self._hc_not_found_since = None
        self._hc_failures = 0
        self._log_recovered(HC_PLANTS_KEY)
        clear_issue(self.hass, self.config_entry, ISSUE_HOME_CONTROL_RETIRED)
        result = {
            plant.id: HomeControlPlant(plant, _empty_topology(plant))
            if (previous := old.home_control.get(plant.id)) is None
            else replace(previous, plant=plant)
            for plant in hc_plants
        }
        reading.plants_missing(old.home_control, result)
        return result

    def _hc_list_failed(
        self,
        reading: _TopologyRead,
        now: datetime,
        err: EliotError,
        *,
        not_found: bool,
    ) -> None:
        """Keep the known plants; a 404 that lasts a day says the API is retired."""
        reading.complete = False
        self._plant_failed(HC_PLANTS_KEY, "The Home + Control plants list", err)
        # A passing fault is read again at the next refresh, a lasting one every hour.
        self._hc_failures += 1
        self._hc_retry_at = now + (
            timedelta() if self._hc_failures == 1 else FAILED_LIST_RETRY
        )
        if not not_found:
            self._hc_not_found_since = None
            return
        if self._hc_not_found_since is None:
            self._hc_not_found_since = now
        if now - self._hc_not_found_since >= RETIRED_AFTER:
            # Legrand moved Home + Control to Netatmo: this account's H+C API is gone.
            raise_issue(
                self.hass,
                self.config_entry,
                ISSUE_HOME_CONTROL_RETIRED,
                severity=ir.IssueSeverity.WARNING,
            )
            self._hc_retry_at = None

    async def _async_read_plant(
        self, data: EliotData, plant_id: str, reading: _TopologyRead, now: datetime
    ) -> None:
        """Read one plant's topology (and scenes, or programs); a failure is retried later."""
        if plant_id in self._topology_wanted:
            self._topology_wanted.discard(plant_id)
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
            self._topology_retry_at[plant_id] = now + FAILED_LIST_RETRY
            return
        self._topology_retry_at.pop(plant_id, None)
        reading.missing_from(old.topology, read.topology)

    async def _async_home_control_topology(
        self, old: HomeControlPlant, now: datetime
    ) -> HomeControlPlant | None:
        """Read a plant's topology and scenes; None when it failed (the old ones stay)."""
        plant = old.plant
        try:
            topology = await self.client.hc_topology(plant.id)
            scenes = await self.client.hc_scenes(plant.id)
        except EliotQuotaExceededError, EliotAuthError:
            raise
        except EliotError as err:
            self._plant_failed(plant.id, plant.name, err)
            return None
        return replace(old, topology=topology, scenes=scenes, read_at=now)

    async def _async_read_smarther(
        self, old: EliotData, reading: _TopologyRead, now: datetime
    ) -> dict[str, SmartherPlant]:
        """Read the Smarther plants list; keep what a failure hides."""
        self._smarther_read_at = now
        smarther_plants = await self._async_smarther_call(
            SMARTHER_PLANTS_KEY, self.client.smarther_plants
        )
        if smarther_plants is None:
            # The thermostats known so far stay, with their devices and push subscriptions.
            reading.complete = False
            self._smarther_retry_at = now + (
                FAILED_LIST_RETRY if old.smarther else timedelta()
            )
            return dict(old.smarther)
        self._smarther_retry_at = None
        self._log_recovered(SMARTHER_PLANTS_KEY)
        result = {
            plant.id: SmartherPlant(plant, _empty_topology(plant))
            if (previous := old.smarther.get(plant.id)) is None
            else replace(previous, plant=plant)
            for plant in smarther_plants
        }
        reading.plants_missing(old.smarther, result)
        return result

    async def _async_smarther_topology(
        self, old: SmartherPlant, now: datetime
    ) -> SmartherPlant | None:
        """Read a Smarther plant's thermostats and their programs; None when it failed."""
        plant = old.plant
        topology = await self._async_smarther_call(
            plant.id, self.client.smarther_topology, plant.id
        )
        if topology is None:
            return None
        # The thermostats' states, programs and times stay; a program list that fails too.
        result = replace(old, topology=topology, read_at=now)
        for module in topology.modules:
            programs = await self._async_smarther_call(
                module.id, self.client.program_list, plant.id, module.id
            )
            if programs is not None:
                result.programs[module.id] = programs
        return result

    def _settle_absences(
        self, old: EliotData, data: EliotData, reading: _TopologyRead, now: datetime
    ) -> None:
        """Count absences seen by successful reads; keep devices not proven gone yet."""
        present = data.device_ids()
        # Devices kept from earlier reads are neither seen nor missed by this one.
        self._absence.seen(reading.seen)
        missing = set(reading.missing)
        if reading.complete:
            # A complete listing also speaks for devices known only to the registry.
            missing |= self._registered_ids() - present
        gone = self._absence.missing(missing - present, now)
        _retain(old, data, (missing - present) - gone)
        if gone:
            self._remove_devices(gone)

    def _registered_ids(self) -> set[str]:
        """Return the plant and module ids of this entry's devices in the registry."""
        registry = dr.async_get(self.hass)
        return {
            ident
            for device in dr.async_entries_for_config_entry(
                registry, self.config_entry.entry_id
            )
            for domain, ident in device.identifiers
            if domain == DOMAIN
        }

    async def _async_smarther_call[**P, T](
        self,
        what: str,
        call: Callable[P, Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """Make a Smarther call; app password and terms problems become repair issues."""
        try:
            result = await self._read(what, call(*args, **kwargs))
        except EliotAppPasswordExpiredError:
            raise_issue(self.hass, self.config_entry, ISSUE_APP_PASSWORD_EXPIRED)
            self._log_unavailable(what, "the Thermostat app password expired")
            return None
        except EliotTermsExpiredError:
            raise_issue(self.hass, self.config_entry, ISSUE_TERMS_EXPIRED)
            self._log_unavailable(
                what, "the Thermostat app terms must be accepted again"
            )
            return None
        except EliotQuotaExceededError, EliotAuthError:
            raise
        except EliotError as err:
            if isinstance(err, EliotAccessDeniedError):
                self._plant_denied(what)
            self.last_errors[what] = str(err)
            self._log_unavailable(what, str(err))
            return None
        clear_issue(self.hass, self.config_entry, ISSUE_APP_PASSWORD_EXPIRED)
        clear_issue(self.hass, self.config_entry, ISSUE_TERMS_EXPIRED)
        return result

    async def _async_poll(self, data: EliotData) -> None:
        """Read the Home + Control plants' and thermostats' statuses that are due."""
        at = self._refresh_moment()
        now = dt_util.utcnow()
        for hc_plant in data.home_control.values():
            key = hc_plant.plant.id
            if self._left(key):
                hc_plant.available = False
                continue
            if not self._due_by(data, key, at) or self._retry_left_out(data, key, at):
                continue
            try:
                status = await self._read(key, self.client.hc_plant_status(key))
            except EliotQuotaExceededError, EliotAuthError:
                raise
            except EliotError as err:
                if isinstance(err, EliotAccessDeniedError):
                    self._plant_denied(key)
                self.schedule.read(key, now, None, _plant_prior(hc_plant))
                self._plant_failed(hc_plant.plant.id, hc_plant.plant.name, err)
                hc_plant.available = False
                continue
            self._denied.pop(key, None)
            self.schedule.read(
                key, now, _module_changes(hc_plant, status), _plant_prior(hc_plant)
            )
            hc_plant.status = status
            hc_plant.available = True
            self._log_recovered(hc_plant.plant.id)
            topology = hc_plant.topology
            if any(topology.module(module_id) is None for module_id in status.modules):
                # A device the topology does not know yet: read the topology next time.
                self._topology_wanted.add(hc_plant.plant.id)
        for plant in data.smarther.values():
            if self._left(plant.plant.id):
                plant.unavailable.update(module.id for module in plant.topology.modules)
                continue
            for module in plant.topology.modules:
                due = self._due_by(data, module.id, at)
                if not self.evidence.shown(module.id, at):
                    # Its reads fail and the push that vouched for it is too old now.
                    plant.unavailable.add(module.id)
                if not due:
                    if self._kept_fresh_by_push(plant, module.id):
                        self.push.polls_saved += 1
                    continue
                if self._retry_left_out(data, module.id, at):
                    continue
                thermostat = await self._async_smarther_call(
                    module.id,
                    self.client.thermostat_status,
                    plant.plant.id,
                    module.id,
                )
                if thermostat is None:
                    self.schedule.read(module.id, now, None, _THERMOSTAT_PRIOR)
                    self.evidence.failed(module.id)
                    if not self.evidence.shown(module.id, now):
                        # Nothing newer vouches for the state shown: a recent push would.
                        plant.unavailable.add(module.id)
                    if self._left(plant.plant.id):
                        # The plant refused the account: its other thermostats would too.
                        plant.unavailable.update(m.id for m in plant.topology.modules)
                        break
                    continue
                self.schedule.read(
                    module.id,
                    now,
                    _thermostat_changes(plant, thermostat),
                    _THERMOSTAT_PRIOR,
                )
                self._denied.pop(plant.plant.id, None)
                kept_fresh = self._kept_fresh_by_push(plant, module.id)
                shown = plant.thermostats.get(module.id)
                self.evidence.read(module.id, now)
                self._store_polled(plant, thermostat)
                polled = plant.thermostats[module.id]
                if kept_fresh and missed_by_push(shown, polled, now):
                    # A change push should have brought first: push may have gone silent.
                    self.push.missed_change(plant.plant.id, now)
                self._log_recovered(module.id)

    def _left(self, plant_id: str) -> bool:
        """Return whether a plant that refused the account waits instead of being polled.

        It waits while the plants list leaves it out, and for an hour after each refusal.
        """
        denied = self._denied.get(plant_id)
        return denied is not None and (
            plant_id in self._absence.absent or dt_util.utcnow() < denied + DENIED_RETRY
        )

    def _plant_denied(self, what: str) -> None:
        """
        Note a plant (or the plant of a thermostat) that refused the account.

        Its plants list is read at the next refresh: a plant that left the account is then seen
        missing, and is not polled again until a list shows it back or proves it gone.
        """
        plant_id = what
        if self.data is not None and (found := self.data.thermostat(what)) is not None:
            plant_id = found[0].plant.id
        now = dt_util.utcnow()
        first = plant_id not in self._denied
        self._denied[plant_id] = now
        if not first:
            return
        if self.data is not None and plant_id in self.data.smarther:
            self._smarther_retry_at = now
        else:
            self._hc_retry_at = now

    def _remove_devices(self, gone: set[str]) -> None:
        """Remove the devices of plants and modules proven gone from the account."""
        registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            if ids and ids <= gone:
                LOGGER.info("Removing device %s: it left the account", device.name)
                registry.async_remove_device(device.id)

    @callback
    @override
    def async_update_listeners(self) -> None:
        """Tell the listeners whose device changed since they were last told, and those of none.

        On a large account most refreshes, pushed events and commands change a few devices:
        calling every entity to find them costs more than the refresh. Everyone is told the
        first time and whenever the refresh's success flips.
        """
        changes = self._told.since_last_told(self.data, self.last_update_success)
        for update_callback, context in list(self._listeners.values()):
            if not changes.concerns(context):
                continue
            try:
                update_callback()
            except Exception:
                self.logger.exception(
                    "Unexpected error updating listener %s for %s",
                    id(update_callback),
                    self.name,
                )

    @callback
    def async_update_all_listeners(self) -> None:
        """Tell every listener, whatever changed."""
        self._told.forget()
        self.async_update_listeners()

    def apply_module_state(self, module_id: str, **changes: Any) -> None:
        """Show a command's effect at once, until the next poll confirms it."""
        if (
            self.data is None
            or (found := self.data.home_control_module(module_id)) is None
        ):
            return
        self._store_module_state(found[0], replace(found[2], **changes))

    def _store_module_state(self, plant: HomeControlPlant, state: ModuleState) -> None:
        """Keep one module's new state and tell entities."""
        if plant.status is None:
            return
        plant.status = replace(
            plant.status, modules={**plant.status.modules, state.module_id: state}
        )
        self.async_update_listeners()

    def can_spare_call(self) -> bool:
        """Return whether a call outside the schedule leaves the commands' reserve whole."""
        budget = self.budget
        return (
            not budget.is_paused
            and budget.calls_left > budget.daily_limit * DEFAULT_RESERVE_FRACTION
        )

    def confirm_module(self, module_id: str) -> None:
        """Read one module now (a shutter that should have arrived), if the budget allows."""
        if self.can_spare_call():
            self.config_entry.async_create_background_task(
                self.hass,
                self._async_confirm_module(module_id),
                "legrand_eliot confirming read",
            )

    async def _async_confirm_module(self, module_id: str) -> None:
        """Read one module's state and show it; a failure waits for the next poll."""
        if (found := self.data.home_control_module(module_id)) is None:
            return
        plant, module, _state = found
        try:
            state = await self.client.hc_module_status(
                plant.plant.id, module_id, module.device
            )
        except EliotError as err:
            LOGGER.debug("A confirming read failed; the next poll tells: %s", err)
            return
        finally:
            self.save_budget()
        self._store_module_state(plant, state)

    def apply_thermostat(self, status: ThermostatStatus) -> None:
        """Store a thermostat's new status after a command and tell entities."""
        if (
            self.data is None
            or (found := self.data.thermostat(status.module_id)) is None
        ):
            return
        plant, _module = found
        now = dt_util.utcnow()
        # The thermostat answered: the newest evidence that it can be reached.
        self.evidence.read(status.module_id, now)
        # A command's effect is the newest state there is, whatever the clocks say.
        shown = plant.shown_at.get(status.module_id)
        self._store_thermostat(plant, status, now if shown is None else max(now, shown))
        self.async_update_listeners()

    def apply_pushed(
        self, pushed: Iterable[tuple[ThermostatStatus, datetime | None]]
    ) -> int:
        """
        Store thermostat states that arrived by push, tell entities once, return how many.

        Each state comes with its event time. A state older than the one shown is a late or
        replayed delivery and is dropped; a state of unknown age replaces nothing, it only has
        the thermostat read at the next refresh.
        """
        now = dt_util.utcnow()
        applied = 0
        for status, event_time in pushed:
            found = self.data.thermostat(status.module_id)
            if found is None or found[0].plant.id != status.plant_id:
                self.push.ignored += 1
                continue
            plant = found[0]
            moment = state_time(status, event_time, now, plant.utc_offset)
            if moment is None:
                LOGGER.debug(
                    "A pushed thermostat state of unknown age: read it instead"
                )
                plant.updated.pop(status.module_id, None)
                self.push.ignored += 1
                continue
            shown = plant.shown_at.get(status.module_id)
            if shown is not None and moment < shown:
                LOGGER.debug(
                    "Ignoring a pushed thermostat state older than the one shown"
                )
                self.push.ignored += 1
                self.push.stale += 1
                continue
            # A field this event could not read keeps the value shown, not a blank.
            status = status.keep_readable(plant.thermostats.get(status.module_id))
            self._store_thermostat(plant, status, moment)
            self.evidence.pushed(status.module_id, min(moment, now))
            if not self.evidence.shown(status.module_id, now):
                # A late delivery of an old state: while reads fail, it vouches for nothing.
                plant.unavailable.add(status.module_id)
            applied += 1
        if applied:
            self.push.writes += 1
            self.async_update_listeners()
        return applied

    def _store_polled(self, plant: SmartherPlant, status: ThermostatStatus) -> None:
        """Keep a polled state unless a newer one is shown (a push that overtook the poll)."""
        now = dt_util.utcnow()
        moment = state_time(status, None, now, plant.utc_offset) or now
        shown = plant.shown_at.get(status.module_id)
        if shown is not None and moment < shown:
            # The poll confirms the thermostat answers; the state shown stays.
            plant.unavailable.discard(status.module_id)
            plant.updated[status.module_id] = time.monotonic()
            return
        self._store_thermostat(plant, status, moment)

    @staticmethod
    def _store_thermostat(
        plant: SmartherPlant, status: ThermostatStatus, shown_at: datetime
    ) -> None:
        """Keep a thermostat's state, its time, and the plant's UTC offset it reveals."""
        if status.time is not None and (offset := status.time.utcoffset()) is not None:
            plant.utc_offset = offset
        if (activation := status.activation_time) is not None:
            # Times without a zone are the plant's own: kept with the zone they are in.
            status = replace(
                status,
                activation_time=replace(
                    activation,
                    start=None
                    if activation.start is None
                    else plant.aware(activation.start),
                    end=None if activation.end is None else plant.aware(activation.end),
                ),
            )
        plant.thermostats[status.module_id] = status
        plant.unavailable.discard(status.module_id)
        plant.updated[status.module_id] = time.monotonic()
        plant.shown_at[status.module_id] = shown_at

    def _plant_failed(self, plant_id: str, name: str | None, err: EliotError) -> None:
        """Record and log (once) why a plant is unavailable."""
        self.last_errors[plant_id] = str(err)
        self._log_unavailable(name or "A Home + Control plant", str(err), key=plant_id)

    def _log_unavailable(self, what: str, why: str, key: str | None = None) -> None:
        """Log that something became unavailable, once until it recovers, by its name."""
        name = what if key is not None else self._display_name(what)
        key = key or what
        if key not in self._unavailable_logged:
            self._unavailable_logged[key] = name
            LOGGER.info("%s is unavailable: %s", name, why)

    def _log_recovered(self, key: str) -> None:
        """Log once that something is available again."""
        if (name := self._unavailable_logged.pop(key, None)) is not None:
            self.last_errors.pop(key, None)
            LOGGER.info("%s is available again", name)

    def _display_name(self, what: str) -> str:
        """Return the name of a Smarther plant or thermostat to log, never its raw id."""
        if what == SMARTHER_PLANTS_KEY:
            return "The Smarther plants list"
        if self.data is not None:
            if (found := self.data.thermostat(what)) is not None:
                return found[1].name or "A thermostat"
            if (plant := self.data.smarther.get(what)) is not None:
                return plant.plant.name or "A Smarther plant"
        return "A Smarther plant or thermostat"

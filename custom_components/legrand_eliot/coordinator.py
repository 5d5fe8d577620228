"""The quota-aware coordinator: one schedule for every plant and thermostat of an account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import math
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import OAuth2TokenRequestBaseError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .account_store import decode, encode
from .backoff import RetryBackoff, is_transient
from .changes import ChangeTracker
from .const import DOMAIN, LOGGER
from .data import EliotData, HomeControlPlant, Pushed, SmartherPlant
from .eliot import EliotClient, QuotaBudget
from .eliot.const import DEFAULT_RESERVE_FRACTION, MIN_REFRESH_INTERVAL
from .eliot.exceptions import (
    EliotAccessDeniedError,
    EliotAppPasswordExpiredError,
    EliotAuthError,
    EliotCommandBudgetError,
    EliotError,
    EliotQuotaExceededError,
    EliotTermsExpiredError,
)
from .eliot.models import ModuleState, PlantStatus, ThermostatStatus
from .error_mapping import format_resume_time, refresh_error
from .ha_internals import listeners, scheduled_refresh_at
from .issues import (
    ISSUE_COMMAND_BUDGET_EXHAUSTED,
    ISSUE_QUOTA_EXHAUSTED,
    clear_issue,
    clear_thermostat_app_issues,
    raise_issue,
    raise_thermostat_app_issue,
)
from .poll_schedule import (
    PRIOR_MODULE_CHANGES_A_DAY,
    PRIOR_THERMOSTAT_CHANGES_A_DAY,
    TIMER_SLACK,
    PollSchedule,
    Source,
)
from .push_health import PushEvidence, PushHealth, missed_by_push
from .stores import EntryStores
from .topology import (
    SMARTHER_PLANTS_KEY,
    TOPOLOGY_INTERVAL,
    TopologyReader,
    all_plants,
    plant_read_calls,
)


@dataclass(slots=True)
class LegrandEliotRuntimeData:
    """What a loaded entry keeps: the client and the coordinator."""

    client: EliotClient
    coordinator: LegrandEliotCoordinator


type LegrandEliotConfigEntry = ConfigEntry[LegrandEliotRuntimeData]
# A refresh comes at least this long after the previous one, whatever falls due.
MIN_WAKE = MIN_REFRESH_INTERVAL
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


class LegrandEliotCoordinator(DataUpdateCoordinator[EliotData]):
    """Poll the account within its daily call budget."""

    config_entry: LegrandEliotConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: LegrandEliotConfigEntry,
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
        # The plants lists and topologies, read when due; devices proven gone are removed.
        self.topology = TopologyReader(
            hass,
            config_entry,
            client,
            shown=lambda: self.data,
            smarther_call=self._async_smarther_call,
            failed=self._plant_failed,
            recovered=self._log_recovered,
            save=lambda data: self._stores.account.save_soon(
                self._account_snapshot(data)
            ),
        )
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
        self.topology.restore(restored.hc_read_at, restored.smarther_read_at)
        return True

    def _account_snapshot(self, data: EliotData) -> Callable[[], dict[str, Any]]:
        """Return what writes the account's structure and read times as they are when saved."""
        return lambda: encode(
            data, self.topology.home_control.read_at, self.topology.smarther.read_at
        )

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

    def save_stores_soon(self) -> None:
        """Persist the budget and what polling learned soon (batched with the same moment's)."""
        self._stores.budget.save_soon(self.budget.snapshot)
        self._stores.learned.save_soon(self.schedule.learned)

    async def async_save_stores_now(self) -> None:
        """Persist the budget, and what polling learned, at once (on unload)."""
        await self._stores.budget.async_save_now(self.budget.snapshot)
        await self._stores.learned.async_save_now(self.schedule.learned)

    async def _async_update_data(self) -> EliotData:
        """Refresh within the budget; errors that concern the whole account fail it."""
        try:
            return await self._async_refresh_account()
        except (OAuth2TokenRequestBaseError, EliotError) as err:
            raise refresh_error(
                self.hass, self.config_entry, err, self.retry_after_failure
            ) from err

    async def _async_refresh_account(self) -> EliotData:
        """Read what is due within the budget; a quota pause keeps the last known data."""
        data = self.data if self.data is not None else EliotData()
        self._cloud_failed = False
        try:
            if self.budget.is_paused:
                raise self._quota_error()
            if self.topology.due():
                data = await self.topology.async_read(data)
            await self._async_poll(data)
        except EliotQuotaExceededError as err:
            self.quota_refused(err)
            if self.data is None:
                raise
            return data
        finally:
            self.save_stores_soon()
        self._retry.answered(REFRESH_KEY, dt_util.utcnow())
        clear_issue(self.hass, self.config_entry, ISSUE_QUOTA_EXHAUSTED)
        self._plan(data)
        if self.budget.commands_allowed():
            clear_issue(self.hass, self.config_entry, ISSUE_COMMAND_BUDGET_EXHAUSTED)
        return data

    @property
    def next_refresh(self) -> datetime | None:
        """Return when the next scheduled refresh runs; None while none is scheduled."""
        return scheduled_refresh_at(self)

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
        return self.schedule.due_at(key, confirmed)

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
            self.save_stores_soon()
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
        return 2 + sum(plant_read_calls(plant) for plant in all_plants(data).values())

    def _topology_set_aside(self, data: EliotData, moment: datetime) -> int:
        """Return the calls of the topology reads that fall due before a moment.

        Each plants list and each plant keeps its own read time: a plant read later in a
        spread round falls due later in the next one, so each is counted by its own time,
        those due at once included. Counted from the read times alone, without working out
        which plant the next refresh reads.
        """
        return self.topology.calls_before(data, moment)

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

    def _topology_calls(self, data: EliotData, at: datetime | None = None) -> int:
        """Return what the topology reads due at a refresh at `at` (now) will cost."""
        return self.topology.calls_due(data, at)

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
        except EliotAppPasswordExpiredError as err:
            raise_thermostat_app_issue(self.hass, self.config_entry, err)
            self._log_unavailable(what, "the Thermostat app password expired")
            return None
        except EliotTermsExpiredError as err:
            raise_thermostat_app_issue(self.hass, self.config_entry, err)
            self._log_unavailable(
                what, "the Thermostat app terms must be accepted again"
            )
            return None
        except EliotQuotaExceededError, EliotAuthError:
            raise
        except EliotError as err:
            if isinstance(err, EliotAccessDeniedError):
                self.topology.refused(what)
            self.last_errors[what] = str(err)
            self._log_unavailable(what, str(err))
            return None
        clear_thermostat_app_issues(self.hass, self.config_entry)
        return result

    async def _async_poll(self, data: EliotData) -> None:
        """Read the Home + Control plants' and thermostats' statuses that are due."""
        at = self._refresh_moment()
        now = dt_util.utcnow()
        for hc_plant in data.home_control.values():
            key = hc_plant.plant.id
            if self.topology.left(key):
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
                    self.topology.refused(key)
                self.schedule.read(key, now, None, _plant_prior(hc_plant))
                self._plant_failed(hc_plant.plant.id, hc_plant.plant.name, err)
                hc_plant.available = False
                continue
            self.topology.answered(key)
            self.schedule.read(
                key, now, _module_changes(hc_plant, status), _plant_prior(hc_plant)
            )
            hc_plant.status = status
            hc_plant.available = True
            self._log_recovered(hc_plant.plant.id)
            topology = hc_plant.topology
            if any(topology.module(module_id) is None for module_id in status.modules):
                # A device the topology does not know yet: read the topology next time.
                self.topology.want(hc_plant.plant.id)
        for plant in data.smarther.values():
            if self.topology.left(plant.plant.id):
                plant.unavailable.update(module.id for module in plant.topology.modules)
                continue
            for module in plant.topology.modules:
                due = self._due_by(data, module.id, at)
                if not self.evidence.shown(module.id, at):
                    # Its reads fail and the push that vouched for it is too old now.
                    plant.unavailable.add(module.id)
                if not due:
                    if self._kept_fresh_by_push(plant, module.id):
                        self.push.note_poll_saved()
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
                    if self.topology.left(plant.plant.id):
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
                self.topology.answered(plant.plant.id)
                kept_fresh = self._kept_fresh_by_push(plant, module.id)
                shown = plant.thermostats.get(module.id)
                self.evidence.read(module.id, now)
                plant.store_polled(thermostat, dt_util.utcnow())
                polled = plant.thermostats[module.id]
                if kept_fresh and missed_by_push(shown, polled, now):
                    # A change push should have brought first: push may have gone silent.
                    self.push.missed_change(plant.plant.id, now)
                self._log_recovered(module.id)

    @callback
    @override
    def async_update_listeners(self) -> None:
        """Tell the listeners whose device changed since they were last told, and those of none.

        On a large account most refreshes, pushed events and commands change a few devices:
        calling every entity to find them costs more than the refresh. Everyone is told the
        first time and whenever the refresh's success flips.
        """
        changes = self._told.since_last_told(self.data, self.last_update_success)
        for update_callback, context in listeners(self):
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
        if plant.store_module_state(state):
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
            self.save_stores_soon()
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
        plant.store_commanded(status, now)
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
                self.push.note_ignored()
                continue
            plant = found[0]
            pushed_as = plant.store_pushed(status, event_time, now)
            if pushed_as is Pushed.UNKNOWN_AGE:
                LOGGER.debug(
                    "A pushed thermostat state of unknown age: read it instead"
                )
                self.push.note_ignored()
                continue
            if pushed_as is Pushed.OLDER:
                LOGGER.debug(
                    "Ignoring a pushed thermostat state older than the one shown"
                )
                self.push.note_stale()
                continue
            moment = plant.shown_at[status.module_id]
            self.evidence.pushed(status.module_id, min(moment, now))
            if not self.evidence.shown(status.module_id, now):
                # A late delivery of an old state: while reads fail, it vouches for nothing.
                plant.unavailable.add(status.module_id)
            applied += 1
        if applied:
            self.push.note_written()
            self.async_update_listeners()
        return applied

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

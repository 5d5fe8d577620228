"""The quota-aware coordinator: one schedule for every plant and thermostat of an account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import OAuth2TokenRequestBaseError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .account_store import decode, encode
from .availability_log import AvailabilityLog
from .changes import ChangeTracker, commanded_state
from .command_queue import DeviceQueues
from .const import DOMAIN, LOGGER
from .data import EliotData, HomeControlPlant
from .eliot import EliotClient, QuotaBudget
from .eliot.exceptions import (
    EliotCommandBudgetError,
    EliotError,
    EliotQuotaExceededError,
)
from .eliot.home_control_models import ModuleState
from .eliot.smarther_models import ThermostatStatus
from .error_mapping import format_resume_time, refresh_error
from .ha_internals import listeners, reschedule_refresh, scheduled_refresh_at
from .issues import (
    ISSUE_COMMAND_BUDGET_EXHAUSTED,
    ISSUE_QUOTA_EXHAUSTED,
    clear_issue,
    raise_issue,
)
from .poll_schedule import PollSchedule
from .push_health import PushEvidence, PushHealth
from .pushed_states import keep_pushed_states
from .refresh_plan import RefreshPlan
from .status_poll import StatusPoll
from .stores import EntryStores
from .topology import TopologyReader


@dataclass(slots=True)
class LegrandEliotRuntimeData:
    """What a loaded entry keeps: the client and the coordinator."""

    client: EliotClient
    coordinator: LegrandEliotCoordinator


type LegrandEliotConfigEntry = ConfigEntry[LegrandEliotRuntimeData]


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
        # What became unavailable and came back, logged once each, and the errors kept.
        self._availability = AvailabilityLog(lambda: self.data)
        self.last_errors = self._availability.last_errors
        # The plants lists and topologies, read when due; devices proven gone are removed.
        self.topology = TopologyReader(
            hass,
            config_entry,
            client,
            shown=lambda: self.data,
            smarther_call=self._async_smarther_call,
            failed=self._availability.plant_failed,
            recovered=self._availability.recovered,
            save=lambda data: self._stores.account.save_soon(
                self._account_snapshot(data)
            ),
        )
        self.push = PushHealth()
        # Each device's commands, one queue a device, shared by the entities that command it.
        self.commands = DeviceQueues()
        # What vouches for each thermostat while its reads fail: a recent pushed state.
        self.evidence = PushEvidence()
        self._told = ChangeTracker()
        # When each plant and thermostat is read, from how often it changes.
        self.schedule = PollSchedule(zone=client.budget.time_zone)
        self.plan = RefreshPlan(
            client.budget, self.schedule, self.topology, self.push, self.evidence
        )
        self._poll = StatusPoll(
            hass,
            config_entry,
            client,
            plan=self.plan,
            topology=self.topology,
            push=self.push,
            evidence=self.evidence,
            log=self._availability,
        )

    @property
    def budget(self) -> QuotaBudget:
        """Return the call budget the client charges."""
        return self.client.budget

    @property
    def planned_calls(self) -> int:
        """Return the calls the next refresh was planned to make."""
        return self.plan.planned_calls

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
        await self._stores.async_restore_learned(
            self.schedule.restore_learned,
            lambda raw: self.push.restore_kept(raw, dt_util.utcnow()),
        )

    def save_stores_soon(self) -> None:
        """Persist the budget and what polling learned soon (batched with the same moment's)."""
        self._stores.save_polling_soon(
            self.budget.snapshot, self.schedule.learned, self.push.kept
        )

    async def async_save_stores_now(self) -> None:
        """Persist the budget, and what polling learned, at once (on unload)."""
        await self._stores.async_save_polling_now(
            self.budget.snapshot, self.schedule.learned, self.push.kept
        )

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
        self.plan.refresh_started()
        try:
            if self.budget.is_paused:
                raise self._quota_error()
            if self.topology.due():
                data = await self.topology.async_read(data)
            await self._poll.async_poll(data)
        except EliotQuotaExceededError as err:
            self.quota_refused(err)
            if self.data is None:
                raise
            return data
        finally:
            self.save_stores_soon()
        self.plan.refresh_answered()
        clear_issue(self.hass, self.config_entry, ISSUE_QUOTA_EXHAUSTED)
        self.update_interval = self.plan.plan(data)
        if self.budget.commands_allowed():
            clear_issue(self.hass, self.config_entry, ISSUE_COMMAND_BUDGET_EXHAUSTED)
        return data

    @property
    def next_refresh(self) -> datetime | None:
        """Return when the next scheduled refresh runs; None while none is scheduled."""
        return scheduled_refresh_at(self)

    def retry_after_failure(self) -> float | None:
        """Return how soon to try a refresh that failed for a passing reason again."""
        return self.plan.retry_after_failure(self.update_interval)

    def calls_per_refresh(self, data: EliotData) -> int:
        """Return the calls of a refresh now reading every source push does not keep fresh."""
        return self.plan.calls_per_refresh(data)

    def request_full_read(self) -> None:
        """Have the next refresh read every plant and thermostat polled, due or not."""
        self.plan.request_full_read()

    async def async_request_refresh(self) -> None:
        """Refresh soon, reading everything: someone asked for fresh states (update entity)."""
        self.request_full_read()
        await super().async_request_refresh()

    async def _async_smarther_call[**P, T](
        self,
        what: str,
        call: Callable[P, Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """Make a topology read's Smarther call the way the status poll makes its own."""
        return await self._poll.async_smarther_call(what, call, *args, **kwargs)

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
        self._availability.quota_paused(err)

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
        self._store_module_state(found[0], commanded_state(found[2], **changes))

    def _store_module_state(self, plant: HomeControlPlant, state: ModuleState) -> None:
        """Keep one module's new state and tell entities."""
        if plant.store_module_state(state):
            self.async_update_listeners()

    def confirm_module(self, module_id: str) -> None:
        """Read one module now (a shutter that should have arrived), if the budget allows."""
        if self.budget.can_spare_call():
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

        Each state comes with its event time: late, replayed and undated ones are not shown.
        """
        applied = keep_pushed_states(
            self.data, pushed, self.push, self.evidence, dt_util.utcnow()
        )
        if applied:
            self.push.note_written()
            self._retime_next_refresh()
            self.async_update_listeners()
        return applied

    def _retime_next_refresh(self) -> None:
        """Move the scheduled refresh when a pushed state left it nothing to read."""
        if not self.last_update_success or scheduled_refresh_at(self) is None:
            return
        if (wait := self.plan.retimed(self.data)) is not None:
            self.update_interval = wait
            reschedule_refresh(self)

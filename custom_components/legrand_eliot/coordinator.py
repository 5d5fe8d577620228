"""The quota-aware coordinator: one schedule for every plant and thermostat of an account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
import math
import time
from typing import TYPE_CHECKING, Any, Concatenate

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .eliot import EliotClient, QuotaBudget
from .eliot.exceptions import (
    EliotAppPasswordExpiredError,
    EliotAuthError,
    EliotCommandBudgetError,
    EliotError,
    EliotNotFoundError,
    EliotQuotaExceededError,
    EliotTermsExpiredError,
)
from .eliot.models import (
    Module,
    ModuleState,
    Plant,
    PlantStatus,
    Program,
    Scene,
    ThermostatStatus,
    Topology,
)
from .helpers import error_translation, format_resume_time
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

if TYPE_CHECKING:
    from .webhook import EliotPush

# Topology, scenes, programs and the plants lists change rarely: read them twice a day.
TOPOLOGY_INTERVAL = timedelta(hours=12)
STORAGE_VERSION = 1
# Saving the budget a few seconds late batches the writes of one refresh into one.
STORAGE_SAVE_DELAY = 5
# While push covers a thermostat, it is still polled this often: events lost to a ban or an outage
# are corrected within this window.
RECONCILE_INTERVAL = timedelta(minutes=30)
# A pushed state older than the last poll by more than this is a late delivery: the poll is newer.
# The margin absorbs the difference between the cloud's clock and Home Assistant's.
LATE_EVENT_TOLERANCE = timedelta(minutes=2)


def budget_store_key(entry_id: str) -> str:
    """Return the storage key under which an entry's call budget is kept."""
    return f"{DOMAIN}.{entry_id}.quota"


type LegrandEliotConfigEntry = ConfigEntry[LegrandEliotRuntimeData]


@dataclass(slots=True)
class LegrandEliotRuntimeData:
    """What a loaded entry keeps: the client, the coordinator and push."""

    client: EliotClient
    coordinator: LegrandEliotCoordinator
    push: EliotPush | None = None


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
class HomeControlPlant:
    """A Home + Control plant: its rooms and devices, their last states, its scenes."""

    plant: Plant
    topology: Topology
    scenes: list[Scene] = field(default_factory=list)
    status: PlantStatus | None = None
    # False while the gateway does not answer: all of its modules are unavailable then.
    available: bool = False


@dataclass(slots=True)
class SmartherPlant:
    """A Smarther plant: its thermostats, their last statuses and programs."""

    plant: Plant
    topology: Topology
    thermostats: dict[str, ThermostatStatus] = field(default_factory=dict)
    programs: dict[str, list[Program]] = field(default_factory=dict)
    # Thermostats whose last poll failed (offline gateway, app password...): unavailable.
    unavailable: set[str] = field(default_factory=set)
    # When each thermostat's state was last confirmed by the cloud (monotonic seconds).
    updated: dict[str, float] = field(default_factory=dict)
    # The same moment on the wall clock (UTC), to tell a late pushed event from a newer poll.
    confirmed_at: dict[str, datetime] = field(default_factory=dict)


@dataclass(slots=True)
class EliotData:
    """The account as Home Assistant last saw it."""

    home_control: dict[str, HomeControlPlant] = field(default_factory=dict)
    smarther: dict[str, SmartherPlant] = field(default_factory=dict)

    def home_control_module(
        self, module_id: str
    ) -> tuple[HomeControlPlant, Module, ModuleState] | None:
        """Return a Home + Control module, its plant and its state (unreachable if unknown)."""
        for plant in self.home_control.values():
            if (module := plant.topology.module(module_id)) is not None:
                state = (
                    plant.status.state(module_id, module.device)
                    if plant.status is not None and plant.available
                    else ModuleState.unreachable(module_id, module.device)
                )
                return plant, module, state
        return None

    def device_ids(self) -> set[str]:
        """Return the ids of every plant and module of the account."""
        ids: set[str] = set()
        for hc_plant in self.home_control.values():
            ids.add(hc_plant.plant.id)
            ids.update(module.id for module in hc_plant.topology.modules)
        for smarther_plant in self.smarther.values():
            ids.add(smarther_plant.plant.id)
            ids.update(module.id for module in smarther_plant.topology.modules)
        return ids

    def thermostat(self, module_id: str) -> tuple[SmartherPlant, Module] | None:
        """Return a thermostat's plant and module."""
        for plant in self.smarther.values():
            if (module := plant.topology.module(module_id)) is not None:
                return plant, module
        return None


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
                translation_domain=DOMAIN, translation_key="token_refresh_failed"
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
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, budget_store_key(config_entry.entry_id)
        )
        self._topology_read_at: float | None = None
        self._topology_wanted: set[str] = set()
        # What is logged as unavailable, by key, with the name the log used.
        self._unavailable_logged: dict[str, str] = {}
        self.last_errors: dict[str, str] = {}
        self._pause_logged: datetime | None = None
        self.push = PushHealth()

    @property
    def budget(self) -> QuotaBudget:
        """Return the call budget the client charges."""
        return self.client.budget

    def set_daily_limit(self, limit: int) -> None:
        """Use a new daily call budget from now on, and space refreshes accordingly."""
        if limit == self.budget.daily_limit:
            return
        self.budget.daily_limit = limit
        self.save_budget()
        if self.data is not None and not self.budget.is_paused:
            self.update_interval = self.budget.refresh_interval(
                self.calls_per_refresh(self.data)
            )

    async def async_restore_budget(self) -> None:
        """Restore what was spent today, so a restart does not forget it."""
        if (stored := await self._store.async_load()) is not None:
            self.budget.restore(stored)

    def save_budget(self) -> None:
        """Persist the budget soon (batched with other changes of the same moment)."""
        self._store.async_delay_save(self.budget.snapshot, STORAGE_SAVE_DELAY)

    async def async_save_budget_now(self) -> None:
        """Persist the budget at once (on unload)."""
        await self._store.async_save(self.budget.snapshot())

    @_account_errors
    async def _async_update_data(self) -> EliotData:
        """Refresh within the budget; a quota pause keeps the last known data."""
        data = self.data if self.data is not None else EliotData()
        try:
            if self.budget.is_paused:
                raise self._quota_error()
            if self._topology_due():
                data = await self._async_read_topology(data)
                self._remove_stale_devices(data)
            await self._async_poll(data)
        except EliotQuotaExceededError as err:
            self.quota_refused(err)
            if self.data is None:
                raise
            return data
        finally:
            self.save_budget()
        clear_issue(self.hass, self.config_entry, ISSUE_QUOTA_EXHAUSTED)
        calls = self.calls_per_refresh(data)
        topology = self._topology_calls(data)
        self.budget.floor_calls_per_hour = calls + math.ceil(
            topology / (TOPOLOGY_INTERVAL / timedelta(hours=1))
        )
        if self.budget.commands_allowed():
            clear_issue(self.hass, self.config_entry, ISSUE_COMMAND_BUDGET_EXHAUSTED)
        self.update_interval = self.budget.refresh_interval(
            calls,
            set_aside=topology * self._topology_reads_before(self.budget.reset_at),
        )
        return data

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
        """Return how many calls the next refresh makes: thermostats push keeps fresh are not read."""
        now = time.monotonic()
        thermostats = sum(
            1
            for plant in data.smarther.values()
            for module in plant.topology.modules
            if not self._kept_fresh_by_push(plant, module.id, now)
        )
        return max(1, len(data.home_control) + thermostats)

    @staticmethod
    def _topology_calls(data: EliotData) -> int:
        """Return the calls of one topology read: both lists, each plant, each program list."""
        calls = 2 + 2 * len(data.home_control) + len(data.smarther)
        return calls + sum(len(p.topology.modules) for p in data.smarther.values())

    def _topology_reads_before(self, moment: datetime) -> int:
        """Return how many scheduled topology reads fall before a moment."""
        if self._topology_read_at is None:
            return 1
        due = dt_util.utcnow() + timedelta(
            seconds=self._topology_read_at
            + TOPOLOGY_INTERVAL.total_seconds()
            - time.monotonic()
        )
        return max(0, math.ceil((moment - due) / TOPOLOGY_INTERVAL))

    def _kept_fresh_by_push(
        self, plant: SmartherPlant, module_id: str, now: float
    ) -> bool:
        """Return whether push covers a thermostat whose state was confirmed recently enough."""
        confirmed = plant.updated.get(module_id)
        return (
            self.push.covers(plant.plant.id)
            and module_id not in plant.unavailable
            and confirmed is not None
            and now - confirmed < RECONCILE_INTERVAL.total_seconds()
        )

    def _topology_due(self) -> bool:
        """Return whether the plants and their topology should be read again."""
        return (
            self._topology_read_at is None
            or bool(self._topology_wanted)
            or time.monotonic() - self._topology_read_at
            >= TOPOLOGY_INTERVAL.total_seconds()
        )

    async def _async_read_topology(self, old: EliotData) -> EliotData:
        """Read both plants lists, each plant's topology, scenes and programs."""
        data = EliotData()
        try:
            hc_plants = await self.client.hc_plants()
        except EliotNotFoundError:
            # Legrand moved Home + Control to Netatmo: this account's H+C API is gone.
            raise_issue(
                self.hass,
                self.config_entry,
                ISSUE_HOME_CONTROL_RETIRED,
                severity=ir.IssueSeverity.WARNING,
            )
            hc_plants = []
        else:
            clear_issue(self.hass, self.config_entry, ISSUE_HOME_CONTROL_RETIRED)
        for plant in hc_plants:
            data.home_control[plant.id] = await self._async_home_control_topology(
                plant, old.home_control.get(plant.id)
            )
        smarther_plants = await self._async_smarther_call(
            "plants", self.client.smarther_plants
        )
        if smarther_plants is None:
            # The list could not be read: the thermostats known so far stay, with their
            # devices and push subscriptions, until the next topology read.
            data.smarther = old.smarther
        for plant in smarther_plants or []:
            data.smarther[plant.id] = await self._async_smarther_topology(
                plant, old.smarther.get(plant.id)
            )
        self._topology_read_at = time.monotonic()
        self._topology_wanted.clear()
        return data

    async def _async_home_control_topology(
        self, plant: Plant, old: HomeControlPlant | None
    ) -> HomeControlPlant:
        """Read a Home + Control plant's topology and scenes; keep the old ones on failure."""
        try:
            topology = await self.client.hc_topology(plant.id)
            scenes = await self.client.hc_scenes(plant.id)
        except EliotQuotaExceededError:
            raise
        except EliotError as err:
            self._plant_failed(plant.id, plant.name, err)
            if old is not None:
                return HomeControlPlant(
                    plant, old.topology, old.scenes, old.status, False
                )
            return HomeControlPlant(
                plant,
                Topology(plant_id=plant.id, name=plant.name, ambients=(), modules=()),
            )
        return HomeControlPlant(
            plant,
            topology,
            scenes,
            old.status if old else None,
            old.available if old else False,
        )

    async def _async_smarther_topology(
        self, plant: Plant, old: SmartherPlant | None
    ) -> SmartherPlant:
        """Read a Smarther plant's thermostats and their programs."""
        result = SmartherPlant(
            plant,
            old.topology
            if old
            else Topology(plant_id=plant.id, name=plant.name, ambients=(), modules=()),
        )
        if old is not None:
            result.thermostats = old.thermostats
            result.programs = old.programs
            result.updated = old.updated
            result.confirmed_at = old.confirmed_at
        topology = await self._async_smarther_call(
            plant.id, self.client.smarther_topology, plant.id
        )
        if topology is None:
            return result
        result.topology = topology
        for module in topology.modules:
            programs = await self._async_smarther_call(
                module.id, self.client.program_list, plant.id, module.id
            )
            if programs is not None:
                result.programs[module.id] = programs
        return result

    async def _async_smarther_call[**P, T](
        self,
        what: str,
        call: Callable[P, Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """Make a Smarther call; app password and terms problems become repair issues."""
        try:
            result = await call(*args, **kwargs)
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
            self.last_errors[what] = str(err)
            self._log_unavailable(what, str(err))
            return None
        clear_issue(self.hass, self.config_entry, ISSUE_APP_PASSWORD_EXPIRED)
        clear_issue(self.hass, self.config_entry, ISSUE_TERMS_EXPIRED)
        return result

    async def _async_poll(self, data: EliotData) -> None:
        """Read each Home + Control plant's status and each thermostat's status."""
        for hc_plant in data.home_control.values():
            try:
                status = await self.client.hc_plant_status(hc_plant.plant.id)
            except EliotQuotaExceededError, EliotAuthError:
                raise
            except EliotError as err:
                self._plant_failed(hc_plant.plant.id, hc_plant.plant.name, err)
                hc_plant.available = False
                continue
            hc_plant.status = status
            hc_plant.available = True
            self._log_recovered(hc_plant.plant.id)
            topology = hc_plant.topology
            if any(topology.module(module_id) is None for module_id in status.modules):
                # A device the topology does not know yet: read the topology next time.
                self._topology_wanted.add(hc_plant.plant.id)
        now = time.monotonic()
        for plant in data.smarther.values():
            for module in plant.topology.modules:
                if self._kept_fresh_by_push(plant, module.id, now):
                    self.push.polls_saved += 1
                    continue
                thermostat = await self._async_smarther_call(
                    module.id,
                    self.client.thermostat_status,
                    plant.plant.id,
                    module.id,
                )
                if thermostat is None:
                    plant.unavailable.add(module.id)
                    continue
                self._store_thermostat(plant, thermostat, dt_util.utcnow())
                self._log_recovered(module.id)

    def _remove_stale_devices(self, data: EliotData) -> None:
        """Remove devices whose module left the account (seen in a fresh topology)."""
        known = data.device_ids()
        registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(
            registry, self.config_entry.entry_id
        ):
            ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            if ids and not ids & known:
                LOGGER.debug("Removing device %s: it left the account", device.name)
                registry.async_update_device(
                    device.id, remove_config_entry_id=self.config_entry.entry_id
                )

    def apply_module_state(self, module_id: str, **changes: Any) -> None:
        """Show a command's effect at once, until the next poll confirms it."""
        if (
            self.data is None
            or (found := self.data.home_control_module(module_id)) is None
        ):
            return
        plant, _module, state = found
        if plant.status is None:
            return
        plant.status = replace(
            plant.status,
            modules={**plant.status.modules, module_id: replace(state, **changes)},
        )
        self.async_update_listeners()

    def apply_thermostat(self, status: ThermostatStatus) -> None:
        """Store a thermostat's new status after a command and tell entities."""
        if (
            self.data is None
            or (found := self.data.thermostat(status.module_id)) is None
        ):
            return
        plant, _module = found
        self._store_thermostat(plant, status, dt_util.utcnow())
        self.async_update_listeners()

    def apply_pushed(
        self, pushed: Iterable[tuple[ThermostatStatus, datetime | None]]
    ) -> int:
        """
        Store thermostat states that arrived by push, tell entities once, return how many.

        Each state comes with its event time. One older than what a poll confirmed since is a
        late delivery and is dropped: the polled state is newer.
        """
        now = dt_util.utcnow()
        applied = 0
        for status, event_time in pushed:
            found = self.data.thermostat(status.module_id)
            if found is None or found[0].plant.id != status.plant_id:
                self.push.ignored += 1
                continue
            plant = found[0]
            confirmed = plant.confirmed_at.get(status.module_id)
            if (
                event_time is not None
                and confirmed is not None
                and event_time < confirmed - LATE_EVENT_TOLERANCE
            ):
                LOGGER.debug(
                    "Ignoring a pushed thermostat state older than the last poll"
                )
                self.push.ignored += 1
                continue
            self._store_thermostat(plant, status, min(event_time or now, now))
            applied += 1
        if applied:
            self.push.writes += 1
            self.async_update_listeners()
        return applied

    @staticmethod
    def _store_thermostat(
        plant: SmartherPlant, status: ThermostatStatus, confirmed_at: datetime
    ) -> None:
        """Keep a thermostat's state and when the cloud confirmed it."""
        plant.thermostats[status.module_id] = status
        plant.unavailable.discard(status.module_id)
        plant.updated[status.module_id] = time.monotonic()
        plant.confirmed_at[status.module_id] = confirmed_at

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
        if what == "plants":
            return "The Smarther plants list"
        if self.data is not None:
            if (found := self.data.thermostat(what)) is not None:
                return found[1].name or "A thermostat"
            if (plant := self.data.smarther.get(what)) is not None:
                return plant.plant.name or "A Smarther plant"
        return "A Smarther plant or thermostat"

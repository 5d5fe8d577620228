"""The status poll: each refresh reads the plants' and thermostats' statuses that are due.

What a read finds changed is counted for the schedule, which learns from it how often each
plant and thermostat changes; a thermostat push should have kept fresh that shows a person's
change tells push health that push may have gone silent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .availability_log import AvailabilityLog
from .data import EliotData, HomeControlPlant, SmartherPlant
from .eliot import EliotClient
from .eliot.exceptions import (
    EliotAccessDeniedError,
    EliotAppPasswordExpiredError,
    EliotAuthError,
    EliotError,
    EliotQuotaExceededError,
    EliotTermsExpiredError,
)
from .eliot.home_control_models import ModuleState, PlantStatus
from .eliot.smarther_models import ThermostatStatus
from .issues import clear_thermostat_app_issues, raise_thermostat_app_issue
from .push_health import PushEvidence, PushHealth, missed_by_push
from .refresh_plan import THERMOSTAT_PRIOR, RefreshPlan, plant_prior
from .topology import TopologyReader


def _module_state_key(state: ModuleState) -> tuple[Any, ...]:
    """Return what a person changes of a module (not its measures)."""
    return (state.reachable, state.on, state.level, state.step)


def module_changes(plant: HomeControlPlant, status: PlantStatus) -> int | None:
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


def thermostat_changes(plant: SmartherPlant, status: ThermostatStatus) -> int | None:
    """Return 1 when a polled thermostat state differs from the one shown; None if none was."""
    if (old := plant.thermostats.get(status.module_id)) is None:
        return None
    return int(_thermostat_key(old) != _thermostat_key(status))


class StatusPoll:
    """Read the statuses the plan has due, and keep what they show."""

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConfigEntry,
        client: EliotClient,
        *,
        plan: RefreshPlan,
        topology: TopologyReader,
        push: PushHealth,
        evidence: PushEvidence,
        log: AvailabilityLog,
    ) -> None:
        """Keep what the reads need: the client, the plan, the topology, push, the log."""
        self._hass = hass
        self._entry = config_entry
        self._client = client
        self._plan = plan
        self._schedule = plan.schedule
        self._topology = topology
        self._push = push
        self._evidence = evidence
        self._log = log

    async def async_smarther_call[**P, T](
        self,
        what: str,
        call: Callable[P, Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """Make a Smarther call; app password and terms problems become repair issues."""
        try:
            result = await self._plan.async_read(what, call(*args, **kwargs))
        except EliotAppPasswordExpiredError as err:
            raise_thermostat_app_issue(self._hass, self._entry, err)
            self._log.unavailable(what, "the Thermostat app password expired")
            return None
        except EliotTermsExpiredError as err:
            raise_thermostat_app_issue(self._hass, self._entry, err)
            self._log.unavailable(
                what, "the Thermostat app terms must be accepted again"
            )
            return None
        except EliotQuotaExceededError, EliotAuthError:
            raise
        except EliotError as err:
            if isinstance(err, EliotAccessDeniedError):
                self._topology.refused(what)
            self._log.smarther_failed(what, err)
            return None
        clear_thermostat_app_issues(self._hass, self._entry)
        return result

    async def async_poll(self, data: EliotData) -> None:
        """Read the Home + Control plants' and thermostats' statuses that are due."""
        at = self._plan.refresh_moment()
        now = dt_util.utcnow()
        for hc_plant in data.home_control.values():
            key = hc_plant.plant.id
            if self._topology.left(key):
                hc_plant.available = False
                continue
            if not self._plan.due_by(data, key, at) or self._plan.retry_left_out(
                data, key, at
            ):
                continue
            try:
                status = await self._plan.async_read(
                    key, self._client.hc_plant_status(key)
                )
            except EliotQuotaExceededError, EliotAuthError:
                raise
            except EliotError as err:
                if isinstance(err, EliotAccessDeniedError):
                    self._topology.refused(key)
                self._schedule.read(key, now, None, plant_prior(hc_plant))
                self._log.plant_failed(hc_plant.plant.id, hc_plant.plant.name, err)
                hc_plant.available = False
                continue
            self._topology.answered(key)
            self._schedule.read(
                key, now, module_changes(hc_plant, status), plant_prior(hc_plant)
            )
            hc_plant.status = status
            hc_plant.available = True
            self._log.recovered(hc_plant.plant.id)
            topology = hc_plant.topology
            if any(topology.module(module_id) is None for module_id in status.modules):
                # A device the topology does not know yet: read the topology next time.
                self._topology.want(hc_plant.plant.id)
        for plant in data.smarther.values():
            await self._async_poll_thermostats(data, plant, at, now)

    async def _async_poll_thermostats(
        self, data: EliotData, plant: SmartherPlant, at: datetime, now: datetime
    ) -> None:
        """Read the thermostats of a Smarther plant that are due (at `at`, read at `now`)."""
        if self._topology.left(plant.plant.id):
            plant.unavailable.update(module.id for module in plant.topology.modules)
            return
        for module in plant.topology.modules:
            due = self._plan.due_by(data, module.id, at)
            if not self._evidence.shown(module.id, at):
                # Its reads fail and the push that vouched for it is too old now.
                plant.unavailable.add(module.id)
            if not due:
                if self._plan.kept_fresh_by_push(plant, module.id):
                    self._push.note_poll_saved()
                continue
            if self._plan.retry_left_out(data, module.id, at):
                continue
            thermostat = await self.async_smarther_call(
                module.id,
                self._client.thermostat_status,
                plant.plant.id,
                module.id,
            )
            if thermostat is None:
                self._schedule.read(module.id, now, None, THERMOSTAT_PRIOR)
                self._evidence.failed(module.id)
                if not self._evidence.shown(module.id, now):
                    # Nothing newer vouches for the state shown: a recent push would.
                    plant.unavailable.add(module.id)
                if self._topology.left(plant.plant.id):
                    # The plant refused the account: its other thermostats would too.
                    plant.unavailable.update(m.id for m in plant.topology.modules)
                    return
                continue
            self._schedule.read(
                module.id,
                now,
                thermostat_changes(plant, thermostat),
                THERMOSTAT_PRIOR,
            )
            self._topology.answered(plant.plant.id)
            kept_fresh = self._plan.kept_fresh_by_push(plant, module.id)
            shown = plant.thermostats.get(module.id)
            self._evidence.read(module.id, now)
            plant.store_polled(thermostat, dt_util.utcnow())
            polled = plant.thermostats[module.id]
            if kept_fresh and missed_by_push(shown, polled, now):
                # A change push should have brought first: push may have gone silent.
                self._push.missed_change(plant.plant.id, now)
            self._log.recovered(module.id)

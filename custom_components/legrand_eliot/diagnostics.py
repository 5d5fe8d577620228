"""Diagnostics: the account's topology, states, quota and schedule, with secrets and ids hidden."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
import re
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.util import dt as dt_util

from .const import CONF_SUBSCRIPTION_KEY, DOMAIN
from .coordinator import LegrandEliotConfigEntry
from .data import EliotData
from .eliot import QuotaBudget
from .eliot.ids import hashed_id as _hash
from .eliot.ledger import CallFamily
from .poll_schedule import RECONCILE_INTERVAL, PollSchedule
from .push_health import PushHealth
from .push_subscriptions import CONF_PUSH_URL

TO_REDACT = {
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_secret",
    CONF_SUBSCRIPTION_KEY,
    "endpoint_url",
    "unique_id",
    # Whoever knows the webhook's address can post to it.
    CONF_WEBHOOK_ID,
    CONF_PUSH_URL,
}
# Keys whose values identify a home or a device: replaced by a stable short hash.
ID_KEYS = {"id", "plant_id", "module_id", "ambient_id", "subscription_id", "module_ids"}
# Keys whose values are mappings from an id to data.
ID_KEYED = {"modules"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _plain(value: Any, key: str | None = None) -> Any:
    """Turn models into JSON-friendly data, hashing ids and hiding e-mail addresses."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        # Mappings keyed by module id (a plant status) hash their keys like any other id.
        hash_keys = key in ID_KEYED
        return {
            (_hash(str(k)) if hash_keys else str(k)): _plain(v, str(k))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        # A list of ids is hashed item by item; a list of objects is not an id mapping.
        return [_plain(item, key if isinstance(item, str) else None) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        if key in ID_KEYS:
            return _hash(value)
        return EMAIL.sub("**REDACTED**", value)
    return value


def _account(data: EliotData | None) -> dict[str, Any]:
    """Describe every plant with its topology and last states."""
    if data is None:
        return {}
    return {
        "home_control": [
            _plain(
                {
                    "plant": plant.plant,
                    "available": plant.available,
                    "topology": plant.topology,
                    "scenes": plant.scenes,
                    "status": plant.status,
                }
            )
            for plant in data.home_control.values()
        ],
        "smarther": [
            _plain(
                {
                    "plant": plant.plant,
                    "topology": plant.topology,
                    "thermostats": list(plant.thermostats.values()),
                    "programs": {_hash(k): v for k, v in plant.programs.items()},
                    "unavailable": sorted(
                        _hash(module_id) for module_id in plant.unavailable
                    ),
                }
            )
            for plant in data.smarther.values()
        ],
    }


def _learned(schedule: PollSchedule) -> dict[str, Any]:
    """Describe what polling learned: each source's change rate and interval, the day's hours."""
    return {
        "sources": {
            _hash(key): {
                "changes_per_hour": round(rate.rate, 4),
                "interval_seconds": (
                    schedule.intervals[key].total_seconds()
                    if key in schedule.intervals
                    else None
                ),
                "last_read": _plain(schedule.last_read.get(key)),
            }
            for key, rate in schedule.rates.items()
        },
        "hour_weights": [round(weight, 3) for weight in schedule.day.weights],
    }


def _push(health: PushHealth) -> dict[str, Any]:
    """Describe how push stands: subscriptions, what arrived, what polling it saved."""
    return {
        "state": health.state.value,
        "url_kind": health.url_kind,
        "subscribed_plants": sorted(_hash(plant) for plant in health.subscriptions),
        "failed_plants": sorted(_hash(plant) for plant in health.failed_plants),
        "receiving_plants": sorted(_hash(plant) for plant in health.receiving),
        "deliveries": health.deliveries,
        "events": health.events,
        "ignored": health.ignored,
        "rejected": health.rejected,
        "writes": health.writes,
        "last_event": health.last_event.isoformat() if health.last_event else None,
        "polls_saved": health.polls_saved,
        "silent_plants": {
            _hash(plant): since.isoformat() for plant, since in health.silent.items()
        },
        "missed_changes": {
            _hash(plant): count for plant, count in health.missed.items()
        },
        "reconcile_interval_seconds": RECONCILE_INTERVAL.total_seconds(),
    }


def _seconds_since(moment: datetime | None) -> int | None:
    """Return how many whole seconds ago a moment was; None for no moment."""
    if moment is None:
        return None
    return round((dt_util.utcnow() - moment).total_seconds())


def _call_ledger(budget: QuotaBudget, health: PushHealth) -> dict[str, Any]:
    """Describe how today's calls were spent, the last refusal, and what push delivered."""
    ledger = budget.ledger
    refusal = ledger.last_refusal
    return {
        # The hours are those of Home Assistant's time zone; the day is the quota's.
        "time_zone": str(budget.time_zone),
        "calls_by_hour": {
            f"{hour:02d}:00": count
            for hour, count in enumerate(ledger.by_hour)
            if count
        },
        "calls_by_family": {
            family.value: ledger.by_family.get(family, 0) for family in CallFamily
        },
        "calls_recorded": ledger.recorded,
        # Refused before being sent: never counted by Legrand.
        "calls_held_back": ledger.held_back,
        "last_refusal": None
        if refusal is None
        else {
            "at": refusal.at.isoformat(),
            "resume_at": refusal.resume_at.isoformat(),
            "daily_quota": refusal.daily,
        },
        "push_deliveries": {
            "received": health.deliveries,
            "last": _plain(health.last_delivery),
            "age_seconds": _seconds_since(health.last_delivery),
            "last_event_lag_seconds": None
            if health.last_event_lag is None
            else round(health.last_event_lag.total_seconds()),
            "dropped_as_stale": health.stale,
        },
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    coordinator = entry.runtime_data.coordinator
    budget = coordinator.budget
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "quota": {
            **{k: v for k, v in budget.snapshot().items() if k != "ledger"},
            "calls_left": budget.calls_left,
            "paused": budget.is_paused,
        },
        "call_ledger": _call_ledger(budget, coordinator.push),
        "schedule": {
            "update_interval_seconds": (
                coordinator.update_interval.total_seconds()
                if coordinator.update_interval
                else None
            ),
            "calls_per_refresh": (
                coordinator.calls_per_refresh(coordinator.data)
                if coordinator.data
                else None
            ),
            "last_update_success": coordinator.last_update_success,
            "next_refresh": (
                coordinator.next_refresh.isoformat()
                if coordinator.next_refresh
                else None
            ),
            **_learned(coordinator.schedule),
            "topology_read_at": {
                _hash(plant_id): _plain(plant.read_at)
                for plant_id, plant in (
                    *(
                        coordinator.data.home_control.items()
                        if coordinator.data
                        else ()
                    ),
                    *(coordinator.data.smarther.items() if coordinator.data else ()),
                )
            },
        },
        "push": _push(coordinator.push),
        "last_errors": {
            _hash(key): _plain(error) for key, error in coordinator.last_errors.items()
        },
        "account": _account(coordinator.data),
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """Return diagnostics for one device: its module and its last state."""
    data = entry.runtime_data.coordinator.data
    module_ids = [ident for domain, ident in device.identifiers if domain == DOMAIN]
    result: dict[str, Any] = {"modules": []}
    for module_id in module_ids:
        if (found := data.home_control_module(module_id)) is not None:
            plant, module, state = found
            result["modules"].append(
                _plain(
                    {
                        "plant": plant.plant,
                        "module": module,
                        "state": state,
                        "available": plant.available,
                    }
                )
            )
        elif (thermostat := data.thermostat(module_id)) is not None:
            smarther, module = thermostat
            result["modules"].append(
                _plain(
                    {
                        "plant": smarther.plant,
                        "module": module,
                        "state": smarther.thermostats.get(module_id),
                        "programs": smarther.programs.get(module_id, []),
                        "available": module_id not in smarther.unavailable,
                    }
                )
            )
    return result

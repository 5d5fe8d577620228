"""Silent push: the notice, the renewals of a silent home's subscription, and whether it is gone.

A home whose push fell silent (`PushHealth` finds it from the reconciliation reads) is named in a
repair issue and its subscription renewed at once, then at most every six hours. When it falls
silent, one read of the subscriptions list, if the budget spares the call, tells a subscription
Legrand no longer lists (made again at once, without the notice) from one listed but silent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .coordinator import LegrandEliotConfigEntry, LegrandEliotCoordinator
from .eliot.ids import hashed_id
from .issues import ISSUE_PUSH_SILENT, clear_issue, raise_issue
from .push_health import PushState

if TYPE_CHECKING:
    from .push_subscriptions import PushSubscriptions


class SilenceWatch:
    """What an entry does about the homes whose push fell silent."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: LegrandEliotConfigEntry,
        coordinator: LegrandEliotCoordinator,
        subscriptions: PushSubscriptions,
    ) -> None:
        """Watch the silence of the plants these subscriptions serve."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.health = coordinator.push
        self._subs = subscriptions

    @callback
    def watch(self) -> None:
        """Tell of plants whose push fell silent, and renew their subscriptions now and then."""
        health = self.health
        plants = self.coordinator.data.smarther
        # Homes that left, or push that stopped for want of an address: nothing is silent.
        # (Before the first subscriptions after a start, a silence kept from before stays.)
        no_address = health.state in (PushState.NO_URL, PushState.OFF)
        health.forget_silence(
            [p for p in health.silent if p not in plants or no_address]
        )
        if not health.silent:
            self.ended(None)
            return
        if health.note_silent():
            names = sorted(plants[p].plant.name or "?" for p in health.silent)
            LOGGER.warning(
                "Legrand stopped pushing thermostat changes of %s; polling them instead",
                ", ".join(names),
            )
        # Before the first subscriptions after a start, they are the renewal.
        now = dt_util.utcnow()
        declared = [p for p in health.silent if p not in health.resubscribed_at]
        due = health.renewals_due(now) if self._subs.url else []
        # Just declared silent: the subscriptions list tells a subscription that is gone
        # (subscribed again at once) from one listed but silent, when a call can be spared.
        checked = [p for p in due if p in declared] if self._can_list() else []
        self._tell(checked)
        if due and not self._subs.stopped:
            self.entry.async_create_task(
                self.hass,
                self._async_resubscribe(due, checked),
                "legrand_eliot push renewal",
            )

    def _can_list(self) -> bool:
        """Return whether the budget spares the call of a subscriptions list now."""
        return self.coordinator.budget.can_spare_call()

    @callback
    def _tell(self, pending: list[str]) -> None:
        """Raise the notice for the silent plants whose subscription is listed (or unchecked)."""
        health = self.health
        plants = self.coordinator.data.smarther
        told = [
            plant_id
            for plant_id in health.silent
            if plant_id not in health.unlisted and plant_id not in pending
        ]
        if not told:
            if not pending:
                clear_issue(self.hass, self.entry, ISSUE_PUSH_SILENT)
            return
        names = sorted(plants[p].plant.name or "?" for p in told)
        raise_issue(
            self.hass,
            self.entry,
            ISSUE_PUSH_SILENT,
            {"homes": ", ".join(names)},
            severity=ir.IssueSeverity.WARNING,
        )

    async def _async_resubscribe(
        self, plant_ids: list[str], checked: list[str]
    ) -> None:
        """Replace the subscriptions of silent plants: a fresh one may be delivered again.

        The plants in `checked` were just declared silent: the subscriptions list says
        whether their subscription is still there to delete, or gone.
        """
        async with self._subs.lock:
            gone = await self._async_unlisted(checked) if checked else set()
            # After a stop nothing is left subscribed: nothing to delete.
            for plant_id in set(plant_ids) & set(self.health.subscriptions):
                if plant_id in gone:
                    self.health.note_unsubscribed(plant_id)
                else:
                    await self._subs.async_unsubscribe(plant_id)
        if checked:
            self._tell([])
        # A stop in between is seen here: nothing is subscribed again.
        await self._subs.async_sync()

    async def _async_unlisted(self, plant_ids: list[str]) -> set[str]:
        """Return the plants whose subscription the cloud no longer lists, and note them."""
        listing = await self._subs.async_listing()
        if listing is None:
            return set()
        listed = {s.subscription_id for s in listing}
        gone = {
            plant_id
            for plant_id in plant_ids
            if self.health.subscriptions.get(plant_id) not in listed
        }
        plants = self.coordinator.data.smarther
        for plant_id in sorted(gone):
            self.health.unlisted.add(plant_id)
            plant = plants.get(plant_id)
            LOGGER.info(
                "The push subscription of %s was gone from Legrand's list; subscribing "
                "again",
                (plant.plant.name if plant is not None else None)
                or hashed_id(plant_id),
            )
        return gone

    @callback
    def ended(self, name: str | None) -> None:
        """Push delivers again (or the silent plants left): clear the notice."""
        if self.health.silent:
            return
        clear_issue(self.hass, self.entry, ISSUE_PUSH_SILENT)
        if self.health.note_silence_over() and name is not None:
            LOGGER.info("Legrand pushes thermostat changes of %s again", name)

"""Taking over the thermostat entities of other Smarther integrations, history and all.

Two public custom integrations serve the same Smarther thermostats: `bticino_x8000` and
`btlegrand_x8000`. Someone moving from one of them to this one would lose each thermostat's
entity ids, and with them its history, dashboards and automations. When their entities name a
thermostat this entry has, a repair issue offers to take them over: each of their entities that
has a counterpart here moves to this integration under the counterpart's unique id, keeping its
entity id (and so its history and long-term statistics), its name, area and settings. The
entity this integration had created for the same thing is removed first: it is only as old as
this entry, while theirs carries the years. Their other entities (boost selects, mode and
status text sensors) have no counterpart and leave with their entry.

Home Assistant moves an entity between integrations only while the entity is not loaded: the
other entry must be disabled (or its integration removed) first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.const import Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import entity_sources

from .const import DOMAIN, LOGGER
from .coordinator import LegrandEliotConfigEntry, LegrandEliotCoordinator

ISSUE_TAKEOVER = "takeover"


@dataclass(frozen=True, slots=True)
class Counterpart:
    """One of their entities and ours for the same thing of a thermostat."""

    platform: Platform
    # Their unique id, from the thermostat's module id.
    theirs: str
    # The key of our entity: its unique id is `<module id>_<key>`.
    key: str


@dataclass(frozen=True, slots=True)
class Peer:
    """Another integration of the same thermostats, and its entities that have ours."""

    domain: str
    counterparts: tuple[Counterpart, ...]


def _counterparts(prefix: str, climate: str) -> tuple[Counterpart, ...]:
    """Return the counterparts of an integration whose unique ids start with `prefix`."""
    return (
        Counterpart(Platform.CLIMATE, climate, "thermostat"),
        Counterpart(
            Platform.SENSOR, f"{prefix}{{module_id}}_temperature", "temperature"
        ),
        Counterpart(Platform.SENSOR, f"{prefix}{{module_id}}_humidity", "humidity"),
        Counterpart(Platform.SELECT, f"{prefix}{{module_id}}_program", "program"),
    )


# Their unique ids, as their public code builds them: the thermostat's module id with a suffix,
# and (but for bticino_x8000's climate entity) their domain before it.
PEERS = (
    Peer(
        "bticino_x8000",
        _counterparts("bticino_x8000_", "{module_id}_climate"),
    ),
    Peer(
        "btlegrand_x8000",
        _counterparts("btlegrand_x8000_", "btlegrand_x8000_{module_id}_climate"),
    ),
)
COUNTERPARTS = {peer.domain: peer.counterparts for peer in PEERS}
PEER_DOMAINS = frozenset(COUNTERPARTS)
# A foreign entry in these states has no entity loaded, and none that could load meanwhile.
_IDLE_STATES = frozenset(
    {
        ConfigEntryState.NOT_LOADED,
        ConfigEntryState.SETUP_ERROR,
        ConfigEntryState.MIGRATION_ERROR,
    }
)


@dataclass(frozen=True, slots=True)
class Move:
    """One of their entities that becomes ours."""

    entity_id: str
    platform: Platform
    module_id: str
    # The unique id it takes: that of our counterpart.
    unique_id: str


def thermostat_ids(coordinator: LegrandEliotCoordinator) -> set[str]:
    """Return the module ids of the account's thermostats."""
    return {
        module.id
        for plant in coordinator.data.smarther.values()
        for module in plant.topology.modules
    }


def device_ids(hass: HomeAssistant, entry: LegrandEliotConfigEntry) -> set[str]:
    """Return the ids of an entry's devices: its plants' and modules' ids."""
    return {
        identifier
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        for domain, identifier in device.identifiers
        if domain == DOMAIN
    }


def find_moves(
    hass: HomeAssistant, foreign: ConfigEntry, module_ids: set[str]
) -> list[Move]:
    """
    Return the entities of a foreign entry that can be taken over for these thermostats.

    Only entities that name one of the thermostats, on the same platform as our
    counterpart, and whose counterpart here does not carry another integration's history
    already (both peers may have served the same thermostat: the first one taken wins).
    """
    counterparts = COUNTERPARTS.get(foreign.domain, ())
    wanted: dict[tuple[str, str], tuple[Counterpart, str]] = {
        (part.platform, part.theirs.format(module_id=module_id)): (part, module_id)
        for module_id in module_ids
        for part in counterparts
    }
    registry = er.async_get(hass)
    moves: list[Move] = []
    for entity in er.async_entries_for_config_entry(registry, foreign.entry_id):
        found = wanted.get((entity.domain, entity.unique_id))
        if found is None or entity.platform != foreign.domain:
            continue
        part, module_id = found
        unique_id = f"{module_id}_{part.key}"
        ours = registry.async_get_entity_id(part.platform, DOMAIN, unique_id)
        if ours is not None and registry.entities[ours].previous_unique_id is not None:
            continue
        moves.append(Move(entity.entity_id, part.platform, module_id, unique_id))
    return moves


def _issue_id(entry: LegrandEliotConfigEntry, foreign: ConfigEntry) -> str:
    """Return the id of the takeover issue of one foreign entry."""
    return f"{ISSUE_TAKEOVER}_{entry.entry_id}_{foreign.entry_id}"


def _entity_list(moves: list[Move]) -> str:
    """Return the entity ids of the moves as a list the repair text shows."""
    return "\n".join(f"- {move.entity_id}" for move in moves)


@callback
def async_check_takeover(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry, module_ids: set[str]
) -> None:
    """Offer a takeover for each foreign entry with entities to take; withdraw stale offers."""
    offered: set[str] = set()
    for domain in sorted(PEER_DOMAINS):
        for foreign in hass.config_entries.async_entries(domain):
            if not (moves := find_moves(hass, foreign, module_ids)):
                continue
            issue_id = _issue_id(entry, foreign)
            offered.add(issue_id)
            ir.async_create_issue(
                hass,
                DOMAIN,
                issue_id,
                is_fixable=True,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_TAKEOVER,
                translation_placeholders={
                    "integration": foreign.title,
                    "count": str(len(moves)),
                },
                data={"entry_id": entry.entry_id, "foreign_entry_id": foreign.entry_id},
            )
    prefix = f"{ISSUE_TAKEOVER}_{entry.entry_id}_"
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and issue_id.startswith(prefix) and issue_id not in offered:
            ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def async_watch_takeover(
    hass: HomeAssistant,
    entry: LegrandEliotConfigEntry,
    coordinator: LegrandEliotCoordinator,
) -> None:
    """Check now, and again when thermostats, foreign entries or their entities change."""
    seen: set[str] = set()

    @callback
    def check() -> None:
        """Check the entry's thermostats as they are now."""
        async_check_takeover(hass, entry, thermostat_ids(coordinator))

    @callback
    def thermostats_changed() -> None:
        """Check again when the entry's thermostats change."""
        if (thermostats := thermostat_ids(coordinator)) != seen:
            seen.clear()
            seen.update(thermostats)
            check()

    @callback
    def foreign_entry_changed(change: ConfigEntryChange, changed: ConfigEntry) -> None:
        """Check again when a foreign entry comes or goes."""
        if changed.domain in PEER_DOMAINS and change is not ConfigEntryChange.UPDATED:
            check()

    @callback
    def foreign_entity_created(event_data: er.EventEntityRegistryUpdatedData) -> bool:
        """Return whether a created entity belongs to a peer."""
        if event_data["action"] != "create":
            return False
        created = er.async_get(hass).async_get(event_data["entity_id"])
        return created is not None and created.platform in PEER_DOMAINS

    @callback
    def foreign_entity_added(_event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        """Check again when a peer registers an entity."""
        check()

    thermostats_changed()
    entry.async_on_unload(coordinator.async_add_listener(thermostats_changed))
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, SIGNAL_CONFIG_ENTRY_CHANGED, foreign_entry_changed
        )
    )
    entry.async_on_unload(
        hass.bus.async_listen(
            er.EVENT_ENTITY_REGISTRY_UPDATED,
            foreign_entity_added,
            event_filter=foreign_entity_created,
        )
    )


def take_over(
    hass: HomeAssistant, entry: LegrandEliotConfigEntry, moves: list[Move]
) -> None:
    """
    Move their entities to this entry, under our counterparts' unique ids.

    Ours are removed first (Home Assistant keeps one entity per unique id); theirs keep their
    entity ids, names, areas and settings, and join our devices. The entry is reloaded after,
    so that its entities come back on the entity ids they took over.
    """
    registry = er.async_get(hass)
    devices = dr.async_get(hass)
    replaced = [
        registry.async_get_entity_id(move.platform, DOMAIN, move.unique_id)
        for move in moves
    ]
    for entity_id in filter(None, replaced):
        registry.async_remove(entity_id)
    for move in moves:
        device = devices.async_get_device_by_identifier(
            (DOMAIN, move.module_id), entry.entry_id
        )
        registry.async_update_entity_platform(
            move.entity_id,
            DOMAIN,
            new_config_entry_id=entry.entry_id,
            new_unique_id=move.unique_id,
            new_device_id=None if device is None else device.id,
        )
        LOGGER.info("Took over %s", move.entity_id)
    hass.config_entries.async_schedule_reload(entry.entry_id)


class TakeoverRepairFlow(RepairsFlow):
    """Take over a foreign entry's thermostat entities, once that entry is not loaded."""

    def __init__(self, entry: LegrandEliotConfigEntry, foreign_entry_id: str) -> None:
        """Remember both entries."""
        self._entry = entry
        self._foreign_entry_id = foreign_entry_id

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Start with the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Show what moves; move it once the foreign entry is not loaded."""
        foreign = self.hass.config_entries.async_get_entry(self._foreign_entry_id)
        if foreign is None:
            return self.async_abort(reason="foreign_entry_gone")
        moves = find_moves(self.hass, foreign, device_ids(self.hass, self._entry))
        if not moves:
            return self.async_abort(reason="nothing_to_take_over")
        errors: dict[str, str] = {}
        if user_input is not None:
            loaded = entity_sources(self.hass)
            if foreign.state not in _IDLE_STATES or any(
                move.entity_id in loaded for move in moves
            ):
                errors["base"] = "foreign_entry_loaded"
            else:
                take_over(self.hass, self._entry, moves)
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            errors=errors,
            description_placeholders={
                "integration": foreign.title,
                "entities": _entity_list(moves),
            },
        )


def takeover_flow(
    entry: LegrandEliotConfigEntry, data: dict[str, Any]
) -> RepairsFlow | None:
    """Return the takeover flow an issue's data asks for; None for any other issue."""
    foreign_entry_id = data.get("foreign_entry_id")
    if not isinstance(foreign_entry_id, str):
        return None
    return TakeoverRepairFlow(entry, foreign_entry_id)

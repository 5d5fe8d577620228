"""Tests for taking over the thermostat entities of other Smarther integrations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.const import DOMAIN

from .push import BEDROOM, LIVING

# Their unique ids, as their public code builds them; `None` where we have no counterpart.
PEER_UNIQUE_IDS = {
    "bticino_x8000": {
        ("climate", "thermostat"): "{id}_climate",
        ("sensor", "temperature"): "bticino_x8000_{id}_temperature",
        ("sensor", "humidity"): "bticino_x8000_{id}_humidity",
        ("select", "program"): "bticino_x8000_{id}_program",
        ("select", None): "bticino_x8000_{id}_boost",
        ("sensor", None): "bticino_x8000_{id}_status",
    },
    "btlegrand_x8000": {
        ("climate", "thermostat"): "btlegrand_x8000_{id}_climate",
        ("sensor", "temperature"): "btlegrand_x8000_{id}_temperature",
        ("sensor", "humidity"): "btlegrand_x8000_{id}_humidity",
        ("select", "program"): "btlegrand_x8000_{id}_program",
        ("select", None): "btlegrand_x8000_{id}_boost",
        ("sensor", None): "btlegrand_x8000_{id}_mode",
    },
}
TITLES = {"bticino_x8000": "Bticino X8000", "btlegrand_x8000": "BTLegrand X8000"}
# A thermostat this account does not have.
STRANGER = "0f0f0f0f-aaaa-bbbb-cccc-0f0f0f0f0f0f"


@dataclass
class Peer:
    """Another integration's entry, and the entity ids of its entities by what they are."""

    entry: MockConfigEntry
    # (platform, our key or None) -> entity id, for our thermostat.
    ours: dict[tuple[str, str | None], str]
    # Its entity for a thermostat this account lacks.
    stranger: str


def add_peer(
    hass: HomeAssistant,
    domain: str,
    *,
    name: str = "Sala",
    state: ConfigEntryState = ConfigEntryState.NOT_LOADED,
    disabled: bool = True,
) -> Peer:
    """Register another integration's entry with the entities it made for the living room."""
    entry = MockConfigEntry(
        domain=domain,
        title=TITLES[domain],
        state=state,
        disabled_by=ConfigEntryDisabler.USER if disabled else None,
    )
    entry.add_to_hass(hass)
    devices = dr.async_get(hass)
    registry = er.async_get(hass)
    ids: dict[tuple[str, str | None], str] = {}
    stranger = ""
    for module_id, label in ((LIVING, name), (STRANGER, "Cantina")):
        device = devices.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(domain, module_id)},
            name=label,
        )
        for (platform, key), template in PEER_UNIQUE_IDS[domain].items():
            suffix = "" if platform == "climate" else f"_{template.rsplit('_', 1)[1]}"
            entity = registry.async_get_or_create(
                platform,
                domain,
                template.format(id=module_id),
                config_entry=entry,
                device_id=device.id,
                suggested_object_id=f"{label.lower()}{suffix}",
                disabled_by=er.RegistryEntryDisabler.CONFIG_ENTRY if disabled else None,
            )
            if module_id == LIVING:
                ids[platform, key] = entity.entity_id
            elif platform == "climate":
                stranger = entity.entity_id
    return Peer(entry, ids, stranger)


def ours(hass: HomeAssistant, platform: str, key: str) -> str | None:
    """Return the entity id our integration has for a key of the living room thermostat."""
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{LIVING}_{key}")


def offer(
    hass: HomeAssistant, entry: MockConfigEntry, peer: Peer
) -> ir.IssueEntry | None:
    """Return the takeover issue of a peer's entry, if it is raised."""
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"takeover_{entry.entry_id}_{peer.entry.entry_id}"
    )


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up our entry (with every platform) against the simulated cloud."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def start_fix(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    issue: ir.IssueEntry,
) -> tuple[Any, dict[str, Any]]:
    """Start an issue's fix flow; return the client and the first step."""
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": issue.issue_id},
    )
    return client, await response.json()


async def submit(hass: HomeAssistant, client: Any, flow: dict[str, Any]) -> Any:
    """Submit a fix flow's confirmation and wait for what it started."""
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    result = await response.json()
    await hass.async_block_till_done(wait_background_tasks=True)
    return result


@pytest.mark.parametrize("domain", sorted(PEER_UNIQUE_IDS))
async def test_a_peers_entities_are_taken_over_with_their_entity_ids(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    credentials: None,
    config_entry: MockConfigEntry,
    domain: str,
) -> None:
    """
    Their climate, temperature, humidity and program entities become ours, ids unchanged.

    Ours for the same things are removed: they are only as old as this entry, while theirs
    carry the history, dashboards and automations. What has no counterpart here stays theirs.
    """
    peer = add_peer(hass, domain)
    await setup(hass, config_entry)
    created = {
        key: ours(hass, platform, key)
        for platform, key in (
            ("climate", "thermostat"),
            ("sensor", "temperature"),
            ("sensor", "humidity"),
            ("select", "program"),
        )
    }
    assert all(created.values())
    issue = offer(hass, config_entry, peer)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "takeover"
    assert issue.translation_placeholders == {
        "integration": TITLES[domain],
        "count": "4",
    }

    client, flow = await start_fix(hass, hass_client, issue)
    assert flow["step_id"] == "confirm"
    placeholders = flow["description_placeholders"]
    assert placeholders["integration"] == TITLES[domain]
    moving = [peer.ours[platform, key] for (platform, key) in peer.ours if key]
    assert placeholders["entities"] == "\n".join(f"- {e}" for e in moving)
    result = await submit(hass, client, flow)
    assert result["type"] == "create_entry"
    assert config_entry.state is ConfigEntryState.LOADED

    registry = er.async_get(hass)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, LIVING), config_entry.entry_id
    )
    assert device is not None
    for (platform, key), entity_id in peer.ours.items():
        entity = registry.async_get(entity_id)
        assert entity is not None
        if key is None:
            # No counterpart here: it stays theirs, and goes with their entry.
            assert entity.platform == domain
            continue
        assert ours(hass, platform, key) == entity_id
        assert entity.config_entry_id == config_entry.entry_id
        assert entity.device_id == device.id
        assert entity.disabled_by is None
        # Shown by this integration, under the entity id dashboards and history know.
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state != STATE_UNAVAILABLE
        assert registry.async_get(created[key] or "") is None
        assert hass.states.get(created[key] or "") is None
    assert registry.async_get(peer.stranger).platform == domain
    assert (
        hass.states.get(peer.ours["climate", "thermostat"]).attributes["temperature"]
        is not None
    )
    assert offer(hass, config_entry, peer) is None

    # Their entry can go now: what was taken stays.
    await hass.config_entries.async_remove(peer.entry.entry_id)
    await hass.async_block_till_done()
    for (_platform, key), entity_id in peer.ours.items():
        assert (registry.async_get(entity_id) is None) is (key is None)
    assert registry.async_get(peer.stranger) is None


async def test_no_offer_for_entities_of_other_thermostats(
    hass: HomeAssistant, credentials: None, config_entry: MockConfigEntry
) -> None:
    """A peer that serves thermostats this account does not have: nothing to offer."""
    peer = add_peer(hass, "bticino_x8000")
    registry = er.async_get(hass)
    for entity_id in peer.ours.values():
        registry.async_remove(entity_id)
    # Our unique id format on their platform is no counterpart either.
    registry.async_get_or_create(
        "climate", "bticino_x8000", f"{BEDROOM}_thermostat", config_entry=peer.entry
    )
    await setup(hass, config_entry)
    assert offer(hass, config_entry, peer) is None


async def test_a_loaded_peer_blocks_the_move_with_a_clear_message(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    credentials: None,
    config_entry: MockConfigEntry,
) -> None:
    """Home Assistant moves no entity of a running integration: disable it first."""
    peer = add_peer(
        hass, "btlegrand_x8000", state=ConfigEntryState.LOADED, disabled=False
    )
    await setup(hass, config_entry)
    issue = offer(hass, config_entry, peer)
    assert issue is not None
    climate = ours(hass, "climate", "thermostat")

    client, flow = await start_fix(hass, hass_client, issue)
    result = await submit(hass, client, flow)
    assert result["type"] == "form"
    assert result["errors"] == {"base": "foreign_entry_loaded"}
    assert ours(hass, "climate", "thermostat") == climate
    assert er.async_get(hass).async_get(
        peer.ours["climate", "thermostat"]
    ).platform == ("btlegrand_x8000")

    # Disabled (its entities unloaded), the same flow goes through.
    peer.entry.mock_state(hass, ConfigEntryState.NOT_LOADED)
    result = await submit(hass, client, result)
    assert result["type"] == "create_entry"
    assert ours(hass, "climate", "thermostat") == peer.ours["climate", "thermostat"]


async def test_the_offer_follows_the_peers_entries(
    hass: HomeAssistant, credentials: None, config_entry: MockConfigEntry
) -> None:
    """A peer set up after this entry is offered at once; deleted, the offer goes."""
    await setup(hass, config_entry)
    assert not [
        issue
        for (domain, issue) in ir.async_get(hass).issues
        if domain == DOMAIN and issue.startswith("takeover")
    ]
    peer = add_peer(hass, "bticino_x8000")
    await hass.async_block_till_done()
    assert offer(hass, config_entry, peer) is not None
    await hass.config_entries.async_remove(peer.entry.entry_id)
    await hass.async_block_till_done()
    assert offer(hass, config_entry, peer) is None


async def test_both_peers_of_one_thermostat_the_first_taken_wins(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    credentials: None,
    config_entry: MockConfigEntry,
) -> None:
    """Someone who tried both: the history taken first is never replaced by the second."""
    first = add_peer(hass, "bticino_x8000")
    second = add_peer(hass, "btlegrand_x8000", name="Salotto")
    await setup(hass, config_entry)
    first_issue = offer(hass, config_entry, first)
    second_issue = offer(hass, config_entry, second)
    assert first_issue is not None
    assert second_issue is not None

    client, first_flow = await start_fix(hass, hass_client, first_issue)
    _client, second_flow = await start_fix(hass, hass_client, second_issue)
    assert (await submit(hass, client, first_flow))["type"] == "create_entry"
    result = await submit(hass, client, second_flow)
    assert result == {
        **result,
        "type": "abort",
        "reason": "nothing_to_take_over",
    }
    assert ours(hass, "climate", "thermostat") == first.ours["climate", "thermostat"]
    # Once reloaded, the second is no longer offered.
    assert offer(hass, config_entry, second) is None


async def test_a_peer_deleted_during_the_flow_aborts_it(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    credentials: None,
    config_entry: MockConfigEntry,
) -> None:
    """Deleting the peer's entry deletes its entities: the flow has nothing left to move."""
    peer = add_peer(hass, "bticino_x8000")
    await setup(hass, config_entry)
    issue = offer(hass, config_entry, peer)
    assert issue is not None
    climate = ours(hass, "climate", "thermostat")
    client, flow = await start_fix(hass, hass_client, issue)
    await hass.config_entries.async_remove(peer.entry.entry_id)
    await hass.async_block_till_done()
    result = await submit(hass, client, flow)
    assert result["type"] == "abort"
    assert result["reason"] == "foreign_entry_gone"
    assert ours(hass, "climate", "thermostat") == climate

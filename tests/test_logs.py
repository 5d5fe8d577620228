"""No raw plant or module id reaches a log record, at any level: a whole session at DEBUG."""

from __future__ import annotations

from datetime import timedelta
import logging

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import (
    ATTR_TEMPERATURE,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_TEMPERATURE,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator import SimulatedCloud

from .conftest import HARNESS_LOGGERS
from .polling import next_refresh, polling_coordinator
from .push import (
    LIVING,
    LIVING_ENTITY,
    delivered,
    post_and_write,
    real_event,
    serve_home_assistant,
    written,
)

HC_PLANT = "000000005d1e3bc13598330000000001"
TV_PLUG = "000070ee503ed5d46275620000000001"
BEDSIDE_REMOTE = "000070ee503ed5d46275620000000008"
PLUG_ENTITY = "switch.salon_prise_tv"


async def test_a_debug_session_names_no_raw_id(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Setup, refreshes, commands, pushes and failing reads log names or stand-ins only."""
    caplog.set_level(logging.DEBUG)
    await serve_home_assistant(hass, hass_client_no_auth)
    # A remote that reports a battery word nobody knows is logged (once) too.
    cloud.world.hc_plants[HC_PLANT].modules[BEDSIDE_REMOTE].battery = "dusty"
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = polling_coordinator(config_entry)
    await next_refresh(hass, freezer, coordinator)

    # Failing reads (before any push, so that thermostats are polled): a plant gone quiet, a
    # thermostat answering garbage, then recovery.
    for fault in (
        {"status": 404, "match": f"/plants/{HC_PLANT}", "count": 5},
        {"kind": "malformed", "match": f"/value/{LIVING}", "count": 5},
    ):
        assert (await sim.post("/_sim/faults", json=fault)).status == 201
    await next_refresh(hass, freezer, coordinator)
    assert not coordinator.data.home_control[HC_PLANT].available
    assert (await sim.delete("/_sim/faults")).status == 200
    freezer.tick(timedelta(minutes=1))
    await next_refresh(hass, freezer, coordinator)
    assert coordinator.data.home_control[HC_PLANT].available
    # Commands: one that goes through, one the cloud refuses.
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: PLUG_ENTITY}, blocking=True
    )
    fault = {"status": 500, "match": TV_PLUG, "count": 10}
    assert (await sim.post("/_sim/faults", json=fault)).status == 201
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: PLUG_ENTITY}, blocking=True
        )
    assert (await sim.delete("/_sim/faults")).status == 200
    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: LIVING_ENTITY, ATTR_TEMPERATURE: 21.5},
        blocking=True,
    )

    # Pushes: a change by hand, then an event with a field that cannot be read.
    response = await sim.post(
        f"/_sim/modules/{LIVING}/physical", json={"mode": "manual", "setPoint": 23.5}
    )
    assert response.status == 200
    await delivered(hass, cloud)
    await written(hass)
    bad = real_event(cloud, LIVING, set_point=22.0)
    bad["data"]["chronothermostats"][0]["setPoint"] = {"value": "NaN", "unit": "C"}
    await post_and_write(hass, hass_client_no_auth, config_entry, [bad])
    assert hass.states.get(LIVING_ENTITY).attributes[ATTR_TEMPERATURE] == 23.5

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()

    ids = cloud.world.ids_in_use()
    assert ids
    records = [
        record
        for record in caplog.records
        if not record.name.startswith((*HARNESS_LOGGERS, "simulator"))
    ]
    ours = [r for r in records if r.name.startswith("custom_components.legrand_eliot")]
    # The session did log, at debug and at info level.
    assert {logging.DEBUG, logging.INFO} <= {record.levelno for record in ours}
    for record in records:
        text = record.getMessage() + (record.exc_text or "")
        leaked = sorted(i for i in ids if i in text)
        assert not leaked, f"{record.name}: {text}"

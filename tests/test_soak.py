"""A fault soak: seeded virtual hours of every fault the simulated cloud can inject, checked each step.

Two virtual hours run with the suite. `scripts/soak` runs a whole virtual day
(`LEGRAND_ELIOT_SOAK_HOURS=24`), prints its figures and writes them to `docs/soak.md`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
import logging
import os
from pathlib import Path
import random
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import DOMAIN as CLIMATE_DOMAIN
from homeassistant.components.cover import DOMAIN as COVER_DOMAIN
from homeassistant.components.light import DOMAIN as LIGHT_DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.legrand_eliot.absence import ABSENT_FOR
from custom_components.legrand_eliot.const import DEFAULT_DAILY_BUDGET, DOMAIN
from custom_components.legrand_eliot.coordinator import LegrandEliotCoordinator
from custom_components.legrand_eliot.eliot import EliotClient
from custom_components.legrand_eliot.eliot.const import DEFAULT_REQUEST_TIMEOUT
from custom_components.legrand_eliot.entity import (
    AccountEntity,
    HomeControlEntity,
    PlantEntity,
    ThermostatEntity,
)
from custom_components.legrand_eliot.poll_schedule import (
    RECONCILE_INTERVAL,
    TIMER_SLACK,
)
from custom_components.legrand_eliot.topology import DENIED_RETRY
from simulator import SimulatedCloud
from simulator.generate import generate_scenario

from .draws import seeded_draws
from .push import (
    delivered,
    real_event,
    serve_home_assistant,
    setup_entry,
    webhook_path,
    written,
)

SOAK_HOURS = float(os.environ.get("LEGRAND_ELIOT_SOAK_HOURS", "2"))
SEED = int(os.environ.get("LEGRAND_ELIOT_SOAK_SEED", "12"))
# `scripts/soak` has each run add its row to this Markdown file (nothing is written without it).
REPORT = os.environ.get("LEGRAND_ELIOT_SOAK_REPORT")
# What each run's account holds, as the report names it.
ACCOUNTS = {
    "demo": "demo (1 Home + Control home, 2 thermostats)",
    "large": "generated (6 homes of 12 devices, 2 homes of 3 thermostats)",
}
# A quarter past midnight where Home Assistant is, so that a day is one quota day.
DAY_START = "2026-11-25 00:15:00"
# Every answer of the error table, as the gateway or the APIs give it.
STATUSES = (400, 401, 403, 404, 406, 408, 429, 430, 469, 470, 486, 500, 502, 503, 504)
# Where faults hit: the plants lists, topologies, statuses and commands of both APIs.
MATCHES = (
    "/hc/api/v1.0/plants",
    "/topology",
    "/addressLocation",
    "/smarther/v2.0/plants",
    "/chronothermostat",
    None,
)
# Log records at ERROR that an injected token revocation must produce: reauth is the answer.
REAUTH_RECORD = "Authentication failed"
# Loggers of the test harness, not of Home Assistant or the integration.
HARNESS_LOGGERS = ("aiohttp.access", "homeassistant.components.camera.img_util")
# Every so often all faults clear, and every device must come back (and once at the end).
CALM_EVERY = timedelta(hours=4)
# Push falls silent this long after the start: every delivery is lost while people change
# thermostats. Deliveries come back this long after push was declared silent (or at the
# latest after `SILENT_LONGEST`), and a person's change then ends the silence.
SILENT_FROM = timedelta(hours=1)
SILENT_HELD = timedelta(minutes=15)
SILENT_LONGEST = timedelta(hours=2)
# The longest step of the soak: how late a read due meanwhile may run.
LONGEST_STEP = timedelta(seconds=600)


@dataclass
class Figures:
    """What a soak did: faults injected, commands, calls, states shown."""

    faults: Counter[str] = field(default_factory=Counter)
    commands: int = 0
    refused: int = 0
    steps: int = 0
    relinks: int = 0
    pushes: int = 0
    # The client's count minus the gateway's at the end.
    difference: int = 0
    # Checks made while the entry was retrying its setup after a fault.
    retries: int = 0
    # Requests that hung until the client's own timeout gave up on them.
    hangs: int = 0
    # Commands that returned normally, each checked against the cloud.
    claims: int = 0
    # Times every fault cleared, and the entities then checked back by their next read.
    calms: int = 0
    recovered: int = 0
    # Push fell silent: when it was declared so, when it recovered, and the longest time a
    # thermostat went unread meanwhile.
    silent_at: datetime | None = None
    recovered_at: datetime | None = None
    longest_unread: timedelta = timedelta()
    reconcile_interval: timedelta = timedelta()

    def line(self, name: str, cloud: SimulatedCloud, states: int) -> str:
        """Return the figures as one line."""
        return (
            f"soak {name}: {SOAK_HOURS:g} h, {self.steps} steps, "
            f"{sum(self.faults.values())} faults ({dict(sorted(self.faults.items()))}), "
            f"{self.commands} commands ({self.refused} refused with an error, "
            f"{self.claims} checked in the cloud), {self.hangs} requests hung until the "
            f"client's timeout, {self.pushes} push bodies, {self.relinks} re-links, "
            f"{self.calms} calms ({self.recovered} entities back by their next read), "
            f"{cloud.counters['total']} gateway calls (local count minus the gateway's: "
            f"{self.difference}), {states} state writes"
        )

    def row(self, account: str, cloud: SimulatedCloud, states: int) -> str:
        """Return the figures as a row of the report's table (its columns: `REPORT_HEADER`)."""
        faults = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items()))
        cells = (
            account,
            str(self.steps),
            f"{sum(self.faults.values())} ({faults})",
            f"{self.commands} ({self.refused} refused, {self.claims} checked in the cloud)",
            str(self.hangs),
            str(self.pushes),
            str(self.relinks),
            f"{self.calms} ({self.recovered} entities)",
            f"{cloud.counters['total']} ({self.difference:+d})",
            str(states),
        )
        return f"| {' | '.join(cells)} |"


@pytest.fixture
def start_time() -> datetime:
    """Start just after local midnight."""
    return datetime.fromisoformat(DAY_START).replace(
        tzinfo=dt_util.get_default_time_zone()
    )


@pytest.fixture
def cloud_options(hass: HomeAssistant) -> dict[str, Any]:
    """Quota days where Home Assistant is; a timeout fault hangs a request for a minute.

    The soak moves the frozen clock by the client's own timeout while a request hangs, so the
    client gives up first, as it would in real time. Requests go back to back in frozen time:
    the burst limit, which real spacing keeps clear of, is off (the client's own tests cover
    the spacing).
    """
    return {"quota_timezone": hass.config.time_zone, "burst_limit": None}


@pytest.fixture(autouse=True)
def same_draws() -> Generator[None]:
    """Make Home Assistant's random draws from the soak's seed: the same seed, the same soak."""
    with seeded_draws(SEED):
        yield


@pytest.fixture(autouse=True)
def no_request_spacing() -> Generator[None]:
    """Send requests back to back and retry at once, as the other tests do."""
    client = partial(EliotClient, min_spacing=0, retry_backoff=0, busy_retry_delay=0)
    with patch("custom_components.legrand_eliot.EliotClient", client):
        yield


class Soak:
    """One soak run: the entry, the simulated cloud, a seeded random source and the checks."""

    def __init__(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        entry: MockConfigEntry,
        cloud: SimulatedCloud,
        sim: TestClient,
        client: TestClient,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Keep what every step needs."""
        self.hass = hass
        self.freezer = freezer
        self.entry = entry
        self.cloud = cloud
        self.sim = sim
        self.client = client
        self.caplog = caplog
        self.rng = random.Random(SEED)
        self.figures = Figures()
        self.registered: set[str] = set()
        self.shown_at: dict[str, datetime] = {}
        self.bodies: list[Any] = []
        self.away: list[tuple[str, dict[str, Any]]] = []
        self.flags: set[str] = set()
        self.revoked = False
        self.checked_records = 0
        self.states = 0
        self.disconnects = 0
        # The silent push stretch draws from its own source: the other faults stay as drawn.
        self.silence_rng = random.Random(SEED + 1)
        self.silent_since: datetime | None = None
        self.silenced = False
        cloud.faults.on_hold = self._hang

    def _hang(self, delay: float) -> None:
        """Let time run while a request hangs: the client's own timeout ends it, not the cloud."""
        assert delay > DEFAULT_REQUEST_TIMEOUT, (
            "a hang shorter than the client's timeout"
        )
        self.figures.hangs += 1
        # Just past it: a timer due exactly now may wait for the clock's next step.
        self.freezer.tick(timedelta(seconds=DEFAULT_REQUEST_TIMEOUT, milliseconds=1))

    @property
    def coordinator(self) -> LegrandEliotCoordinator:
        """Return the entry's coordinator (a new one after a reload)."""
        coordinator: LegrandEliotCoordinator = self.entry.runtime_data.coordinator
        return coordinator

    async def fault(self) -> None:
        """Make the gateway fail the next matching requests with one row of the table."""
        kind = self.rng.choice(
            ("status",) * 5 + ("timeout",) * 2 + ("malformed", "disconnect")
        )
        body: dict[str, Any] = {"kind": kind, "count": self.rng.randint(1, 3)}
        if kind == "status":
            status = self.rng.choice(STATUSES)
            body["status"] = status
            if status == 401:
                # One refused token is refreshed and retried; more is a real revocation.
                body["count"] = 1
            if status == 429:
                body["retry_after"] = self.rng.randint(1, 120)
            self.figures.faults[str(status)] += 1
        else:
            self.figures.faults[kind] += 1
        if (match := self.rng.choice(MATCHES)) is not None:
            body["match"] = match
        if kind == "disconnect":
            self.disconnects += body["count"]
        assert (await self.sim.post("/_sim/faults", json=body)).status == 201

    async def outage(self) -> None:
        """Take a plant's gateway offline, or bring every plant back."""
        plants = [*self.cloud.world.hc_plants, *self.cloud.world.smarther_plants]
        if await self._back_online():
            return
        self.figures.faults["gateway outage"] += 1
        plant_id = self.rng.choice(plants)
        await self.sim.post(f"/_sim/plants/{plant_id}/online", json={"online": False})

    def _plant(self, plant_id: str) -> Any:
        """Return a simulated plant of either API."""
        world = self.cloud.world
        return world.hc_plants.get(plant_id) or world.smarther_plants[plant_id]

    async def _back_online(self) -> bool:
        """Bring every offline gateway back; return whether one was."""
        plants = [*self.cloud.world.hc_plants, *self.cloud.world.smarther_plants]
        offline = [p for p in plants if not self._plant(p).online]
        for plant_id in offline:
            await self.sim.post(f"/_sim/plants/{plant_id}/online", json={})
        return bool(offline)

    async def app_flag(self) -> None:
        """Expire the Thermostat app password or terms (469 / 470), or renew them."""
        user = self.cloud.user().email
        if await self._renew_app():
            return
        flag = self.rng.choice(("app-password-expired", "terms-expired"))
        self.figures.faults[flag] += 1
        self.flags.add(flag)
        await self.sim.post(f"/_sim/users/{user}/{flag}", json={"expired": True})

    async def _renew_app(self) -> bool:
        """Renew the Thermostat app's password and terms; return whether one had expired."""
        user = self.cloud.user().email
        for flag in self.flags:
            await self.sim.post(f"/_sim/users/{user}/{flag}", json={"expired": False})
        renewed = bool(self.flags)
        self.flags.clear()
        return renewed

    async def tokens(self) -> None:
        """Expire the access token now, or (rarely) revoke every token."""
        if self.rng.random() < 0.2:
            self.figures.faults["token revocation"] += 1
            self.revoked = True
            await self.sim.post("/_sim/tokens/revoke", json={"access": True})
        else:
            self.figures.faults["token expiry"] += 1
            await self.sim.post("/_sim/tokens/expire", json={})

    async def module_leaves(self) -> None:
        """Remove a Home + Control module from its plant, or bring a removed one back."""
        if self.entry.state is not ConfigEntryState.LOADED:
            return
        if self.away and self.rng.random() < 0.5:
            await self._module_back()
            return
        candidates = [
            (plant_id, module)
            for plant_id, plant in self.coordinator.data.home_control.items()
            for module in plant.topology.modules
            if plant_id in self.cloud.world.hc_plants
            and module.id in self.cloud.world.hc_plants[plant_id].modules
        ]
        if not candidates:
            return
        plant_id, module = self.rng.choice(candidates)
        self.figures.faults["module leaves"] += 1
        await self.sim.delete(f"/_sim/topology/{plant_id}/modules/{module.id}")
        self.away.append(
            (
                plant_id,
                {
                    "id": module.id,
                    "name": module.name,
                    "hw_type": module.hw_type,
                    "device": module.device_type,
                },
            )
        )

    async def _module_back(self) -> None:
        """Put the module removed first back into its plant."""
        plant_id, module = self.away.pop(0)
        await self.sim.post(f"/_sim/topology/{plant_id}/modules", json=module)

    async def plant_leaves(self) -> None:
        """Take a plant out of the account (no longer shared), or bring every such plant back."""
        plants = [*self.cloud.world.hc_plants, *self.cloud.world.smarther_plants]
        if await self._plants_back():
            return
        self.figures.faults["plant leaves"] += 1
        plant_id = self.rng.choice(plants)
        await self.sim.post(f"/_sim/plants/{plant_id}/member", json={"member": False})

    async def _plants_back(self) -> bool:
        """Share every plant that left the account again; return whether one had."""
        plants = [*self.cloud.world.hc_plants, *self.cloud.world.smarther_plants]
        left = [p for p in plants if self._plant(p).former_owner is not None]
        for plant_id in left:
            await self.sim.post(f"/_sim/plants/{plant_id}/member", json={})
        return bool(left)

    async def push(self) -> None:
        """Deliver out-of-order, replayed, ageless or garbage bodies to the webhook."""
        if self.entry.state is not ConfigEntryState.LOADED:
            return
        thermostats = [
            module.id
            for plant in self.coordinator.data.smarther.values()
            for module in plant.topology.modules
            if self.cloud.world.thermostat(module.id) is not None
        ]
        if not thermostats:
            return
        module_id = self.rng.choice(thermostats)
        now = self.cloud.clock.now()
        kind = self.rng.choice(("out of order", "replay", "garbage", "ageless"))
        body: Any
        if kind == "out of order":
            body = [
                real_event(self.cloud, module_id, set_point=20.0, at=now),
                real_event(
                    self.cloud,
                    module_id,
                    set_point=15.0,
                    at=now - timedelta(minutes=self.rng.randint(1, 600)),
                ),
            ]
        elif kind == "replay" and self.bodies:
            body = self.rng.choice(self.bodies)
        elif kind == "ageless":
            event = real_event(self.cloud, module_id, set_point=16.0)
            del event["eventTime"]
            for status in event["data"]["chronothermostats"]:
                status.pop("time", None)
            body = event["data"]
        else:
            body = self.rng.choice(
                ([{"eventType": 5}], {"chronothermostats": "x"}, [[1, 2]], "oops")
            )
        self.bodies.append(body)
        self.figures.faults[f"push {kind}"] += 1
        self.figures.pushes += 1
        response = await self.client.post(webhook_path(self.entry), json=body)
        assert response.status in (200, 400)
        await written(self.hass)

    async def physical(self) -> None:
        """Change a thermostat by hand: the cloud pushes it."""
        thermostats = [
            module_id
            for plant in self.cloud.world.smarther_plants.values()
            for module_id in plant.thermostats
        ]
        module_id = self.rng.choice(thermostats)
        await self.sim.post(
            f"/_sim/modules/{module_id}/physical",
            json={"mode": "manual", "setPoint": self.rng.choice((18.0, 19.5, 21.0))},
        )
        await delivered(self.hass, self.cloud)
        await written(self.hass)

    async def push_silent(self, start: datetime) -> None:
        """Lose every delivery for a stretch while people change thermostats, then restore.

        Push must be declared silent from the changes the reconciliation reads find, its
        thermostats read at least as often as those reads meanwhile, and the first delivery
        after the stretch must end the silence.
        """
        now = dt_util.utcnow()
        figures = self.figures
        if self.silent_since is None:
            if not self.silenced and now - start >= SILENT_FROM and self._loaded:
                # A change that arrives first: push is known to reach Home Assistant.
                await self._by_hand(self.silence_rng)
                await delivered(self.hass, self.cloud)
                await written(self.hass)
                self.silenced = True
                self.silent_since = now
                # The reconciliation interval of the thermostats push covers, as planned now.
                schedule = self.coordinator.schedule
                figures.reconcile_interval = max(
                    (
                        schedule.intervals.get(module.id, RECONCILE_INTERVAL)
                        for plant in self.coordinator.data.smarther.values()
                        for module in plant.topology.modules
                    ),
                    default=RECONCILE_INTERVAL,
                )
                # The other faults wait: the silence is found by the reconciliation reads.
                assert (await self.sim.delete("/_sim/faults")).status == 200
                await self._back_online()
                await self._renew_app()
                await self._plants_back()
                figures.faults["push silent"] += 1
                await self.sim.post("/_sim/push", json={"silent": True})
            elif figures.silent_at is not None and figures.recovered_at is None:
                await self._end_silence(now)
            return
        health = self.coordinator.push if self._loaded else None
        if figures.silent_at is None and health is not None and health.silent:
            figures.silent_at = now
        self._watch_unread(now)
        over = (
            figures.silent_at is not None and now - figures.silent_at >= SILENT_HELD
        ) or now - self.silent_since >= SILENT_LONGEST
        if over:
            self.silent_since = None
            await self.sim.post("/_sim/push", json={"silent": False})
            await self._end_silence(now)
            return
        await self._by_hand(self.silence_rng)

    async def _end_silence(self, now: datetime) -> None:
        """Change a thermostat of each silent home by hand once deliveries are back."""
        if not self._loaded or self.figures.silent_at is None:
            return
        world = self.cloud.world
        for plant_id in sorted(self.coordinator.push.silent):
            if (plant := world.smarther_plants.get(plant_id)) is not None:
                await self._by_hand(self.silence_rng, list(plant.thermostats))
        await delivered(self.hass, self.cloud)
        await written(self.hass)
        if not self.coordinator.push.silent:
            self.figures.recovered_at = now

    @property
    def _loaded(self) -> bool:
        """Return whether the entry is loaded."""
        return self.entry.state is ConfigEntryState.LOADED

    def _watch_unread(self, now: datetime) -> None:
        """Note the longest a thermostat's state went unconfirmed while push was silent."""
        if not self._loaded or self.figures.silent_at is None:
            return
        for plant in self.coordinator.data.smarther.values():
            for module in plant.topology.modules:
                confirmed = plant.updated.get(module.id)
                if confirmed is not None and module.id not in plant.unavailable:
                    unread = now - confirmed
                    if unread > self.figures.longest_unread:
                        self.figures.longest_unread = unread

    async def _by_hand(
        self, rng: random.Random, thermostats: list[str] | None = None
    ) -> None:
        """Change a thermostat by hand, as a person does: the cloud pushes it, if it can."""
        if thermostats is None:
            thermostats = [
                module_id
                for plant in self.cloud.world.smarther_plants.values()
                for module_id in plant.thermostats
            ]
        module_id = rng.choice(thermostats)
        await self.sim.post(
            f"/_sim/modules/{module_id}/physical",
            json={"mode": "manual", "setPoint": rng.choice((18.0, 19.5, 21.0))},
        )

    async def command(self) -> None:
        """Run one user command: it is applied, or refused with an error.

        Only on a device shown available: Home Assistant itself skips, without a word, the
        entities of an action that are unavailable.
        """
        choices: list[tuple[str, str, dict[str, Any]]] = []
        for state in self.hass.states.async_all(
            (LIGHT_DOMAIN, SWITCH_DOMAIN, COVER_DOMAIN, CLIMATE_DOMAIN)
        ):
            if state.state == STATE_UNAVAILABLE:
                continue
            domain = state.domain
            if domain in (LIGHT_DOMAIN, SWITCH_DOMAIN):
                choices.append((domain, "turn_on", {}))
                choices.append((domain, "turn_off", {}))
            elif domain == COVER_DOMAIN:
                choices.append((domain, "open_cover", {}))
                choices.append((domain, "close_cover", {}))
            else:
                choices.append((domain, "set_temperature", {"temperature": 20.5}))
                choices.append((domain, "set_preset_mode", {"preset_mode": "boost"}))
            choices[-1][2][ATTR_ENTITY_ID] = state.entity_id
            choices[-2][2][ATTR_ENTITY_ID] = state.entity_id
        if not choices:
            return
        domain, service, data = self.rng.choice(choices)
        self.figures.commands += 1
        try:
            await self.hass.services.async_call(domain, service, data, blocking=True)
        except HomeAssistantError:
            self.figures.refused += 1
            return
        self._check_claim(domain, service, data)

    def _entity(self, entity_id: str) -> Any:
        """Return the entity object behind an entity id."""
        domain = entity_id.partition(".")[0]
        return self.hass.data["entity_components"][domain].get_entity(entity_id)

    def _check_claim(self, domain: str, service: str, data: dict[str, Any]) -> None:
        """Check that a command that returned normally did, in the cloud, what it claimed."""
        entity_id = data[ATTR_ENTITY_ID]
        module_id = self._entity(entity_id).module_id
        world = self.cloud.world
        now = self.cloud.clock.now()
        claimed: Any
        actual: Any
        if domain == CLIMATE_DOMAIN:
            found = world.thermostat(module_id)
            assert found is not None, f"{entity_id}: commanded, yet not in the cloud"
            thermostat = found[1].snapshot(now, found[0].zone)
            if service == "set_temperature":
                claimed = ("manual", data["temperature"])
                actual = (thermostat["mode"], thermostat["setpoint"])
            else:
                claimed, actual = "boost", thermostat["mode"]
        else:
            found_module = world.hc_module(module_id)
            assert found_module is not None, (
                f"{entity_id}: commanded, yet not in the cloud"
            )
            module = found_module[1]
            if domain == COVER_DOMAIN:
                claimed = 100 if service == "open_cover" else 0
                actual = module.motion.target if module.motion else module.level
            else:
                claimed = "on" if service == "turn_on" else "off"
                actual = module.status
        assert actual == claimed, (
            f"{domain}.{service} on {entity_id} returned normally; the cloud has {actual!r}"
        )
        self.figures.claims += 1

    async def relink_if_asked(self) -> None:
        """Sign in again when Home Assistant asks for it (after a revocation)."""
        flows = [
            flow
            for flow in self.hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"].get("source") == SOURCE_REAUTH
        ]
        if not flows:
            # Loaded, or retrying its setup by itself after a fault on the first refresh.
            return
        assert self.revoked, "re-authentication asked without a revocation"
        for flow in flows:
            self.hass.config_entries.flow.async_abort(flow["flow_id"])
        token = self.cloud.issue_tokens()
        token["expires_at"] = dt_util.utcnow().timestamp() + int(token["expires_in"])
        self.hass.config_entries.async_update_entry(
            self.entry, data={**self.entry.data, "token": token}
        )
        # A fault on the first refresh leaves the entry retrying its setup by itself.
        await self.hass.config_entries.async_reload(self.entry.entry_id)
        await self.hass.async_block_till_done(wait_background_tasks=True)
        self.revoked = False
        self.figures.relinks += 1

    def check(self) -> None:
        """Check what the user would notice after a step."""
        records = self.caplog.records[self.checked_records :]
        self.checked_records = len(self.caplog.records)
        for record in records:
            if record.levelno < logging.ERROR or record.name.startswith(
                HARNESS_LOGGERS
            ):
                continue
            assert REAUTH_RECORD in record.getMessage(), record.getMessage()
            assert record.name.startswith("custom_components.legrand_eliot")
        # The quota: never exceeded, and the local count never below the gateway's. The
        # gateway does not charge a request it refuses for its token (401) before the quota;
        # the client charges every request it sends, so it may count a few more. A connection
        # dropped without an answer is sent again by aiohttp itself, unseen by the client:
        # the gateway may count one more per injected disconnect. What the integration sends
        # stays within the day's budget; only those unseen resends may take the gateway past it.
        used = int(self.cloud.counters["quota"][self.cloud.user().email]["used"])
        assert used <= DEFAULT_DAILY_BUDGET + self.disconnects
        loaded = self.entry.state is ConfigEntryState.LOADED
        if loaded:
            assert self.coordinator.budget.calls_used <= DEFAULT_DAILY_BUDGET
            assert self.coordinator.budget.calls_used + self.disconnects >= used
            self.figures.difference = self.coordinator.budget.calls_used - used
        else:
            self.figures.retries += 1
        # No device removed that the cloud still has.
        registry = dr.async_get(self.hass)
        registered = {
            ident
            for device in dr.async_entries_for_config_entry(
                registry, self.entry.entry_id
            )
            for domain, ident in device.identifiers
            if domain == DOMAIN
        }
        world = self.cloud.world
        # A plant out of the account may be removed once that is proven; not before.
        hc_plants = [p for p in world.hc_plants.values() if p.former_owner is None]
        smarther_plants = [
            p for p in world.smarther_plants.values() if p.former_owner is None
        ]
        in_cloud = {
            *(p.id for p in hc_plants),
            *(p.id for p in smarther_plants),
            *(m for p in hc_plants for m in p.modules),
            *(m for p in smarther_plants for m in p.thermostats),
        }
        lost = (self.registered & in_cloud) - registered
        assert not lost, f"devices removed that the cloud still has: {lost}"
        self.registered = registered
        # No thermostat state shown older than one shown before.
        if loaded:
            for plant in self.coordinator.data.smarther.values():
                for module_id, moment in plant.shown_at.items():
                    before = self.shown_at.get(module_id)
                    assert before is None or moment >= before, module_id
                    self.shown_at[module_id] = moment

    async def calm(self) -> None:
        """
        Clear every fault; each device must then show again by the refresh of its next read.

        A device whose next read is due at some moment (as the schedule stands when the faults
        clear, or when a quota pause ends) is available again once the refresh at that moment
        has run, if the cloud has it and it is reachable.
        """
        self.figures.calms += 1
        assert (await self.sim.delete("/_sim/faults")).status == 200
        await self._back_online()
        await self._renew_app()
        await self._plants_back()
        while self.away:
            await self._module_back()
        while self.entry.state is not ConfigEntryState.LOADED:
            # Retrying its setup by itself, or (revoked) waiting for a new sign-in.
            await self._let_time_run(timedelta(seconds=60))
        data = self.coordinator.data
        deadlines = {
            key: self._next_read(key)
            for key in (
                *data.home_control,
                *(m.id for p in data.smarther.values() for m in p.topology.modules),
            )
        }
        while deadlines:
            due = self.coordinator.next_refresh
            assert due is not None, "no refresh planned"
            await self._let_time_run(max(due - dt_util.utcnow(), timedelta()))
            ran_at = dt_util.utcnow() + TIMER_SLACK
            for key in [k for k, deadline in deadlines.items() if deadline <= ran_at]:
                del deadlines[key]
                self._check_back(key)
        for entity_id, entity in self._entities():
            if isinstance(entity, AccountEntity):
                assert self._shown(entity_id), entity_id

    def _next_read(self, key: str) -> datetime:
        """Return when a plant's or thermostat's next read is due, as the schedule stands.

        Not before a quota pause ends; for a plant that refused the account (it left, and may
        be back), not before it is tried again, nor before a plants list may show it back.
        """
        coordinator = self.coordinator
        data = coordinator.data
        now = dt_util.utcnow()
        due = max(
            coordinator.plan.due_at(data, key) or now,
            coordinator.budget.paused_until or now,
        )
        found = data.thermostat(key)
        plant_id = key if found is None else found[0].plant.id
        if (denied := coordinator.topology._denied.get(plant_id)) is not None:
            due = max(due, denied + DENIED_RETRY)
            if (
                absence := coordinator.topology._absence.absent.get(plant_id)
            ) is not None:
                due = max(due, absence.since + ABSENT_FOR)
        return due

    async def _let_time_run(self, span: timedelta) -> None:
        """Move time on; the refreshes that fall due meanwhile run.

        Pushes on their way arrive first: a delivery takes milliseconds, not minutes.
        """
        await self.cloud.push.flush()
        self.freezer.tick(span)
        async_fire_time_changed(self.hass)
        await self.hass.async_block_till_done(wait_background_tasks=True)
        await self.relink_if_asked()
        self.check()

    def _entities(self) -> list[tuple[str, Any]]:
        """Return the entry's entities that Home Assistant shows, with their objects."""
        registry = er.async_get(self.hass)
        return [
            (entry.entity_id, self._entity(entry.entity_id))
            for entry in er.async_entries_for_config_entry(
                registry, self.entry.entry_id
            )
            if self.hass.states.get(entry.entity_id) is not None
        ]

    def _shown(self, entity_id: str) -> bool:
        """Return whether Home Assistant shows an entity as available."""
        state = self.hass.states.get(entity_id)
        return state is not None and state.state != STATE_UNAVAILABLE

    def _check_back(self, key: str) -> None:
        """Check that the devices read through one source show, if the cloud has them."""
        world = self.cloud.world
        for entity_id, entity in self._entities():
            if isinstance(entity, ThermostatEntity):
                if entity.module_id != key:
                    continue
                expected = world.thermostat(key) is not None
            elif isinstance(entity, HomeControlEntity):
                if entity.plant_id != key:
                    continue
                found = world.hc_module(entity.module_id)
                expected = found is not None and found[1].reachable
            elif isinstance(entity, PlantEntity):
                if entity.plant_id != key:
                    continue
                expected = key in world.hc_plants
            else:
                continue
            self.figures.recovered += expected
            assert not expected or self._shown(entity_id), (
                f"{entity_id} still unavailable after the read of {key} due once the "
                "faults cleared"
            )

    async def run(self) -> None:
        """Run the soak for its virtual hours."""
        steps: list[tuple[float, Callable[[], Awaitable[None]]]] = [
            (0.35, self.fault),
            (0.05, self.outage),
            (0.04, self.app_flag),
            (0.03, self.tokens),
            (0.04, self.module_leaves),
            (0.02, self.plant_leaves),
            (0.2, self.push),
            (0.1, self.physical),
            (0.4, self.command),
        ]
        # While push is silent the faults wait, pushed bodies too (Legrand delivers none), and
        # only people change thermostats: the reconciliation reads are to find their changes.
        held = (
            self.fault,
            self.outage,
            self.app_flag,
            self.tokens,
            self.module_leaves,
            self.plant_leaves,
            self.push,
            self.command,
        )
        start = dt_util.utcnow()
        end = start + timedelta(hours=SOAK_HOURS)
        calm_at = dt_util.utcnow() + CALM_EVERY
        self.check()
        # The silent stretch ends before the soak does.
        while dt_util.utcnow() < end or self.silent_since is not None:
            await self.push_silent(start)
            if dt_util.utcnow() >= calm_at:
                await self.calm()
                calm_at = dt_util.utcnow() + CALM_EVERY
            for weight, step in steps:
                if self.rng.random() < weight:
                    if self.silent_since is not None and step in held:
                        continue
                    await step()
                    # What the step made the simulated cloud push arrives before time moves:
                    # a delivery still on its way when the clock jumps would time out, or not,
                    # as the machine's real timing decides.
                    await delivered(self.hass, self.cloud)
                    await self.relink_if_asked()
                    self.check()
            await self._let_time_run(timedelta(seconds=self.rng.randint(60, 600)))
            self.figures.steps += 1
        await self.calm()


@pytest.mark.parametrize(
    ("name", "scenario"),
    [
        ("demo", "demo"),
        ("large", generate_scenario(6, 12, thermostat_plants=2, thermostats=3)),
    ],
    ids=["demo", "large"],
)
async def test_soak(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    sim: TestClient,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    name: str,
    scenario: Any,
) -> None:
    """Faults at random for hours: nothing crashes, no quota overrun, nothing lost or reordered."""
    await serve_home_assistant(hass, hass_client_no_auth)
    await setup_entry(hass, config_entry)
    config_entry.runtime_data.coordinator.async_add_listener(lambda: None)
    writes = 0

    def count(_event: Any) -> None:
        """Count state writes."""
        nonlocal writes
        writes += 1

    hass.bus.async_listen("state_changed", count)
    soak = Soak(
        hass,
        freezer,
        config_entry,
        cloud,
        sim,
        await hass_client_no_auth(),
        caplog,
    )
    await soak.run()
    figures = soak.figures
    assert figures.claims > 0
    assert figures.refused > 0
    assert figures.hangs > 0
    assert figures.calms > 0
    assert figures.recovered > 0
    assert sum(figures.faults.values()) > 10
    # Push fell silent, was found so from the polls, and spoke again; meanwhile no
    # thermostat's state went unconfirmed past the reconciliation interval push had given
    # it (and one step of the soak).
    assert figures.silent_at is not None
    assert figures.recovered_at is not None
    assert figures.longest_unread <= (
        figures.reconcile_interval + LONGEST_STEP + TIMER_SLACK
    )
    print(figures.line(name, cloud, writes))  # noqa: T201
    if REPORT:
        _add_to_report(figures.row(ACCOUNTS[name], cloud, writes))


def _add_to_report(row: str) -> None:
    """Add a row to the report `scripts/soak` writes."""
    with Path(REPORT or "").open("a", encoding="utf-8") as report:
        report.write(row + "\n")

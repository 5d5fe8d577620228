"""The benchmark's day as a pytest run, so that Home Assistant's test harness hosts our side.

Not part of the test suite: `scripts/bench` runs it with the runs to make in BENCH_RUNS
("S:off,S:on,..."), the seed in BENCH_SEED and the folder for the results in BENCH_OUT; a
later start in BENCH_START (HH:MM), a shorter day in BENCH_HOURS, and BENCH_CPU=0 to measure no
CPU time.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from datetime import datetime, timedelta
import json
import os
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry  # type: ignore[import-untyped]
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator  # type: ignore[import-untyped]

from custom_components.legrand_eliot.eliot import DeviceKind, EliotClient, QuotaBudget
from simulator import CLOUD, SimulatedCloud, create_app
from tests.draws import seeded_draws

from .accounts import ACCOUNTS, Account
from .baseline import BaselinePoller
from .changes import DAY, by_family, devices_of, generate_changes
from .day import (
    CPU_ROUNDS,
    Sides,
    calls_of,
    calls_per_command,
    measure_cpu,
    run_day,
    settle,
)
from .results import RunResult, SideResult, result_name

# A quarter past midnight where Home Assistant is (or later when asked): the day is one quota day.
DAY_START = f"2026-11-25 {os.environ.get('BENCH_START', '00:15')}:00"
# The day ends a minute before the quota resets.
DAY_END = DAY - 60.0
# The seed of the day's changes, and of every draw made during the day.
SEED = int(os.environ.get("BENCH_SEED", "13"))
# A shorter day ends this many hours after it starts; by default the day is whole.
HOURS = os.environ.get("BENCH_HOURS")
# Without CPU measurement, one round after the day counts the state writes of a refresh.
MEASURE_CPU = os.environ.get("BENCH_CPU", "1") != "0"
RUNS = [
    (ACCOUNTS[name], push == "on")
    for name, push in (
        item.split(":") for item in os.environ.get("BENCH_RUNS", "S:off").split(",")
    )
]


def _day_end(start: float) -> float:
    """Return when the day ends: a minute before the quota resets, or sooner when asked."""
    if HOURS is None:
        return DAY_END
    return min(DAY_END, start + float(HOURS) * 3600.0)


def _midnight() -> datetime:
    """Return the local midnight that starts the day."""
    start = datetime.fromisoformat(DAY_START).replace(
        tzinfo=dt_util.get_default_time_zone()
    )
    return start.replace(hour=0, minute=0, second=0)


@pytest.fixture(
    params=RUNS, ids=[f"{a.name}-{'push' if p else 'poll'}" for a, p in RUNS]
)
def run(request: pytest.FixtureRequest) -> tuple[Account, bool]:
    """Return the account and whether push is on."""
    value: tuple[Account, bool] = request.param
    return value


@pytest.fixture
def scenario(run: tuple[Account, bool]) -> dict[str, Any]:
    """Return the run's account as a scenario."""
    return run[0].scenario()


@pytest.fixture
def cloud_options(hass: HomeAssistant) -> dict[str, Any]:
    """Quota day where Home Assistant is; no burst limit (requests are not spaced here)."""
    return {"quota_timezone": hass.config.time_zone, "burst_limit": None}


@pytest.fixture
def start_time(hass: HomeAssistant) -> datetime:
    """Return the moment the day starts: a quarter past midnight where Home Assistant is."""
    return datetime.fromisoformat(DAY_START).replace(
        tzinfo=dt_util.get_default_time_zone()
    )


@pytest.fixture(autouse=True)
def same_draws() -> Iterator[None]:
    """Make Home Assistant's random draws from the day's seed: the same seed, the same day."""
    with seeded_draws(SEED):
        yield


@pytest.fixture(autouse=True)
def start_of_day(freezer: FrozenDateTimeFactory, start_time: datetime) -> None:
    """Start the day before anything is set up."""
    freezer.move_to(start_time)


@pytest.fixture
async def baseline_cloud(
    hass: HomeAssistant,
    socket_enabled: None,
    scenario: dict[str, Any],
    start_time: datetime,
) -> AsyncGenerator[tuple[SimulatedCloud, str]]:
    """Run the baseline's own simulated cloud: the same account, its own quota."""
    app = create_app(
        scenario,
        start=start_time,
        quota_timezone=hass.config.time_zone,
        burst_limit=None,
        access_token_lifetime=3 * 86400,
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(access_log=None)
    yield app[CLOUD], str(server.make_url("")).rstrip("/")
    await server.close()


async def _serve_home_assistant(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Serve Home Assistant locally and make that its address, so the cloud can push to it."""
    assert await async_setup_component(hass, "webhook", {})
    client = await hass_client_no_auth()
    await hass.config.async_update(internal_url=str(client.make_url("")).rstrip("/"))


async def test_day(
    *,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    run: tuple[Account, bool],
    scenario: dict[str, Any],
    credentials: None,
    config_entry: MockConfigEntry,
    cloud: SimulatedCloud,
    baseline_cloud: tuple[SimulatedCloud, str],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Run one day side by side and write what was measured."""
    account, push = run
    if push:
        await _serve_home_assistant(hass, hass_client_no_auth)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    ours, base = SideResult(), SideResult()
    ours.setup_calls = calls_of(cloud)
    # A restart right after setup (no topology read due): its calls count in the day's too.
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await settle(hass)
    ours.restart_calls = calls_of(cloud) - ours.setup_calls
    bcloud, burl = baseline_cloud
    token = bcloud.issue_tokens()["access_token"]

    async def token_callback() -> str:
        """Return the baseline's long-lived token."""
        return str(token)

    async with aiohttp.ClientSession() as session:
        client = EliotClient(
            token_callback=token_callback,
            subscription_key=bcloud.subscription_key,
            session=session,
            base_url=burl,
            budget=QuotaBudget(daily_limit=10**6),
            min_spacing=0,
            retry_backoff=0,
            busy_retry_delay=0,
        )
        poller = BaselinePoller(client)
        midnight = _midnight()
        devices = devices_of(scenario)
        sides = Sides(
            hass=hass,
            freezer=freezer,
            entry=config_entry,
            cloud=cloud,
            baseline=poller,
            baseline_cloud=bcloud,
            push=push,
            start=midnight,
            families=dict(devices),
        )
        start = sides.seconds()
        end = _day_end(start)
        changes = generate_changes(devices, seed=SEED, start=start, end=end)
        await run_day(sides, changes, end, ours, base)
        # The next quota day: a command is measured first, before the CPU rounds' refreshes
        # spend that day's calls down to the polling floor, where commands are refused.
        next_day = midnight + timedelta(days=1, minutes=30)
        sides.freezer.move_to(next_day)
        await settle(hass)
        switch = next(state.entity_id for state in hass.states.async_all("switch"))
        ours.calls_per_command = await calls_per_command(hass, cloud, switch)
        cpu = await measure_cpu(
            sides,
            next_day + timedelta(minutes=1),
            rounds=CPU_ROUNDS if MEASURE_CPU else 1,
        )
        before = calls_of(bcloud)
        await poller.run("status")
        plant_id = poller.hc_plants[0]
        module_id = next(module_id for module_id, family in devices if family == "plug")
        await client.switch(plant_id, module_id, DeviceKind.PLUG, True)
        base.calls_per_command = calls_of(bcloud) - before - len(poller.hc_plants)
    # The baseline keeps nothing between starts: a restart reads everything, as its setup did.
    base.restart_calls = base.setup_calls
    await hass.config_entries.async_unload(config_entry.entry_id)
    await settle(hass)
    result = RunResult(
        account=account.name,
        push=push,
        start=start,
        end=end,
        changes=by_family(changes),
        ours=ours,
        baseline=base,
        cpu=cpu,
    )
    _write(result)


def _write(result: RunResult) -> None:
    """Write a run's results where the benchmark collects them."""
    out = Path(os.environ.get("BENCH_OUT", "."))
    out.mkdir(parents=True, exist_ok=True)
    name = result_name(result.account, result.push)
    (out / name).write_text(json.dumps(result.to_json()), encoding="utf-8")

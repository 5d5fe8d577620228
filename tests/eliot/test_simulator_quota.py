"""The client against the simulated cloud: the daily quota and the burst limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.legrand_eliot.eliot import EliotQuotaExceededError

from .simulated import Sim


@pytest.mark.parametrize("sim_options", [{"quota_limit": 4}], indirect=True)
async def test_quota_pause_and_resume(sim: Sim) -> None:
    """The exhausted quota pauses every call until the gateway's reset, then calls resume."""
    for _ in range(4):
        await sim.client.smarther_plants()

    with pytest.raises(EliotQuotaExceededError) as caught:
        await sim.client.hc_plants()
    sent = (await sim.counters())["total"]
    with pytest.raises(EliotQuotaExceededError) as local:
        await sim.client.smarther_plants()

    assert caught.value.status == 403
    assert caught.value.daily
    # The simulator's quota day ends at UTC midnight: the countdown names it.
    midnight = datetime.combine(
        sim.time().date() + timedelta(days=1), datetime.min.time(), UTC
    )
    assert abs(caught.value.resume_at - midnight) <= timedelta(seconds=5)
    assert local.value.status is None
    assert (await sim.counters())["total"] == sent
    assert sim.client.budget.calls_left == 0

    await sim.advance((caught.value.resume_at - sim.time()).total_seconds() + 1)

    assert await sim.client.smarther_plants()
    # Half a day later the access token has expired too: one 401, one refresh, one retry.
    assert len(sim.refreshes) == 1
    assert sim.client.budget.calls_used == 2
    counters = await sim.counters()
    assert counters["total"] == sent + 2
    # The gateway cannot charge a refused token to a user; the client counts it anyway.
    assert counters["quota"]["demo@example.com"]["used"] == 1


@pytest.mark.parametrize(
    "sim_options", [{"quota_limit": 2, "quota_status": 429}], indirect=True
)
async def test_quota_as_429(sim: Sim) -> None:
    """The 2025 variant answers 429 with the quota message: the same daily pause."""
    await sim.client.smarther_plants()
    await sim.client.smarther_plants()

    with pytest.raises(EliotQuotaExceededError) as caught:
        await sim.client.set_protection("p", "m", function="heating")

    assert (caught.value.status, caught.value.daily) == (429, True)
    assert sim.sleeps.delays == []


@pytest.mark.parametrize(
    "sim_options", [{"burst_limit": 3, "burst_window": 60.0}], indirect=True
)
async def test_burst_limit_pauses_briefly(sim: Sim) -> None:
    """The firewall's 429 pauses calls for Retry-After seconds only."""
    for _ in range(3):
        await sim.client.smarther_plants()

    with pytest.raises(EliotQuotaExceededError) as caught:
        await sim.client.smarther_plants()

    assert (caught.value.status, caught.value.daily) == (429, False)
    assert timedelta(0) < caught.value.resume_at - sim.time() <= timedelta(seconds=60)
    assert sim.client.budget.calls_left == 500 - 4
    await sim.advance(61)
    assert await sim.client.smarther_plants()


async def test_injected_rate_limit_is_never_retried(sim: Sim) -> None:
    """A 429 on a command is not retried, even though commands retry other failures."""
    plant, module = await sim.thermostat("Camera")
    await sim.fault(status=429, count=1, match=module, retry_after=5)

    with pytest.raises(EliotQuotaExceededError):
        await sim.client.set_off(plant, module, function="cooling")

    assert sim.sleeps.delays == []
    assert sim.client.budget.is_paused

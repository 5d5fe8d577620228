"""The client against the simulated cloud: every error class, and the retries of commands."""

from __future__ import annotations

import pytest

from custom_components.legrand_eliot.eliot import (
    EliotAppPasswordExpiredError,
    EliotConnectionError,
    EliotDisplayBusyError,
    EliotForbiddenError,
    EliotInvalidSubscriptionKeyError,
    EliotResponseError,
    EliotServerError,
    EliotTermsExpiredError,
    EliotTimeoutError,
    ThermostatMode,
)

from .error_statuses import ERROR_OF_STATUS
from .simulated import Sim


@pytest.mark.parametrize("status", [400, 404, 406, 408, 430, 469, 470, 486, 500, 503])
async def test_injected_statuses(sim: Sim, status: int) -> None:
    """Each status of the reference's table, injected in the simulator, gives its exception."""
    plant, module = await sim.thermostat("Camera")
    await sim.fault(status=status, count=1, match=module)

    with pytest.raises(ERROR_OF_STATUS[status]) as caught:
        await sim.client.thermostat_status(plant, module)

    assert caught.value.status == status
    # The fault is spent: the next poll works again.
    assert (await sim.client.thermostat_status(plant, module)).module_id == module


async def test_app_password_and_terms_flags(sim: Sim) -> None:
    """Expired Thermostat app password (469) and terms (470) come from the account flags."""
    plant, module = await sim.thermostat("Camera")

    await sim.control(
        "POST", "/users/demo@example.com/app-password-expired", {"expired": True}
    )
    with pytest.raises(EliotAppPasswordExpiredError):
        await sim.client.thermostat_status(plant, module)
    await sim.control(
        "POST", "/users/demo@example.com/app-password-expired", {"expired": False}
    )
    await sim.control(
        "POST", "/users/demo@example.com/terms-expired", {"expired": True}
    )
    with pytest.raises(EliotTermsExpiredError):
        await sim.client.thermostat_status(plant, module)


async def test_malformed_and_broken_answers(sim: Sim) -> None:
    """A cut JSON body and a dropped connection become the client's own errors."""
    plant = await sim.hc_plant()
    scene = (await sim.client.hc_scenes(plant))[0].id
    await sim.fault(kind="malformed", count=1, match="/topology")
    # A command (POST) is used for the dropped connection: aiohttp itself silently repeats an
    # idempotent GET once when a pooled connection drops.
    await sim.fault(kind="disconnect", count=3, match=scene)

    with pytest.raises(EliotResponseError):
        await sim.client.hc_topology(plant)
    with pytest.raises(EliotConnectionError):
        await sim.client.run_scene(plant, scene)

    assert sim.sleeps.delays == [2.0, 4.0]
    assert (
        sim.client.budget.calls_used
        == (await sim.counters())["quota"]["demo@example.com"]["used"]
    )


async def test_client_timeout(sim: Sim) -> None:
    """A gateway that hangs hits the client's own timeout."""
    plant = await sim.hc_plant()
    sim.client.request_timeout = 0.2
    await sim.fault(kind="timeout", count=1, match="/topology", delay=30)

    with pytest.raises(EliotTimeoutError) as caught:
        await sim.client.hc_topology(plant)

    assert caught.value.status is None


async def test_forbidden_scope(sim: Sim) -> None:
    """A token without the comfort scopes is refused with the scope named."""
    tokens = await sim.control("POST", "/token", {"scopes": ["light.read"]})

    async def narrow_token() -> str:
        return str(tokens["access_token"])

    sim.client.token_callback = narrow_token
    with pytest.raises(EliotForbiddenError) as caught:
        await sim.client.smarther_plants()

    assert caught.value.scope == "comfort.read"
    assert not sim.client.budget.is_paused


async def test_invalid_subscription_key(sim: Sim) -> None:
    """A wrong subscription key is its own auth error and is not retried."""
    sim.client.subscription_key = "ffffffffffffffffffffffffffffffff"

    with pytest.raises(EliotInvalidSubscriptionKeyError):
        await sim.client.hc_plants()

    assert sim.refreshes == []
    assert "ffffffffffffffffffffffffffffffff" not in repr(sim.client)


async def test_busy_thermostat_is_retried(sim: Sim) -> None:
    """Two busy answers then success: the command waits about 10 s twice."""
    plant, module = await sim.thermostat("Soggiorno")
    await sim.control("POST", f"/modules/{module}/busy", {"count": 2})

    await sim.client.set_boost(plant, module, function="heating", minutes=90)

    assert sim.sleeps.delays == [10.0, 10.0]
    status = await sim.client.thermostat_status(plant, module)
    assert status.mode is ThermostatMode.BOOST


async def test_busy_thermostat_gives_up(sim: Sim) -> None:
    """A display that stays busy raises after the bounded retries."""
    plant, module = await sim.thermostat("Soggiorno")
    await sim.control("POST", f"/modules/{module}/busy", {"count": 10})

    with pytest.raises(EliotDisplayBusyError):
        await sim.client.set_off(plant, module, function="heating")

    assert len(sim.sleeps.delays) == 3


async def test_command_retries_server_errors_and_every_try_is_counted(sim: Sim) -> None:
    """A command survives two 500s; the budget counts the same calls as the gateway."""
    plant, module = await sim.thermostat("Camera")
    await sim.control("POST", "/counters/reset", {})
    sim.client.budget.used = 0
    await sim.fault(status=500, count=2, match=module)

    await sim.client.set_protection(plant, module, function="cooling")

    assert sim.sleeps.delays == [2.0, 4.0]
    counters = await sim.counters()
    assert counters["quota"]["demo@example.com"]["used"] == 3
    assert sim.client.budget.calls_used == 3


async def test_poll_is_not_retried(sim: Sim) -> None:
    """A poll that hits a 500 fails at once."""
    plant, module = await sim.thermostat("Camera")
    await sim.fault(status=500, count=1, match=module)

    with pytest.raises(EliotServerError):
        await sim.client.thermostat_status(plant, module)

    assert sim.sleeps.delays == []

"""The client against the simulated cloud: expired and refused tokens, token answers."""

from __future__ import annotations

import pytest

from custom_components.legrand_eliot.eliot import EliotAuthError, parse_token_response

from .simulated import Sim


async def test_expired_token_is_refreshed_once(sim: Sim) -> None:
    """An access token that expired at the gateway is refreshed and the call sent again."""
    await sim.control("POST", "/tokens/expire", {})

    plants = await sim.client.smarther_plants()

    assert plants
    assert len(sim.refreshes) == 1


async def test_revoked_tokens_end_in_an_auth_error(sim: Sim) -> None:
    """When even the refreshed token is refused, the auth error reaches the caller."""

    async def stale(refused: str) -> str:
        return "not-a-token-the-simulator-knows"

    sim.client.refresh_callback = stale
    await sim.control("POST", "/tokens/expire", {})

    with pytest.raises(EliotAuthError) as caught:
        await sim.client.smarther_plants()

    assert caught.value.invalid_subscription_key is False
    assert (await sim.counters())["by_endpoint"]["GET /smarther/v2.0/plants"] == 2


@pytest.mark.parametrize(
    "sim_options",
    [
        {"token_fields": "both"},
        {"token_fields": "expires_in"},
        {"token_fields": "expires_on"},
        {"token_fields": "expires_on", "expires_on_type": "str"},
    ],
    indirect=True,
)
async def test_token_responses_of_every_variant(sim: Sim) -> None:
    """Whatever lifetime fields the login sends, both come out, about an hour away."""
    answer = await sim.control("POST", "/token", {})
    now = sim.time().timestamp()

    token = parse_token_response(answer, now)

    assert 3500 <= token["expires_in"] <= 3600
    assert abs(token["expires_on"] - (now + token["expires_in"])) <= 2

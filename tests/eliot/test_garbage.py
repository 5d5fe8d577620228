"""Generated garbage thrown at every parser: only the package's own errors come out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.legrand_eliot.eliot import (
    DeviceKind,
    EliotClient,
    EliotError,
    EliotResponseError,
    QuotaBudget,
    parse_push_events,
    parse_token_response,
)
from custom_components.legrand_eliot.eliot.const import MAX_LOAD_POWER, MAX_METER_POWER
from custom_components.legrand_eliot.eliot.error_map import error_for_status
from custom_components.legrand_eliot.eliot.home_control_models import (
    StatusMemo,
    parse_module_status,
    parse_plant_status,
    parse_scenes,
)
from custom_components.legrand_eliot.eliot.parsing import ParseError
from custom_components.legrand_eliot.eliot.plant_models import (
    parse_plants,
    parse_topology,
)
from custom_components.legrand_eliot.eliot.smarther_models import (
    parse_measures,
    parse_programs,
    parse_subscription_id,
    parse_subscriptions,
    parse_thermostat_status,
)
from tests.moments import START

from .conftest import (
    BASE_URL,
    NOON,
    SUBSCRIPTION_KEY,
    AiohttpClientMocker,
    AiohttpClientMockResponse,
    load_fixture,
)

E = "GET /garbage"
# Keys the parsers look for, so that generated objects reach deep into them.
KEYS = [
    "plants", "plant", "id", "name", "country", "type", "ambients", "modules", "device",
    "hw_type", "lights", "plugs", "automations", "remotes", "heaters", "energymeters",
    "reachable", "status", "level", "step", "fw", "battery", "consumptions", "unit", "value",
    "timestamp", "sender", "module", "scenes", "chronothermostats", "function", "mode",
    "setPoint", "programs", "number", "activationTime", "thermometer", "hygrometer", "measures",
    "timeStamp", "loadState", "temperatureFormat", "online", "time", "subscriptionId", "plantId",
    "EndPointUrl", "subscriptions", "access_token", "expires_in", "expires_on", "eventType",
    "refresh_token", "token_type", "id_token", "scope",
    "data", "subject", "subjectElements", "validationCode", "eventTime", "message", "errors",
]  # fmt: skip
WORDS = [
    "on", "OFF", "HEATING", "boost", "2021-01-05T17:53:22Z", "2025-1-5T9:00:00/2025-1-5T9:30:00",
    "2025-02-30T10:00:00", "18.00000", "1e400", "-1", "bs_cloud_x", "DeviceToCloud",
    "Microsoft.EventGrid.SubscriptionValidationEvent", "", " ", "watt", "kW", "true",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(WORDS)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6
        )
    ),
    max_leaves=25,
)

FIXTURES = [
    "hc_plants.json",
    "hc_topology.json",
    "hc_plant_status.json",
    "hc_plug_status.json",
    "hc_scenes.json",
    "smarther_plants.json",
    "smarther_topology.json",
    "thermostat_status.json",
    "thermostat_measures.json",
    "program_list.json",
    "subscriptions.json",
    "subscribe.json",
    "push_event.json",
    "push_validation.json",
]


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> Any:
    """Return a real answer with some of its values, keys or items replaced by garbage."""

    def walk(node: Any) -> Any:
        if draw(st.integers(0, 7)) == 0:
            return draw(json_values)
        if isinstance(node, dict):
            return {
                key: walk(value)
                for key, value in node.items()
                if draw(st.integers(0, 9)) != 0
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(load_fixture(draw(st.sampled_from(FIXTURES))))


PARSERS: dict[str, Callable[[Any], Any]] = {
    "plants": lambda data: parse_plants(data, E),
    "topology": lambda data: parse_topology(data, "plant", E),
    "plant status": lambda data: parse_plant_status(data, "plant", E),
    "module status": lambda data: parse_module_status(
        data, "module", DeviceKind.PLUG, E
    ),
    "scenes": lambda data: parse_scenes(data, E),
    "thermostat status": lambda data: parse_thermostat_status(
        data, "plant", "module", E
    ),
    "measures": lambda data: parse_measures(data, E),
    "programs": lambda data: parse_programs(data, E),
    "subscriptions": lambda data: parse_subscriptions(data, E),
    "subscription id": lambda data: parse_subscription_id(data, E),
    "token": lambda data: parse_token_response(data, 1_700_000_000),
    "push": parse_push_events,
}
GARBAGE = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("parser", list(PARSERS))
@GARBAGE
@given(data=json_values | mutated_fixtures())
def test_parsers_raise_only_response_errors(parser: str, data: Any) -> None:
    """Whatever JSON arrives, a parser returns a model or raises EliotResponseError."""
    with contextlib.suppress(EliotResponseError):
        PARSERS[parser](data)


@GARBAGE
@given(data=json_values | mutated_fixtures())
def test_a_normalised_token_answer_has_fields_of_their_types(data: Any) -> None:
    """Whatever the login answers, a token that passes has every known field of its type."""
    try:
        token = parse_token_response(data, 1_700_000_000)
    except EliotResponseError:
        return
    assert isinstance(token["access_token"], str)
    assert token["access_token"].strip()
    for name in ("refresh_token", "token_type", "id_token"):
        assert isinstance(token.get(name, ""), str)
    assert isinstance(token.get("scope", ""), str | list)
    assert isinstance(token["expires_in"], int)
    assert isinstance(token["expires_on"], int)


@GARBAGE
@given(data=json_values | mutated_fixtures())
def test_power_read_from_garbage_is_within_physical_bounds(data: Any) -> None:
    """Whatever a status holds, a power read from it is one a module can draw, or unknown."""
    states = []
    with contextlib.suppress(EliotResponseError):
        states.extend(parse_plant_status(data, "plant", E).modules.values())
    with contextlib.suppress(EliotResponseError):
        states.append(parse_module_status(data, "module", DeviceKind.PLUG, E))
    for state in states:
        top = (
            MAX_METER_POWER if state.kind is DeviceKind.ENERGYMETER else MAX_LOAD_POWER
        )
        assert state.power is None or 0 <= state.power <= top


@GARBAGE
@given(payload=st.binary(max_size=64) | st.text(max_size=64))
def test_push_bodies_as_raw_bytes(payload: bytes | str) -> None:
    """Raw push bodies that are not even JSON only raise the response error."""
    with contextlib.suppress(EliotResponseError):
        parse_push_events(payload)


@GARBAGE
@given(
    status=st.integers(100, 599),
    body=json_values,
    retry_after=st.none() | st.text(max_size=30),
)
def test_any_error_answer_maps_to_an_eliot_error(
    status: int, body: Any, retry_after: str | None
) -> None:
    """The error mapper builds an EliotError for any status, body and Retry-After."""
    error = error_for_status(
        status,
        body,
        endpoint=E,
        now=NOON,
        retry_after_header=retry_after,
        next_reset=NOON,
        secrets=[SUBSCRIPTION_KEY],
    )

    assert isinstance(error, EliotError)
    assert error.status == status


@GARBAGE
@given(
    snapshot=st.dictionaries(
        st.sampled_from(["used", "reset_at", "paused_until", "paused_daily"]),
        json_values,
    )
)
def test_restore_raises_only_parse_errors(snapshot: dict[str, Any]) -> None:
    """A damaged stored budget is accepted or refused with the parse error, never worse."""
    budget = QuotaBudget(clock=lambda: NOON)

    with contextlib.suppress(ParseError):
        budget.restore(snapshot)
    assert budget.calls_left >= 0


async def _call_with_answer(status: int, raw: bytes, headers: dict[str, str]) -> None:
    """Run one client call against a gateway that gives this answer."""
    mocker = AiohttpClientMocker()
    mocker.get(
        f"{BASE_URL}/hc/api/v1.0/plants/p/topology",
        side_effect=lambda method, url, data: _answer(
            method, url, status, raw, headers
        ),
    )
    session = mocker.create_session(asyncio.get_running_loop())

    async def token() -> str:
        return "token"

    try:
        client = EliotClient(
            session=session,
            token_callback=token,
            subscription_key=SUBSCRIPTION_KEY,
            budget=QuotaBudget(clock=lambda: START),
            min_spacing=0,
        )
        await client.hc_topology("p")
    finally:
        await session.close()


async def _answer(
    method: str, url: Any, status: int, raw: bytes, headers: dict[str, str]
) -> AiohttpClientMockResponse:
    """Return the mocked answer."""
    return AiohttpClientMockResponse(
        method=method, url=url, status=status, response=raw, headers=headers
    )


@GARBAGE
@given(
    status=st.integers(100, 599),
    raw=st.binary(max_size=40)
    | json_values.map(lambda value: json.dumps(value).encode()),
    headers=st.dictionaries(
        st.sampled_from(["Retry-After", "Content-Type"]), st.text(max_size=20)
    ),
)
def test_client_calls_raise_only_eliot_errors(
    status: int, raw: bytes, headers: dict[str, str]
) -> None:
    """Any status with any body reaching the client raises only the package's errors."""
    with contextlib.suppress(EliotError):
        asyncio.run(_call_with_answer(status, raw, headers))


@GARBAGE
@given(before=json_values | mutated_fixtures(), after=json_values | mutated_fixtures())
def test_a_status_read_with_the_last_answers_memo_equals_a_fresh_read(
    before: Any, after: Any
) -> None:
    """Whatever the previous answer was, reusing its unchanged elements changes no result."""
    memo: StatusMemo = {}
    with contextlib.suppress(EliotResponseError):
        parse_plant_status(before, "plant", E, memo)
    try:
        fresh = parse_plant_status(after, "plant", E)
    except EliotResponseError:
        with pytest.raises(EliotResponseError):
            parse_plant_status(after, "plant", E, memo)
        return
    assert parse_plant_status(after, "plant", E, memo) == fresh

"""Smarther v2.0 requests and answers, against fixtures in the reference's shapes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.legrand_eliot.eliot import (
    EliotClient,
    EliotConflictError,
    EliotInvalidValueError,
    LoadState,
    QuotaBudget,
    ThermostatFunction,
    ThermostatMode,
)

from .conftest import (
    ACCESS_TOKEN,
    BASE_URL,
    MODULE,
    PLANT,
    SUBSCRIPTION_KEY,
    THERMOSTAT_URL,
    AiohttpClientMocker,
    FakeClock,
    load_fixture,
)

SMARTHER = f"{BASE_URL}/smarther/v2.0"
ROME = ZoneInfo("Europe/Rome")


def sent(aioclient: AiohttpClientMocker, index: int = 0) -> tuple[str, str, Any]:
    """Return the method, URL and body of a recorded request, checking its headers."""
    method, url, body, headers = aioclient.mock_calls[index]
    assert headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert headers["Ocp-Apim-Subscription-Key"] == SUBSCRIPTION_KEY
    if body is not None:
        assert headers["Content-Type"] == "application/json"
    return method, str(url), body


async def test_plants(client: EliotClient, aioclient: AiohttpClientMocker) -> None:
    """The Smarther plants come from /smarther/v2.0/plants."""
    aioclient.get(f"{SMARTHER}/plants", json=load_fixture("smarther_plants.json"))

    plants = await client.smarther_plants()

    assert [(plant.id, plant.name) for plant in plants] == [(PLANT, "Casa")]
    assert sent(aioclient) == ("GET", f"{SMARTHER}/plants", None)


@pytest.mark.parametrize("call", ["smarther_plants", "subscriptions"])
async def test_no_content_means_an_empty_list(
    client: EliotClient, aioclient: AiohttpClientMocker, call: str
) -> None:
    """204 on the plants or subscriptions list means there are none."""
    aioclient.get(f"{SMARTHER}/plants", status=204)
    aioclient.get(f"{SMARTHER}/subscription", status=204)

    assert await getattr(client, call)() == []


async def test_topology(client: EliotClient, aioclient: AiohttpClientMocker) -> None:
    """The thermostats of a plant are its topology's modules."""
    aioclient.get(
        f"{SMARTHER}/plants/{PLANT}/topology",
        json=load_fixture("smarther_topology.json"),
    )

    topology = await client.smarther_topology(PLANT)

    assert sent(aioclient) == ("GET", f"{SMARTHER}/plants/{PLANT}/topology", None)
    assert topology.name == "Casa"
    assert [
        (module.id, module.name, module.device.value) for module in topology.modules
    ] == [(MODULE, "Sala", "chronothermostat")]


async def test_thermostat_status(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """Uppercase enums and numbers as strings become enums and floats."""
    aioclient.get(THERMOSTAT_URL, json=load_fixture("thermostat_status.json"))

    status = await client.thermostat_status(PLANT, MODULE)

    assert sent(aioclient) == ("GET", THERMOSTAT_URL, None)
    assert (status.plant_id, status.module_id) == (PLANT, MODULE)
    assert status.function is ThermostatFunction.HEATING
    assert status.mode is ThermostatMode.AUTOMATIC
    assert (status.set_point, status.set_point_unit) == (18.0, "C")
    assert status.program == 1
    assert status.load_state is LoadState.INACTIVE
    assert status.temperature is not None
    assert status.temperature.value == 19.5
    assert status.humidity is not None
    assert status.humidity.value == 61.9
    assert status.temperature_format == "C"
    assert status.activation_time is None
    assert status.time is not None
    assert status.time.utcoffset() is not None


async def test_measures(client: EliotClient, aioclient: AiohttpClientMocker) -> None:
    """Temperature and humidity readings come from /measures."""
    aioclient.get(
        f"{THERMOSTAT_URL}/measures", json=load_fixture("thermostat_measures.json")
    )

    measures = await client.thermostat_measures(PLANT, MODULE)

    assert sent(aioclient) == ("GET", f"{THERMOSTAT_URL}/measures", None)
    assert measures.temperature is not None
    assert (measures.temperature.value, measures.temperature.unit) == (19.5, "C")
    assert measures.humidity is not None
    assert (measures.humidity.value, measures.humidity.unit) == (61.9, "%")


async def test_program_list(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """Programs come from /programlist, program 0 included."""
    aioclient.get(
        f"{THERMOSTAT_URL}/programlist", json=load_fixture("program_list.json")
    )

    programs = await client.program_list(PLANT, MODULE)

    assert sent(aioclient) == ("GET", f"{THERMOSTAT_URL}/programlist", None)
    assert [(program.number, program.name) for program in programs] == [
        (0, "Default"),
        (1, "At Home"),
        (2, "Not At Home"),
    ]


@pytest.mark.parametrize(
    ("call", "kwargs", "body"),
    [
        (
            "set_automatic",
            {"function": ThermostatFunction.HEATING, "program": 2},
            {"function": "heating", "mode": "automatic", "programs": [{"number": 2}]},
        ),
        (
            "set_manual",
            {"function": "COOLING", "set_point": 21.5},
            {
                "function": "cooling",
                "mode": "manual",
                "setPoint": {"value": "21.5", "unit": "C"},
            },
        ),
        (
            "set_manual",
            {
                "function": ThermostatFunction.HEATING,
                "set_point": 23,
                "until": datetime(2026, 11, 25, 21, 30, tzinfo=UTC),
            },
            {
                "function": "heating",
                "mode": "manual",
                "setPoint": {"value": "23.0", "unit": "C"},
                # 21:30 UTC is 22:30 in Rome in November, written without a zone.
                "activationTime": "2026-11-25T22:30:00",
            },
        ),
        (
            "set_boost",
            {"function": ThermostatFunction.HEATING, "minutes": 60},
            # The fake clock is at 12:00 UTC, 13:00 in Rome: a range of one hour from now.
            {
                "function": "heating",
                "mode": "boost",
                "activationTime": "2026-11-25T13:00:00/2026-11-25T14:00:00",
            },
        ),
        (
            "set_off",
            {"function": ThermostatFunction.HEATING},
            {"function": "heating", "mode": "off"},
        ),
        (
            "set_off",
            {
                "function": ThermostatFunction.COOLING,
                "until": datetime(2026, 12, 1, 7, 0),
            },
            # A naive moment is already plant-local: written as is.
            {
                "function": "cooling",
                "mode": "off",
                "activationTime": "2026-12-01T07:00:00",
            },
        ),
        (
            "set_protection",
            {"function": ThermostatFunction.HEATING},
            {"function": "heating", "mode": "protection"},
        ),
    ],
)
async def test_thermostat_commands(
    make_client: Callable[..., EliotClient],
    aioclient: AiohttpClientMocker,
    call: str,
    kwargs: dict[str, Any],
    body: dict[str, Any],
) -> None:
    """Each intent posts the reference's body: lowercase enums, set point as a string."""
    client = make_client(time_zone=ROME)
    aioclient.post(THERMOSTAT_URL, status=200)

    await getattr(client, call)(PLANT, MODULE, **kwargs)

    assert sent(aioclient) == ("POST", THERMOSTAT_URL, body)


async def test_end_times_follow_the_budget_zone_by_default(
    make_client: Callable[..., EliotClient],
    aioclient: AiohttpClientMocker,
    clock: FakeClock,
) -> None:
    """Without a zone of its own, the client writes thermostat times in the budget's zone."""
    client = make_client(budget=QuotaBudget(time_zone=ROME, clock=clock))
    aioclient.post(THERMOSTAT_URL, status=200)

    await client.set_boost(PLANT, MODULE, function="heating", minutes=30)

    # The fake clock's 12:00 UTC is 13:00 in Rome.
    assert (
        sent(aioclient)[2]["activationTime"]
        == "2026-11-25T13:00:00/2026-11-25T13:30:00"
    )


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("set_boost", {"function": "heating", "minutes": 45}),
        ("set_boost", {"function": "heating", "minutes": "30"}),
        ("set_manual", {"function": "heating", "set_point": 41}),
        ("set_manual", {"function": "heating", "set_point": 2.9}),
        ("set_manual", {"function": "heating", "set_point": float("nan")}),
        ("set_manual", {"function": "heating", "set_point": "20"}),
        ("set_manual", {"function": "heating", "set_point": 20, "until": "tomorrow"}),
        ("set_automatic", {"function": "heating", "program": 12}),
        ("set_automatic", {"function": "unknown", "program": 1}),
        ("set_protection", {"function": "drying"}),
    ],
)
async def test_invalid_thermostat_values_are_refused_before_sending(
    client: EliotClient,
    aioclient: AiohttpClientMocker,
    call: str,
    kwargs: dict[str, Any],
) -> None:
    """Out of range values never reach the gateway."""
    with pytest.raises(EliotInvalidValueError):
        await getattr(client, call)(PLANT, MODULE, **kwargs)

    assert aioclient.call_count == 0


@pytest.mark.parametrize("set_point", [3, 40])
async def test_set_point_limits_are_those_of_the_schema(
    client: EliotClient, aioclient: AiohttpClientMocker, set_point: float
) -> None:
    """The documented range, 3 to 40 °C, is accepted up to its ends."""
    aioclient.post(THERMOSTAT_URL)
    await client.set_manual(PLANT, MODULE, function="heating", set_point=set_point)
    assert aioclient.call_count == 1


async def test_subscriptions_lifecycle(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """List, create (201) and delete push subscriptions."""
    hook = "https://example.org/api/webhook/secret-webhook-id"
    subscription = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    aioclient.get(f"{SMARTHER}/subscription", json=load_fixture("subscriptions.json"))
    aioclient.post(
        f"{SMARTHER}/plants/{PLANT}/subscription",
        status=201,
        json=load_fixture("subscribe.json"),
    )
    aioclient.delete(
        f"{SMARTHER}/plants/{PLANT}/subscription/{subscription}", status=200
    )

    listed = await client.subscriptions()
    created = await client.subscribe(PLANT, hook)
    await client.unsubscribe(PLANT, subscription)

    assert [
        (item.plant_id, item.subscription_id, item.endpoint_url) for item in listed
    ] == [(PLANT, subscription, hook)]
    assert "secret-webhook-id" not in repr(listed[0])
    assert created == subscription
    assert sent(aioclient, 0) == ("GET", f"{SMARTHER}/subscription", None)
    assert sent(aioclient, 1) == (
        "POST",
        f"{SMARTHER}/plants/{PLANT}/subscription",
        {"EndPointUrl": hook},
    )
    assert sent(aioclient, 2) == (
        "DELETE",
        f"{SMARTHER}/plants/{PLANT}/subscription/{subscription}",
        None,
    )


async def test_subscribing_twice_is_a_conflict(
    client: EliotClient, aioclient: AiohttpClientMocker
) -> None:
    """409 on subscribe raises the distinct conflict error, without retrying."""
    aioclient.post(
        f"{SMARTHER}/plants/{PLANT}/subscription",
        status=409,
        json={"statusCode": 409, "message": "Subscription already exists"},
    )

    with pytest.raises(EliotConflictError) as caught:
        await client.subscribe(PLANT, "https://example.org/api/webhook/abc")

    assert caught.value.status == 409
    assert caught.value.endpoint == "POST /smarther/v2.0/plants/{plantId}/subscription"
    assert aioclient.call_count == 1


@pytest.mark.parametrize(
    "url", ["ftp://example.org/hook", "/api/webhook/abc", "", None]
)
async def test_subscribe_refuses_a_relative_or_foreign_url(
    client: EliotClient, aioclient: AiohttpClientMocker, url: Any
) -> None:
    """Only absolute http(s) URLs can be subscribed."""
    with pytest.raises(EliotInvalidValueError):
        await client.subscribe(PLANT, url)

    assert aioclient.call_count == 0

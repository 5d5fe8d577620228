"""Voice: sentences in English, French and Italian reach the devices through Assist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.demo import (
    BEDROOM_SHUTTER,
    DIMMER,
    HC_PLANT,
    KETTLE_PLUG,
    LIVING,
    LIVING_SHUTTER,
    SM_PLANT,
    TV_PLUG,
)

# What is said, in each language, and what the simulated cloud then holds: (module, field, value).
COMMANDS: dict[str, list[tuple[str, tuple[str, str, Any]]]] = {
    "en": [
        ("turn on Prise Bouilloire", (KETTLE_PLUG, "status", "on")),
        ("turn off the lights in the Salon", (DIMMER, "status", "off")),
        ("set the brightness of Lumière Salon to 30%", (DIMMER, "level", 30)),
        ("open Volet Chambre", (BEDROOM_SHUTTER, "position", 100)),
        ("set Volet Salon position to 40%", (LIVING_SHUTTER, "position", 40)),
        ("activate Tout éteindre", (TV_PLUG, "status", "off")),
        ("set the temperature in Soggiorno to 22 degrees", (LIVING, "setpoint", 22)),
    ],
    "fr": [
        ("allume Prise Bouilloire", (KETTLE_PLUG, "status", "on")),
        ("éteins les lumières du Salon", (DIMMER, "status", "off")),
        ("règle la luminosité de Lumière Salon à 30%", (DIMMER, "level", 30)),
        ("ouvre Volet Chambre", (BEDROOM_SHUTTER, "position", 100)),
        ("mets Volet Salon à 40%", (LIVING_SHUTTER, "position", 40)),
        ("active Tout éteindre", (TV_PLUG, "status", "off")),
        ("règle la température du Soggiorno à 22 degrés", (LIVING, "setpoint", 22)),
    ],
    "it": [
        ("accendi Prise Bouilloire", (KETTLE_PLUG, "status", "on")),
        ("spegni le luci in Salon", (DIMMER, "status", "off")),
        ("imposta la luminosità di Lumière Salon al 30%", (DIMMER, "level", 30)),
        ("apri Volet Chambre", (BEDROOM_SHUTTER, "position", 100)),
        ("imposta Volet Salon al 40%", (LIVING_SHUTTER, "position", 40)),
        ("attiva la scena Tout éteindre", (TV_PLUG, "status", "off")),
        ("imposta la temperatura in Soggiorno a 22 gradi", (LIVING, "setpoint", 22)),
    ],
}
# Questions and a word the answer must hold. Home Assistant's French and Italian sentences have
# no "humidity in <area>": there the humidity is asked for by the sensor's name.
QUESTIONS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("what is the temperature in Soggiorno", "19.5"),
        ("what is the humidity in Soggiorno", "52"),
    ],
    "fr": [
        ("quelle est la température du Soggiorno", "19.5"),
        ("quelle est la valeur de Soggiorno Humidité", "52"),
    ],
    "it": [
        ("qual è la temperatura in Soggiorno", "19.5"),
        ("qual è il valore di Soggiorno Umidità", "52"),
    ],
}


@pytest.fixture
def cloud_options(hass: HomeAssistant) -> dict[str, Any]:
    """Let the sentences follow each other without the gateway's burst limit."""
    return {"quota_timezone": hass.config.time_zone, "burst_limit": None}


async def _assist(
    hass: HomeAssistant, config_entry: MockConfigEntry, language: str
) -> None:
    """Set Home Assistant up in a language, with the integration and Assist."""
    # Entity names (such as "Humidity") are translated in the language of the installation.
    hass.config.language = language
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    for component in ("homeassistant", "intent", "conversation"):
        assert await async_setup_component(hass, component, {})
    await hass.async_block_till_done()


async def _say(hass: HomeAssistant, text: str, language: str) -> intent.IntentResponse:
    """Say a sentence to Assist and return its answer."""
    result = await conversation.async_converse(
        hass, text, None, Context(), language=language
    )
    # Assist leaves slow actions (a shutter's) running after it answers.
    await hass.async_block_till_done()
    return result.response


async def _module(sim: TestClient, module_id: str) -> dict[str, Any]:
    """Return a module or thermostat as the simulated cloud holds it."""
    state = await (await sim.get("/_sim/state")).json()
    if module_id == LIVING:
        thermostat: dict[str, Any] = state["smarther"][SM_PLANT]["thermostats"][
            module_id
        ]
        return thermostat
    module: dict[str, Any] = state["homecontrol"][HC_PLANT]["modules"][module_id]
    return module


@pytest.mark.parametrize(
    ("language", "sentence", "expected"),
    [
        (language, sentence, expected)
        for language, cases in COMMANDS.items()
        for sentence, expected in cases
    ],
)
@pytest.mark.usefixtures("credentials")
async def test_commands(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    sim: TestClient,
    freezer: FrozenDateTimeFactory,
    language: str,
    sentence: str,
    expected: tuple[str, str, Any],
) -> None:
    """Plugs, lights, shutters, scenes and thermostats obey what is said, in three languages."""
    await _assist(hass, config_entry, language)
    module_id, field, value = expected
    assert (await _module(sim, module_id))[field] != value

    response = await _say(hass, sentence, language)
    # Long enough for a shutter to reach its position.
    freezer.tick(timedelta(minutes=2))

    assert response.response_type is intent.IntentResponseType.ACTION_DONE, (
        response.speech
    )
    assert (await _module(sim, module_id))[field] == value


@pytest.mark.parametrize(
    ("language", "question", "answer"),
    [
        (language, question, answer)
        for language, cases in QUESTIONS.items()
        for question, answer in cases
    ],
)
@pytest.mark.usefixtures("credentials")
async def test_questions(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    language: str,
    question: str,
    answer: str,
) -> None:
    """Assist answers a room's temperature and humidity from the thermostat."""
    await _assist(hass, config_entry, language)

    response = await _say(hass, question, language)

    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert answer in response.speech["plain"]["speech"]


@pytest.mark.usefixtures("credentials")
async def test_a_refused_command_is_not_said_to_be_done(
    hass: HomeAssistant, config_entry: MockConfigEntry, sim: TestClient
) -> None:
    """When the cloud refuses a command, Assist answers with an error, never "done"."""
    await _assist(hass, config_entry, "en")
    await sim.post(
        "/_sim/faults", json={"status": 470, "match": "chronothermostat", "count": 10}
    )

    response = await _say(hass, "set the temperature in Soggiorno to 22 degrees", "en")

    assert response.response_type is intent.IntentResponseType.ERROR
    assert (await _module(sim, LIVING))["setpoint"] != 22

"""Tests for the one mapping of errors to what the user reads: sign-in, client, actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
import logging
from typing import Any

from aiohttp import ClientConnectionError, RequestInfo
from aiohttp.test_utils import TestClient
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
    ImplementationUnavailableError,
    OAuth2TokenRequestReauthError,
    OAuth2TokenRequestTransientError,
    ServiceValidationError,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util
from multidict import CIMultiDict, CIMultiDictProxy
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from custom_components.legrand_eliot.const import DOMAIN
from custom_components.legrand_eliot.eliot.exceptions import (
    EliotAppPasswordExpiredError,
    EliotAuthError,
    EliotBadRequestError,
    EliotConnectionError,
    EliotDisplayBusyError,
    EliotError,
    EliotForbiddenError,
    EliotInvalidSubscriptionKeyError,
    EliotInvalidValueError,
    EliotNotAcceptableError,
    EliotNotFoundError,
    EliotQuotaExceededError,
    EliotResponseError,
    EliotServerError,
    EliotTermsExpiredError,
    EliotTimeoutError,
)
from custom_components.legrand_eliot.error_mapping import (
    Cause,
    eliot_command,
    error_translation,
    explain,
    flow_error,
    format_resume_time,
    refresh_error,
    setup_error,
    translated_error,
)
from simulator import SimulatedCloud
from tests.actions import Action
from tests.cloud import CloudControl, fault
from tests.demo import (
    BEDROOM_SHUTTER,
    CEILING,
    CEILING_LIGHT,
    HC_PLANT,
    KETTLE_PLUG,
    LIVING,
    LIVING_CLIMATE,
    SM_PLANT,
    TV_PLUG,
)
from tests.polling import thermostat_ids

ENDPOINT = "GET /hc/api/v1.0/plants/{plantId}"
TOKEN_REQUEST = RequestInfo(
    URL("https://login.example/token"), "POST", CIMultiDictProxy(CIMultiDict())
)


def reauth() -> OAuth2TokenRequestReauthError:
    """Return the error of a refresh token the login server refused for good."""
    return OAuth2TokenRequestReauthError(
        request_info=TOKEN_REQUEST, status=400, domain="legrand_eliot"
    )


def transient() -> OAuth2TokenRequestTransientError:
    """Return the error of a login server that could not refresh the token for now."""
    return OAuth2TokenRequestTransientError(
        request_info=TOKEN_REQUEST, status=503, domain="legrand_eliot"
    )


def test_each_error_has_one_cause() -> None:
    """The sign-in's, the token's, the key's and the cloud's errors each mean one thing."""
    assert explain(reauth()).cause is Cause.SIGN_IN
    assert explain(EliotAuthError(status=401)).cause is Cause.SIGN_IN
    assert explain(transient()).cause is Cause.TOKEN
    assert explain(ClientConnectionError()).cause is Cause.TOKEN
    assert explain(ImplementationUnavailableError()).key == (
        "oauth_implementation_unavailable"
    )
    assert explain(EliotInvalidSubscriptionKeyError(status=401)).cause is Cause.KEY
    assert explain(EliotServerError(status=502)).cause is Cause.CLOUD


def test_setup_asks_to_sign_in_or_retries() -> None:
    """Setup starts reauthentication for a refused sign-in and retries for the rest."""
    refused = setup_error(reauth())
    assert isinstance(refused, ConfigEntryAuthFailed)
    assert refused.translation_key == "auth_failed"
    for err, key in (
        (transient(), "token_refresh_failed"),
        (ClientConnectionError(), "token_refresh_failed"),
        (ImplementationUnavailableError(), "oauth_implementation_unavailable"),
    ):
        later = setup_error(err)
        assert type(later) is ConfigEntryNotReady
        assert later.translation_key == key


async def test_a_refresh_names_its_failure_and_paces_only_token_retries(
    hass: HomeAssistant,
) -> None:
    """A refresh is told its retry pace only for a token that could not be refreshed."""
    entry = MockConfigEntry(domain="legrand_eliot")
    asked: list[bool] = []

    def retry_after() -> float:
        asked.append(True)
        return 30.0

    assert isinstance(
        refresh_error(hass, entry, reauth(), retry_after), ConfigEntryAuthFailed
    )
    failed = refresh_error(hass, entry, EliotServerError(status=502), retry_after)
    assert isinstance(failed, UpdateFailed)
    assert failed.translation_key == "update_failed"
    assert failed.retry_after is None
    assert not asked
    token = refresh_error(hass, entry, transient(), retry_after)
    assert isinstance(token, UpdateFailed)
    assert (token.translation_key, token.retry_after) == ("token_refresh_failed", 30.0)
    assert asked == [True]


def test_a_flow_shows_a_form_error() -> None:
    """The key check's form says whether to sign in, fix the key, or try again."""
    assert flow_error(reauth()) == "invalid_auth"
    assert flow_error(EliotAuthError(status=401)) == "invalid_auth"
    assert flow_error(EliotInvalidSubscriptionKeyError(status=401)) == (
        "invalid_subscription_key"
    )
    assert flow_error(transient()) == "cannot_connect"
    assert flow_error(ImplementationUnavailableError()) == "cannot_connect"


def test_an_action_tells_token_errors_without_placeholders() -> None:
    """An action that met a token error raises its message with nothing to fill in."""
    for err, key in ((reauth(), "auth_failed"), (transient(), "token_refresh_failed")):
        raised = translated_error(err)
        assert type(raised) is HomeAssistantError
        assert (raised.translation_key, raised.translation_placeholders) == (key, None)


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (EliotAuthError(endpoint=ENDPOINT, status=401), "auth_failed"),
        (EliotInvalidSubscriptionKeyError(status=401), "invalid_subscription_key"),
        (EliotForbiddenError(status=403, scope="light.write"), "forbidden"),
        (EliotNotFoundError(status=404), "not_found"),
        (EliotBadRequestError(endpoint=ENDPOINT, status=400), "bad_request"),
        (EliotNotAcceptableError(endpoint=ENDPOINT, status=406), "bad_request"),
        (EliotDisplayBusyError(status=486), "display_busy"),
        (EliotAppPasswordExpiredError(status=469), "app_password_expired"),
        (EliotTermsExpiredError(status=470), "terms_expired"),
        (EliotResponseError("no JSON", endpoint=ENDPOINT), "malformed_response"),
        (EliotServerError(status=502), "communication_error"),
        (EliotTimeoutError(status=408), "communication_error"),
        (EliotConnectionError("refused"), "communication_error"),
    ],
)
def test_every_error_has_its_message(error: EliotError, key: str) -> None:
    """Each kind of failure maps to its own translated message."""
    assert error_translation(error)[0] == key


def test_placeholders_name_scope_device_value_and_endpoint() -> None:
    """The messages say which scope, device, value or endpoint is at fault."""
    assert error_translation(EliotForbiddenError(scope="plug.write")) == (
        "forbidden",
        {"scope": "plug.write"},
    )
    assert error_translation(EliotNotFoundError(), "Prise TV")[1] == {
        "device": "Prise TV"
    }
    assert error_translation(EliotInvalidValueError("set point 45 °C"))[1] == {
        "value": "set point 45 °C"
    }
    assert error_translation(EliotBadRequestError(endpoint=ENDPOINT))[1] == {
        "endpoint": ENDPOINT
    }


async def test_resume_time_today_and_later(hass: HomeAssistant) -> None:
    """Today's resume time reads as a clock time; a later one carries its date."""
    soon = dt_util.now().replace(hour=23, minute=30, second=0, microsecond=0)
    if soon < dt_util.now():
        soon = dt_util.now()
    assert format_resume_time(EliotQuotaExceededError(resume_at=soon)) == soon.strftime(
        "%H:%M"
    )
    later = dt_util.now() + timedelta(days=2)
    assert format_resume_time(
        EliotQuotaExceededError(resume_at=later)
    ) == later.strftime("%Y-%m-%d %H:%M")


def test_a_refused_value_is_the_callers_to_fix() -> None:
    """An invalid value is a validation error; the rest are plain Home Assistant errors."""
    assert isinstance(
        translated_error(EliotInvalidValueError("x")), ServiceValidationError
    )
    other = translated_error(EliotServerError(status=500))
    assert isinstance(other, HomeAssistantError)
    assert not isinstance(other, ServiceValidationError)


async def test_decorator_names_the_device_and_passes_success() -> None:
    """A decorated action returns normally, or raises the translated error for its device."""

    class Entity:
        device_name = "Volet Salon"
        calls = 0

        @eliot_command
        async def works(self) -> None:
            self.calls += 1

        @eliot_command
        async def offline(self) -> None:
            raise EliotNotFoundError(status=404)

    entity = Entity()
    await entity.works()
    assert entity.calls == 1
    with pytest.raises(HomeAssistantError) as err:
        await entity.offline()
    assert err.value.translation_key == "not_found"
    assert err.value.translation_placeholders == {"device": "Volet Salon"}


@dataclass(frozen=True, kw_only=True)
class Refusal:
    """A command the cloud refuses, what the user reads, and what must stay as it was."""

    platform: Platform
    refuse: Callable[[CloudControl], Awaitable[None]]
    action: tuple[str, str, dict[str, Any]]
    error: type[HomeAssistantError] = HomeAssistantError
    key: str
    placeholders: dict[str, str]
    # What Home Assistant still shows: (entity, state or attribute, value), if it shows any.
    shown: tuple[str, str, Any] | None = None
    # What the cloud still holds: (plant, module, field, value), if the test looks.
    held: tuple[str, str, str, Any] | None = None
    # The repair issue the refusal raises at once, with the message's placeholders, if any.
    repair: str | None = None


REFUSALS = {
    "offline-gateway-light": Refusal(
        platform=Platform.LIGHT,
        refuse=lambda cloud: cloud.gateway_offline(HC_PLANT),
        action=("light", "turn_on", {ATTR_ENTITY_ID: CEILING_LIGHT}),
        key="not_found",
        placeholders={"device": "Plafonnier Cuisine"},
        shown=(CEILING_LIGHT, "state", "off"),
    ),
    "offline-gateway-shutter": Refusal(
        platform=Platform.COVER,
        refuse=lambda cloud: cloud.gateway_offline(HC_PLANT),
        action=("cover", "open_cover", {ATTR_ENTITY_ID: "cover.chambre_volet_chambre"}),
        key="not_found",
        placeholders={"device": "Volet Chambre"},
        shown=("cover.chambre_volet_chambre", "state", "closed"),
        held=(HC_PLANT, BEDROOM_SHUTTER, "moving", False),
    ),
    "offline-gateway-program": Refusal(
        platform=Platform.SELECT,
        refuse=lambda cloud: cloud.gateway_offline(SM_PLANT),
        action=(
            "select",
            "select_option",
            {
                ATTR_ENTITY_ID: "select.soggiorno_soggiorno_program",
                "option": "Risparmio",
            },
        ),
        key="not_found",
        placeholders={"device": "Soggiorno"},
        shown=("select.soggiorno_soggiorno_program", "state", "At Home"),
    ),
    "quota-light": Refusal(
        platform=Platform.LIGHT,
        refuse=lambda cloud: cloud.refuse_for_quota(CEILING, hours=1),
        action=("light", "turn_on", {ATTR_ENTITY_ID: CEILING_LIGHT}),
        key="quota_exhausted",
        # 09:00 UTC is 10:00 in Rome: calls resume an hour later.
        placeholders={"resume_time": "11:00"},
        shown=(CEILING_LIGHT, "state", "off"),
        held=(HC_PLANT, CEILING, "status", "off"),
        repair="quota_exhausted",
    ),
    "quota-thermostat": Refusal(
        platform=Platform.CLIMATE,
        refuse=lambda cloud: cloud.refuse_for_quota(LIVING, hours=2),
        action=(
            "climate",
            "set_preset_mode",
            {ATTR_ENTITY_ID: LIVING_CLIMATE, "preset_mode": "boost"},
        ),
        key="quota_exhausted",
        placeholders={"resume_time": "12:00"},
        shown=(LIVING_CLIMATE, "preset_mode", "At Home"),
        repair="quota_exhausted",
    ),
    "bad-request-plug": Refusal(
        platform=Platform.SWITCH,
        refuse=lambda cloud: cloud.refuse(400, KETTLE_PLUG, count=1),
        action=(
            "switch",
            "turn_on",
            {ATTR_ENTITY_ID: "switch.cuisine_prise_bouilloire"},
        ),
        key="bad_request",
        placeholders={
            "endpoint": "POST /hc/api/v1.0/plug/energy/addressLocation/plants/{plantId}"
            "/modules/parameter/id/value/{moduleId}"
        },
        shown=("switch.cuisine_prise_bouilloire", "state", "off"),
        held=(HC_PLANT, KETTLE_PLUG, "status", "off"),
    ),
    "forbidden-plug": Refusal(
        platform=Platform.SWITCH,
        refuse=lambda cloud: cloud.refuse(
            403, KETTLE_PLUG, count=1, message="Forbidden"
        ),
        action=(
            "switch",
            "turn_on",
            {ATTR_ENTITY_ID: "switch.cuisine_prise_bouilloire"},
        ),
        key="forbidden",
        placeholders={"scope": "plug.write"},
        shown=("switch.cuisine_prise_bouilloire", "state", "off"),
        held=(HC_PLANT, KETTLE_PLUG, "status", "off"),
    ),
    "forbidden-scene": Refusal(
        platform=Platform.SCENE,
        refuse=lambda cloud: cloud.refuse(403, "scene"),
        action=("scene", "turn_on", {ATTR_ENTITY_ID: "scene.tout_eteindre"}),
        key="forbidden",
        placeholders={"scope": "?"},
        held=(HC_PLANT, TV_PLUG, "status", "on"),
    ),
    "invalid-set-point": Refusal(
        platform=Platform.CLIMATE,
        refuse=lambda cloud: cloud.refuse(430, LIVING),
        action=(
            "climate",
            "set_temperature",
            {ATTR_ENTITY_ID: LIVING_CLIMATE, "temperature": 25},
        ),
        error=ServiceValidationError,
        key="invalid_value",
        placeholders={"value": "Wrong input parameters"},
        shown=(LIVING_CLIMATE, "temperature", 18.0),
    ),
}


@pytest.mark.usefixtures("house_in_rome")
@pytest.mark.parametrize(
    ("platforms", "refusal"),
    [
        pytest.param([refusal.platform], refusal, id=name)
        for name, refusal in REFUSALS.items()
    ],
)
async def test_a_refused_command_says_why_and_changes_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    cloud_control: CloudControl,
    refusal: Refusal,
) -> None:
    """Every platform's command the cloud refuses fails with the message for the refusal.

    The message names the device where it is at fault; nothing changes on screen or in the
    cloud.
    """
    await refusal.refuse(cloud_control)
    domain, service, data = refusal.action
    with pytest.raises(refusal.error) as err:
        await hass.services.async_call(domain, service, data, blocking=True)
    assert type(err.value) is refusal.error
    assert err.value.translation_key == refusal.key
    assert err.value.translation_placeholders == refusal.placeholders
    if refusal.shown is not None:
        entity_id, key, value = refusal.shown
        state = hass.states.get(entity_id)
        assert state is not None
        assert (state.state if key == "state" else state.attributes[key]) == value
    if refusal.held is not None:
        plant_id, module_id, field, held = refusal.held
        assert (await cloud_control.module(plant_id, module_id))[field] == held
    if refusal.repair is not None:
        issue = ir.async_get(hass).async_get_issue(
            DOMAIN, f"{refusal.repair}_{init_integration.entry_id}"
        )
        assert issue is not None
        assert issue.translation_placeholders == refusal.placeholders


async def test_transient_failure_on_a_command_is_retried(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
) -> None:
    """A 500 on a command is retried a bounded number of times before it fails."""
    await fault(sim, status=500, match="/plug/energy/", count=1)
    await Action(init_integration).switch_plug()
    await fault(sim, status=502, match="/plug/energy/", count=10)
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "communication_error"


async def test_busy_display_is_retried_then_explained(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """486: retried a few times; still busy gives a translated error."""
    module_id = thermostat_ids(init_integration.runtime_data.coordinator)[0]
    await sim.post(f"/_sim/modules/{module_id}/busy", json={"count": 1})
    await Action(init_integration).set_temperature(21.5)
    await sim.post(f"/_sim/modules/{module_id}/busy", json={"count": 10})
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).set_temperature(22)
    assert err.value.translation_key == "display_busy"


async def test_short_rate_limit_is_told_as_such(
    hass: HomeAssistant, init_integration: MockConfigEntry, sim: TestClient
) -> None:
    """429 with Retry-After 120 on a command: a slow-down message with the wait, no repair."""
    await fault(
        sim,
        status=429,
        match="/plug/energy/",
        count=1,
        retry_after=120,
        message="Rate limit is exceeded. Try again in 120 seconds.",
    )
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    assert err.value.translation_key == "rate_limited"
    assert err.value.translation_placeholders["seconds"] == "120"
    assert "120 s" in str(err.value)
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"quota_exhausted_{init_integration.entry_id}"
    )


@pytest.mark.parametrize("status", [408, 430, 500])
async def test_cloud_text_reaches_the_user_filtered(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    sim: TestClient,
    cloud: SimulatedCloud,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    """The cloud's words come with route placeholders, never raw ids or e-mail addresses."""
    caplog.set_level(logging.INFO)
    await fault(
        sim,
        status=status,
        match="/plug/energy/",
        count=10,
        message=f"Failed for {cloud.user().email}",
    )
    with pytest.raises(HomeAssistantError) as err:
        await Action(init_integration).switch_plug()
    shown = f"{err.value} {err.value.translation_placeholders} {caplog.text}"
    assert cloud.user().email not in shown
    assert HC_PLANT not in shown
    assert "**EMAIL**" in str(err.value.__cause__)
    assert "{plantId}" in str(err.value.__cause__)

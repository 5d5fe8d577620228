"""Tests for the one table that turns the client's errors into what the user reads."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest

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
from custom_components.legrand_eliot.helpers import (
    eliot_command,
    error_translation,
    format_resume_time,
    translated_error,
)

ENDPOINT = "GET /hc/api/v1.0/plants/{plantId}"


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

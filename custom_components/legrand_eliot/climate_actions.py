"""The thermostat actions of the climate entities: boost, timed modes, a program by name.

Home Assistant's climate actions cannot say "until": these entity actions hold a set point or
turn off until a moment or for a while, boost for 30, 60 or 90 minutes and follow a program
named as the Thermostat app names it. The entity (climate.py) carries them out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.const import ATTR_TEMPERATURE
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, entity_platform
from homeassistant.util import dt as dt_util
import probatio as vol

from .const import DOMAIN
from .eliot import BoostDuration

# The set point range of the API's set-status schema (°C).
MIN_TEMPERATURE = 3.0
MAX_TEMPERATURE = 40.0

SERVICE_BOOST = "boost"
SERVICE_SET_TEMPERATURE_UNTIL = "set_temperature_until"
SERVICE_TURN_OFF_UNTIL = "turn_off_until"
SERVICE_SET_PROGRAM = "set_program"
ATTR_DURATION = "duration"
ATTR_END_TIME = "end_time"
ATTR_PROGRAM = "program"

_END = {
    vol.Exclusive(ATTR_END_TIME, "end"): cv.datetime,
    vol.Exclusive(ATTR_DURATION, "end"): cv.positive_time_period,
}
BOOST_SCHEMA = cv.make_entity_service_schema(
    {
        vol.Required(ATTR_DURATION): vol.All(
            vol.Coerce(int), vol.In([int(minutes) for minutes in BoostDuration])
        )
    }
)
SET_TEMPERATURE_UNTIL_SCHEMA = vol.All(
    cv.make_entity_service_schema(
        {
            vol.Required(ATTR_TEMPERATURE): vol.All(
                vol.Coerce(float),
                vol.Range(min=MIN_TEMPERATURE, max=MAX_TEMPERATURE),
            ),
            **_END,
        }
    ),
    cv.has_at_least_one_key(ATTR_END_TIME, ATTR_DURATION),
)
TURN_OFF_UNTIL_SCHEMA = vol.All(
    cv.make_entity_service_schema(_END),
    cv.has_at_least_one_key(ATTR_END_TIME, ATTR_DURATION),
)
SET_PROGRAM_SCHEMA = cv.make_entity_service_schema(
    {vol.Required(ATTR_PROGRAM): cv.string}
)


def async_register_thermostat_actions() -> None:
    """Register the thermostat actions on the climate platform being set up."""
    platform = entity_platform.async_get_current_platform()
    platform.async_register_entity_service(SERVICE_BOOST, BOOST_SCHEMA, "async_boost")
    platform.async_register_entity_service(
        SERVICE_SET_TEMPERATURE_UNTIL,
        SET_TEMPERATURE_UNTIL_SCHEMA,
        "async_set_temperature_until",
    )
    platform.async_register_entity_service(
        SERVICE_TURN_OFF_UNTIL, TURN_OFF_UNTIL_SCHEMA, "async_turn_off_until"
    )
    platform.async_register_entity_service(
        SERVICE_SET_PROGRAM, SET_PROGRAM_SCHEMA, "async_set_program"
    )


def end_of(end_time: datetime | None, duration: timedelta | None) -> datetime:
    """Return when a timed mode ends, in Home Assistant's time zone; it must lie ahead."""
    now = dt_util.now()
    if duration is not None:
        end = now + duration
    else:
        assert end_time is not None
        # A time without a zone is the house's wall-clock time.
        end = dt_util.as_local(end_time)
    if end <= now:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="end_time_in_past",
            translation_placeholders={"end_time": end.strftime("%Y-%m-%d %H:%M")},
        )
    return end

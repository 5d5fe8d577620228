"""Tests for the thermostat actions' fields and when a timed mode ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import probatio as vol
import pytest

from custom_components.legrand_eliot.climate_actions import (
    BOOST_SCHEMA,
    SET_PROGRAM_SCHEMA,
    SET_TEMPERATURE_UNTIL_SCHEMA,
    TURN_OFF_UNTIL_SCHEMA,
    end_of,
)

# 10:00 in Rome, in January.
NOW = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)
ENTITY = {"entity_id": "climate.soggiorno"}


@pytest.fixture(autouse=True)
async def house_in_rome(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Run Home Assistant in Rome, at a fixed moment."""
    freezer.move_to(NOW)
    await hass.config.async_set_time_zone("Europe/Rome")


def test_a_duration_ends_that_long_from_now() -> None:
    """For a while: from now, in Home Assistant's zone."""
    end = end_of(None, timedelta(minutes=45))
    assert end == NOW + timedelta(minutes=45)
    assert end.utcoffset() == timedelta(hours=1)


def test_an_end_time_without_a_zone_is_the_house_clock() -> None:
    """12:30 without a zone is 12:30 in Rome; with a zone it is that moment."""
    assert end_of(datetime(2026, 1, 14, 12, 30), None) == datetime(
        2026, 1, 14, 11, 30, tzinfo=UTC
    )
    assert end_of(datetime(2026, 1, 14, 12, 30, tzinfo=UTC), None) == datetime(
        2026, 1, 14, 12, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("end_time", "duration", "shown"),
    [
        (datetime(2026, 1, 14, 9, 0), None, "2026-01-14 09:00"),
        (None, timedelta(0), "2026-01-14 10:00"),
    ],
    ids=["past", "now"],
)
def test_an_end_that_is_not_ahead_is_refused(
    end_time: datetime | None, duration: timedelta | None, shown: str
) -> None:
    """An end already past, or now, is refused with the end in the house's clock."""
    with pytest.raises(ServiceValidationError) as err:
        end_of(end_time, duration)
    assert err.value.translation_key == "end_time_in_past"
    assert err.value.translation_placeholders == {"end_time": shown}


@pytest.mark.parametrize("minutes", ["30", 60, "90"])
def test_a_boost_lasts_30_60_or_90_minutes(minutes: Any) -> None:
    """The boost lengths the thermostat takes, as numbers."""
    assert BOOST_SCHEMA({**ENTITY, "duration": minutes})["duration"] == int(minutes)


@pytest.mark.parametrize(
    ("schema", "data"),
    [
        (BOOST_SCHEMA, {"duration": 45}),
        (SET_TEMPERATURE_UNTIL_SCHEMA, {"temperature": 21}),
        (SET_TEMPERATURE_UNTIL_SCHEMA, {"temperature": 41, "duration": "01:00:00"}),
        (SET_TEMPERATURE_UNTIL_SCHEMA, {"temperature": 2.9, "duration": "01:00:00"}),
        (
            SET_TEMPERATURE_UNTIL_SCHEMA,
            {"temperature": 21, "duration": "01:00:00", "end_time": "2026-01-15"},
        ),
        (TURN_OFF_UNTIL_SCHEMA, {}),
        (SET_PROGRAM_SCHEMA, {}),
    ],
    ids=[
        "boost-45",
        "no-end",
        "too-warm",
        "too-cold",
        "two-ends",
        "off-no-end",
        "no-program",
    ],
)
def test_action_fields_out_of_bounds_are_refused(
    schema: vol.Schema, data: dict[str, Any]
) -> None:
    """A length the thermostat does not take, no end or two, a set point out of range."""
    with pytest.raises(vol.Invalid):
        schema({**ENTITY, **data})


def test_timed_modes_take_an_end_time_or_a_duration() -> None:
    """Either end is read: a moment, or a while."""
    held = SET_TEMPERATURE_UNTIL_SCHEMA(
        {**ENTITY, "temperature": "22.5", "end_time": "2026-01-14 12:30:00"}
    )
    assert held["temperature"] == 22.5
    assert held["end_time"] == datetime(2026, 1, 14, 12, 30)
    off = TURN_OFF_UNTIL_SCHEMA({**ENTITY, "duration": "02:00:00"})
    assert off["duration"] == timedelta(hours=2)
    assert SET_PROGRAM_SCHEMA({**ENTITY, "program": "At Home"})["program"] == "At Home"

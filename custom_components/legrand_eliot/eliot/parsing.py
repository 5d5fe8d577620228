"""Typed readers that turn untrusted JSON values into Python values or raise `ParseError`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
import logging
import math
import re
from typing import Any

from .exceptions import EliotError, EliotResponseError
from .ids import hashed_id

_LOGGER = logging.getLogger(__package__)
# Dates outside these years are no real reading: a clock reset, a placeholder, garbage.
MIN_YEAR = 2000
MAX_YEAR = 2100
# Each (module, field) whose value could not be read is logged once (by the id's stand-in); a
# flood of garbage ids cannot grow this without bound.
_REPORTED: set[tuple[str, str]] = set()
_REPORTED_LIMIT = 1000


class ParseError(ValueError):
    """A JSON value does not have the shape a model needs; turned into a response error."""


# `YYYY-M(M)-D(D)Thh:mm(:ss(.frac))` with an optional `Z` or numeric offset, as the thermostats
# send it; the reference shows one-digit months and days in the request schema.
_DATETIME = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


def mapping(value: Any, what: str) -> Mapping[str, Any]:
    """Return `value` when it is a JSON object."""
    if not isinstance(value, Mapping):
        raise ParseError(f"{what} is not an object")
    return value


def sequence(value: Any, what: str) -> Sequence[Any]:
    """Return `value` when it is a JSON array."""
    if not isinstance(value, list | tuple):
        raise ParseError(f"{what} is not a list")
    return value


def optional_sequence(value: Any, what: str) -> Sequence[Any]:
    """Return a JSON array, or an empty one when the value is absent."""
    if value is None:
        return ()
    return sequence(value, what)


def text(value: Any, what: str) -> str:
    """Return a non-empty string; numbers are accepted because ids sometimes arrive as numbers."""
    if isinstance(value, bool) or value is None:
        raise ParseError(f"{what} is missing or not text")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ParseError(f"{what} is missing or not text")


def optional_text(value: Any, what: str) -> str | None:
    """Return a string, or None when the value is absent or empty."""
    if value is None or value == "":
        return None
    return text(value, what)


def number(value: Any, what: str) -> float:
    """Return a finite number; numeric strings such as "18.00000" are accepted."""
    if isinstance(value, bool):
        raise ParseError(f"{what} is not a number")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip().replace(",", "."))
        except ValueError as err:
            raise ParseError(f"{what} is not a number") from err
    else:
        raise ParseError(f"{what} is not a number")
    if not math.isfinite(result):
        raise ParseError(f"{what} is not a finite number")
    return result


def optional_number(value: Any, what: str) -> float | None:
    """Return a finite number, or None when the value is absent or empty."""
    if value is None or value == "":
        return None
    return number(value, what)


def integer(value: Any, what: str) -> int:
    """Return a whole number; "1" and 1.0 are accepted, 1.5 is not."""
    result = number(value, what)
    if not result.is_integer() or abs(result) > 2**53:
        raise ParseError(f"{what} is not a whole number")
    return int(result)


def optional_integer(value: Any, what: str) -> int | None:
    """Return a whole number, or None when the value is absent or empty."""
    if value is None or value == "":
        return None
    return integer(value, what)


def optional_boolean(value: Any, what: str) -> bool | None:
    """Return a boolean; "true"/"false" strings and 0/1 are accepted, absent gives None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ParseError(f"{what} is not a boolean")


def enum_value[E: StrEnum](enum: type[E], value: Any, what: str, unknown: E) -> E:
    """Return the enum member for a value in any letter case, `unknown` for an unknown value."""
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"{what} is missing or not text")
    raw = value.strip().lower()
    try:
        return enum(raw)
    except ValueError:
        return unknown


def timestamp(value: Any, what: str) -> datetime:
    """Return a datetime from the API's ISO-like formats; without a zone it stays naive."""
    if not isinstance(value, str):
        raise ParseError(f"{what} is not a date and time")
    match = _DATETIME.match(value)
    if match is None:
        raise ParseError(f"{what} is not a date and time")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=_zone(zone),
        )
    except ValueError as err:
        raise ParseError(f"{what} is not a valid date and time") from err
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ParseError(f"{what} is out of range")
    return moment


def optional_timestamp(value: Any, what: str) -> datetime | None:
    """Return a datetime, or None when the value is absent or empty."""
    if value is None or value == "":
        return None
    return timestamp(value, what)


def _zone(zone: str | None) -> timezone | None:
    """Return the fixed offset of a `Z`/`+hh:mm`/`+hhmm`/`+hh` suffix."""
    if zone is None:
        return None
    if zone in ("Z", "z"):
        return UTC
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ParseError("time zone offset out of range")
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if zone[0] == "-" else offset)


def dig(value: Any, *keys: str) -> Any:
    """Follow nested object keys, returning None as soon as one level is missing."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def in_range(value: float | None, low: float, high: float, what: str) -> float | None:
    """Return a value within physical bounds; outside them it is no real reading."""
    if value is not None and not low <= value <= high:
        raise ParseError(f"{what} is out of range")
    return value


def lenient[T](
    owner: str, what: str, read: Callable[[], T], failed: set[str] | None = None
) -> T | None:
    """
    Read one optional field; a malformed or impossible value is unknown, not an error.

    The first failure of each module and field is logged; the rest of the answer is used. A
    field that failed is added to `failed`, when given.
    """
    try:
        return read()
    except (ParseError, OverflowError) as err:
        if failed is not None:
            failed.add(what)
        report_once(
            owner, what, "Ignoring the %s of %s: %s", what, hashed_id(owner), err
        )
        return None


def report_once(owner: str, what: str, message: str, *args: object) -> None:
    """Log something about one module or plant once for the whole run (ids only hashed)."""
    key = (owner, what)
    if key not in _REPORTED and len(_REPORTED) < _REPORTED_LIMIT:
        _REPORTED.add(key)
        _LOGGER.info(message, *args)


# What reading malformed data may raise besides `ParseError`: anything else is a bug.
MALFORMED = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
)


def guarded[**P, T](
    endpoint: str, parse: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run a parser; every failure becomes `EliotResponseError` naming the endpoint."""
    try:
        return parse(*args, **kwargs)
    except EliotError:
        raise
    except ParseError as err:
        raise EliotResponseError(
            f"Unexpected answer: {err}", endpoint=endpoint
        ) from err
    except MALFORMED as err:
        # The text of a foreign exception may quote the payload: only its type is kept.
        raise EliotResponseError(
            f"Unexpected answer ({type(err).__name__})", endpoint=endpoint
        ) from err

"""Date and time formats of the cloud's answers, and the parser of thermostat activation times."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
import re

_ACTIVATION = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$"
)


def utc_offset_iso(moment: datetime) -> str:
    """Return a UTC time as "2020-11-22T11:03:05+00:00" (Home + Control timestamps)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def utc_z(moment: datetime) -> str:
    """Return a UTC time as "2021-01-05T17:53:22Z" (event times, activation times)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_offset_iso(moment: datetime, zone: tzinfo) -> str:
    """Return a local time with its offset, as "2021-02-27T22:49:32+02:00"."""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def local_naive(moment: datetime, zone: tzinfo) -> str:
    """Return a local time without zone, as "2019-02-20T23:30:00"."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


def parse_moment(text: str, zone: tzinfo) -> datetime:
    """Parse "YYYY-M-DThh:mm:ss" with an optional Z or offset; a time without zone is local."""
    match = _ACTIVATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a date and time")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    suffix = match.group(8)
    moment = datetime(year, month, day, hour, minute, second)
    if suffix is None:
        return moment.replace(tzinfo=zone)
    if suffix == "Z":
        return moment.replace(tzinfo=UTC)
    return datetime.fromisoformat(
        moment.strftime("%Y-%m-%dT%H:%M:%S") + suffix[:3] + ":" + suffix[-2:]
    )


def parse_aware(text: str) -> datetime:
    """Parse an ISO 8601 time that must carry its UTC offset."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("the time needs a UTC offset")
    return moment

"""Behaviour switches of the simulated cloud, for the facts the API reference leaves open."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Allowed values of the options that choose between variants.
CHOICES: dict[str, tuple[object, ...]] = {
    "quota_status": (403, 429),
    "token_fields": ("both", "expires_in", "expires_on", "neither"),
    "expires_on_type": ("int", "str"),
    "hc_unreachable": ("flag", "missing"),
    "activation_time_format": ("utc", "local", "offset", "range"),
    "smarther_error_shape": ("apim", "hc"),
}


class OptionError(ValueError):
    """An unknown option or a value it does not accept."""


@dataclass(frozen=True, kw_only=True)
class Options:
    """Every tunable behaviour, with the most likely variant as default."""

    quota_limit: int = 500
    quota_timezone: str = "UTC"
    quota_status: int = 403
    burst_limit: int | None = 30
    burst_window: float = 10.0
    access_token_lifetime: int = 3600
    refresh_token_lifetime: int = 14 * 86400
    code_lifetime: int = 600
    revoke_rotated_refresh_tokens: bool = False
    token_fields: str = "both"
    # Seconds the login server takes to answer a token request (a real one takes a moment).
    token_delay: float = 0.0
    expires_on_type: str = "int"
    auto_consent: bool = False
    issuer: str | None = None
    hc_unreachable: str = "flag"
    shutter_travel_time: float = 30.0
    thermostat_device: str = "chronothermostat"
    activation_time_format: str = "utc"
    smarther_error_shape: str = "apim"
    push_ban_rule: bool = False
    push_validation: bool = False
    push_slow_threshold: float = 0.75
    push_timeout: float = 10.0
    push_delay: float = 0.0
    push_require_https: bool = False
    fault_timeout_delay: float = 60.0
    redirect_uris: tuple[str, ...] = ()

    def with_overrides(self, overrides: Mapping[str, Any]) -> Options:
        """Return a copy with validated overrides; unknown names and bad values raise OptionError."""
        known = {field.name: field.default for field in fields(self)}
        clean: dict[str, Any] = {}
        for name, value in overrides.items():
            if name not in known:
                raise OptionError(f"unknown option {name!r}")
            clean[name] = _checked(name, value, known[name])
        return replace(self, **clean)

    def as_dict(self) -> dict[str, Any]:
        """Return the options as JSON-ready values."""
        data = asdict(self)
        data["redirect_uris"] = list(self.redirect_uris)
        return data


# Options whose value may be None besides their default's type.
_NULLABLE = frozenset({"burst_limit", "issuer"})


def _checked(name: str, value: Any, default: object) -> Any:
    """Validate one option value against its default's type and its allowed choices."""
    if value is None and name in _NULLABLE:
        return None
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise OptionError(f"option {name!r} must be true or false")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)) or not all(
            isinstance(item, str) for item in value
        ):
            raise OptionError(f"option {name!r} must be a list of strings")
        return tuple(value)
    if (
        isinstance(default, int)
        and not isinstance(value, bool)
        and isinstance(value, int)
    ):
        return _in_choices(name, _positive(name, value))
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OptionError(f"option {name!r} must be a number")
        return float(_positive(name, value))
    if (isinstance(default, str) or name == "issuer") and isinstance(value, str):
        if name == "quota_timezone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as err:
                raise OptionError(f"unknown time zone {value!r}") from err
        return _in_choices(name, value)
    raise OptionError(f"option {name!r} has the wrong type")


def _positive[N: (int, float)](name: str, value: N) -> N:
    """Refuse negative numbers, which no option accepts."""
    if value < 0:
        raise OptionError(f"option {name!r} must not be negative")
    return value


def _in_choices(name: str, value: Any) -> Any:
    """Refuse a value outside an option's allowed variants."""
    allowed = CHOICES.get(name)
    if allowed is not None and value not in allowed:
        raise OptionError(f"option {name!r} must be one of {list(allowed)}")
    return value

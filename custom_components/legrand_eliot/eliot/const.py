"""URLs, route templates, limits and the vocabularies of the Works with Legrand APIs."""

from __future__ import annotations

from datetime import timedelta
from enum import IntEnum, StrEnum
from typing import Final

DEFAULT_BASE_URL: Final = "https://api.developer.legrand.com"
AUTHORIZE_URL: Final = "https://partners-login.eliotbylegrand.com/authorize"
TOKEN_URL: Final = "https://partners-login.eliotbylegrand.com/token"

HEADER_SUBSCRIPTION_KEY: Final = "Ocp-Apim-Subscription-Key"

HC_PREFIX: Final = "/hc/api/v1.0"
SMARTHER_PREFIX: Final = "/smarther/v2.0"

# Route templates: the placeholders keep exception messages and logs free of real URLs.
HC_PLANTS: Final = f"{HC_PREFIX}/plants"
HC_PLANT_STATUS: Final = f"{HC_PREFIX}/plants/{{plantId}}"
HC_TOPOLOGY: Final = f"{HC_PREFIX}/plants/{{plantId}}/topology"
HC_MODULE: Final = (
    f"{HC_PREFIX}/{{device}}/{{system}}/addressLocation/plants/{{plantId}}"
    "/modules/parameter/id/value/{moduleId}"
)
HC_SCENES: Final = f"{HC_PREFIX}/scene/comfort/addressLocation/plants/{{plantId}}"
HC_SCENE: Final = f"{HC_SCENES}/modules/parameter/id/value/{{sceneId}}"

SMARTHER_PLANTS: Final = f"{SMARTHER_PREFIX}/plants"
SMARTHER_TOPOLOGY: Final = f"{SMARTHER_PREFIX}/plants/{{plantId}}/topology"
SMARTHER_THERMOSTAT: Final = (
    f"{SMARTHER_PREFIX}/chronothermostat/thermoregulation/addressLocation"
    "/plants/{plantId}/modules/parameter/id/value/{moduleId}"
)
SMARTHER_MEASURES: Final = f"{SMARTHER_THERMOSTAT}/measures"
SMARTHER_PROGRAMS: Final = f"{SMARTHER_THERMOSTAT}/programlist"
SMARTHER_SUBSCRIPTIONS: Final = f"{SMARTHER_PREFIX}/subscription"
SMARTHER_SUBSCRIBE: Final = f"{SMARTHER_PREFIX}/plants/{{plantId}}/subscription"
SMARTHER_UNSUBSCRIBE: Final = f"{SMARTHER_SUBSCRIBE}/{{subscriptionId}}"

# The name under which push payloads are reported in parse errors (no HTTP route of ours).
PUSH_ENDPOINT: Final = "push event"
TOKEN_ENDPOINT: Final = "POST /token"

DEFAULT_DAILY_LIMIT: Final = 500
DEFAULT_RESERVE_FRACTION: Final = 0.2
MIN_REFRESH_INTERVAL: Final = timedelta(seconds=60)
# The polling floor: commands never take the calls one refresh an hour needs until the reset.
POLLING_FLOOR_INTERVAL: Final = timedelta(hours=1)
# A plain rate limit (429) without Retry-After: wait at least until the next poll anyway.
DEFAULT_THROTTLE_PAUSE: Final = timedelta(seconds=60)

DEFAULT_REQUEST_TIMEOUT: Final = 10.0
# A maintained Smarther client found 0.5 s between sequential calls enough to stay clear of the
# gateway's burst firewall; at one refresh every few minutes it costs nothing noticeable.
DEFAULT_MIN_SPACING: Final = 0.5
# Commands retry transient failures twice, after 2 s then 4 s.
COMMAND_RETRIES: Final = 2
RETRY_BACKOFF: Final = 2.0
# The thermostat's display is in use: the reference says to wait about 10 s and try again.
BUSY_RETRIES: Final = 3
BUSY_RETRY_DELAY: Final = 10.0

# The set-status schema documents set points from 3 to 40 °C (°C only, one decimal).
MIN_SET_POINT: Final = 3.0
MAX_SET_POINT: Final = 40.0
# Room temperatures a thermostat can really read (°C); outside them a reading is garbage.
MIN_TEMPERATURE: Final = -40.0
MAX_TEMPERATURE: Final = 85.0
MAX_PROGRAM_NUMBER: Final = 11
# The power a load module can draw: the largest switches a 16 A outlet, 3680 W at 230 V. Up to
# 1.25 times that is kept (mains at the top of their +10 % tolerance, the meter's own error, a
# motor's start); more is no real reading.
MAX_LOAD_POWER: Final = 4600.0
# An energy meter sees a whole home: 63 A on three phases at 400 V is 43.6 kW, so 100 kW leaves
# room for a small business supply.
MAX_METER_POWER: Final = 100_000.0


class DeviceKind(StrEnum):
    """The logical device type of a module, as the topology's `device` field names it."""

    LIGHT = "light"
    PLUG = "plug"
    AUTOMATION = "automation"
    REMOTE = "remote"
    HEATER = "heater"
    ENERGYMETER = "energymeter"
    CHRONOTHERMOSTAT = "chronothermostat"
    UNKNOWN = "unknown"


# The `{device}/{system}` URL segments of a module's status and command paths.
DEVICE_URL_SEGMENTS: Final[dict[DeviceKind, tuple[str, str]]] = {
    DeviceKind.LIGHT: ("light", "lighting"),
    DeviceKind.PLUG: ("plug", "energy"),
    DeviceKind.AUTOMATION: ("automation", "automation"),
    DeviceKind.REMOTE: ("remote", "remote"),
    DeviceKind.HEATER: ("heater", "comfort"),
    DeviceKind.ENERGYMETER: ("meter", "energy"),
}

# The keys of the whole-plant status lists, and the device kind each one holds.
STATUS_LIST_KINDS: Final[dict[str, DeviceKind]] = {
    "lights": DeviceKind.LIGHT,
    "plugs": DeviceKind.PLUG,
    "automations": DeviceKind.AUTOMATION,
    "remotes": DeviceKind.REMOTE,
    "heaters": DeviceKind.HEATER,
    "energymeters": DeviceKind.ENERGYMETER,
}

# Spellings of device kinds seen or expected besides the canonical ones.
DEVICE_KIND_ALIASES: Final[dict[str, DeviceKind]] = {
    "energy_meter": DeviceKind.ENERGYMETER,
    "meter": DeviceKind.ENERGYMETER,
    "thermostat": DeviceKind.CHRONOTHERMOSTAT,
    "smarther": DeviceKind.CHRONOTHERMOSTAT,
}


class ThermostatFunction(StrEnum):
    """Whether a thermostat heats or cools."""

    HEATING = "heating"
    COOLING = "cooling"
    UNKNOWN = "unknown"


class ThermostatMode(StrEnum):
    """The operating mode of a thermostat."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"
    BOOST = "boost"
    OFF = "off"
    PROTECTION = "protection"
    UNKNOWN = "unknown"


class LoadState(StrEnum):
    """Whether the thermostat's relay is driving the boiler or the cooler right now."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    UNKNOWN = "unknown"


class BoostDuration(IntEnum):
    """The only boost lengths the thermostat accepts, in minutes."""

    MINUTES_30 = 30
    MINUTES_60 = 60
    MINUTES_90 = 90


class EventType(StrEnum):
    """Event Grid event types the push endpoint receives."""

    DEVICE_TO_CLOUD = "DeviceToCloud"
    SUBSCRIPTION_VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent"

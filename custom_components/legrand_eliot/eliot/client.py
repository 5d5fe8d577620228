"""The async client for the Home + Control v1.0 and Smarther v2.0 APIs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
import json
import logging
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit

import aiohttp
from yarl import URL

from .commands import (
    automatic_body,
    boost_body,
    level_body,
    manual_body,
    off_body,
    protection_body,
    scene_body,
    status_body,
    stop_body,
)
from .const import (
    BUSY_RETRIES,
    BUSY_RETRY_DELAY,
    COMMAND_RETRIES,
    DEFAULT_BASE_URL,
    DEFAULT_MIN_SPACING,
    DEFAULT_REQUEST_TIMEOUT,
    DEVICE_URL_SEGMENTS,
    HC_MODULE,
    HC_PLANT_STATUS,
    HC_PLANTS,
    HC_PREFIX,
    HC_SCENE,
    HC_SCENES,
    HC_TOPOLOGY,
    HEADER_SUBSCRIPTION_KEY,
    RETRY_BACKOFF,
    SMARTHER_MEASURES,
    SMARTHER_PLANTS,
    SMARTHER_PROGRAMS,
    SMARTHER_SUBSCRIBE,
    SMARTHER_SUBSCRIPTIONS,
    SMARTHER_THERMOSTAT,
    SMARTHER_TOPOLOGY,
    SMARTHER_UNSUBSCRIBE,
    DeviceKind,
    ThermostatFunction,
)
from .error_map import error_for_status
from .exceptions import (
    EliotAccessDeniedError,
    EliotAuthError,
    EliotConnectionError,
    EliotDisplayBusyError,
    EliotError,
    EliotInvalidValueError,
    EliotQuotaExceededError,
    EliotResponseError,
    EliotServerError,
    EliotTimeoutError,
)
from .ledger import CallFamily, family_of
from .models import (
    ModuleState,
    Plant,
    PlantStatus,
    Program,
    Scene,
    StatusMemo,
    Subscription,
    ThermostatMeasures,
    ThermostatStatus,
    Topology,
    parse_measures,
    parse_module_status,
    parse_plant_status,
    parse_plants,
    parse_programs,
    parse_scenes,
    parse_subscription_id,
    parse_subscriptions,
    parse_thermostat_status,
    parse_topology,
)
from .quota import QuotaBudget

_LOGGER = logging.getLogger(__package__)

type TokenCallback = Callable[[], Awaitable[str]]
# Given the token the gateway refused, returns a newer one (refreshing only if no one did).
type RefreshCallback = Callable[[str], Awaitable[str]]
type AuthFailureCallback = Callable[[EliotAuthError], None]
type QuotaCallback = Callable[[EliotQuotaExceededError], None]
type SleepCallback = Callable[[float], Awaitable[None]]

_COMFORT_READ = "comfort.read"
_COMFORT_WRITE = "comfort.write"
# Only these write scopes are documented for Home + Control commands.
_WRITE_SCOPES = {DeviceKind.LIGHT: "light.write", DeviceKind.PLUG: "plug.write"}


@dataclass(frozen=True, slots=True)
class _Call:
    """One logical API call: its route, how to fill it, and how to retry it."""

    method: str
    route: str
    path: Mapping[str, str]
    body: Mapping[str, Any] | None = None
    command: bool = False
    scope: str | None = None

    @property
    def endpoint(self) -> str:
        """Return the method and route template, the name used in errors and logs."""
        return f"{self.method} {self.route}"

    @property
    def family(self) -> CallFamily:
        """Return what the call is for, as the call ledger counts it."""
        return family_of(self.method, self.route)


@dataclass(kw_only=True)
class EliotClient:
    """
    A quota-aware client for one Works with Legrand account.

    The caller supplies tokens through `token_callback` (the client never runs OAuth itself);
    `refresh_callback`, when given, receives the token the gateway refused and must return a
    newer one; it is used once after a 401. Exceptions of these callbacks propagate unchanged,
    so the caller keeps its own difference between a dead refresh token and a passing failure.
    Every other failure is an `EliotError`.

    `on_auth_failure` hears of a token still refused after a refresh (the account must be linked
    again); `on_quota` hears of every call refused for the quota, by the gateway or locally by
    the budget, the moment it happens.
    """

    token_callback: TokenCallback = field(repr=False)
    subscription_key: str = field(repr=False)
    session: aiohttp.ClientSession | None = field(default=None, repr=False)
    refresh_callback: RefreshCallback | None = field(default=None, repr=False)
    on_auth_failure: AuthFailureCallback | None = field(default=None, repr=False)
    on_quota: QuotaCallback | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    budget: QuotaBudget = field(default_factory=QuotaBudget)
    # Thermostat end times are written in the plant's local time, without a zone; by default
    # the budget's zone, which the caller sets to the home's own.
    time_zone: tzinfo | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    min_spacing: float = DEFAULT_MIN_SPACING
    command_retries: int = COMMAND_RETRIES
    retry_backoff: float = RETRY_BACKOFF
    busy_retries: int = BUSY_RETRIES
    busy_retry_delay: float = BUSY_RETRY_DELAY
    sleep: SleepCallback = field(default=asyncio.sleep, repr=False)

    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    _last_start: float = field(default=float("-inf"), init=False, repr=False)
    _own_session: bool = field(default=False, init=False, repr=False)
    _recent_tokens: list[str] = field(default_factory=list, init=False, repr=False)
    # Each plant's last status answer, so that elements that did not change are not read again.
    _status_memos: dict[str, StatusMemo] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        """Refuse a base URL or a subscription key that could never work."""
        parts = urlsplit(self.base_url) if isinstance(self.base_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise EliotInvalidValueError("The base URL must be an absolute http(s) URL")
        if not _header_safe(self.subscription_key):
            raise EliotInvalidValueError(
                "The subscription key must be a non-empty word"
            )
        self.base_url = self.base_url.rstrip("/")
        if self.time_zone is None:
            self.time_zone = self.budget.time_zone

    async def __aenter__(self) -> Self:
        """Enter an `async with` block."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the session if the client opened it."""
        await self.close()

    async def close(self) -> None:
        """Close the session if the client opened it; an injected session stays open."""
        if self._own_session and self.session is not None:
            await self.session.close()
            self.session = None
            self._own_session = False

    @property
    def _zone(self) -> tzinfo:
        """Return the zone thermostat times are written in."""
        return self.time_zone or self.budget.time_zone

    # Home + Control v1.0

    async def hc_plants(self) -> list[Plant]:
        """Return the account's Home + Control plants (404 when that API is retired)."""
        call = _Call("GET", HC_PLANTS, {})
        return parse_plants(await self._request(call), call.endpoint)

    async def hc_topology(self, plant_id: str) -> Topology:
        """Return the rooms and modules of a Home + Control plant."""
        call = _Call("GET", HC_TOPOLOGY, {"plantId": plant_id})
        return parse_topology(await self._request(call), plant_id, call.endpoint)

    async def hc_plant_status(self, plant_id: str) -> PlantStatus:
        """Return the state of every module of a plant in one call."""
        call = _Call("GET", HC_PLANT_STATUS, {"plantId": plant_id})
        memo = self._status_memos.setdefault(plant_id, {})
        return parse_plant_status(
            await self._request(call), plant_id, call.endpoint, memo
        )

    async def hc_module_status(
        self, plant_id: str, module_id: str, kind: DeviceKind
    ) -> ModuleState:
        """Return the state of one module."""
        call = _Call(
            "GET", _module_route(kind), {"plantId": plant_id, "moduleId": module_id}
        )
        return parse_module_status(
            await self._request(call), module_id, kind, call.endpoint
        )

    async def switch(
        self, plant_id: str, module_id: str, kind: DeviceKind, on: bool
    ) -> None:
        """Switch a light or plug on or off."""
        if kind not in (DeviceKind.LIGHT, DeviceKind.PLUG):
            raise EliotInvalidValueError("Only lights and plugs can be switched")
        await self._command(
            _module_route(kind), plant_id, module_id, status_body(on), kind
        )

    async def set_level(
        self, plant_id: str, module_id: str, kind: DeviceKind, level: int
    ) -> None:
        """Set a dimmable light's brightness or a shutter's position (0-100)."""
        if kind not in (DeviceKind.LIGHT, DeviceKind.AUTOMATION):
            raise EliotInvalidValueError("Only lights and automations have a level")
        await self._command(
            _module_route(kind), plant_id, module_id, level_body(level), kind
        )

    async def stop_automation(self, plant_id: str, module_id: str) -> None:
        """Stop a moving shutter."""
        kind = DeviceKind.AUTOMATION
        await self._command(_module_route(kind), plant_id, module_id, stop_body(), kind)

    async def hc_scenes(self, plant_id: str) -> list[Scene]:
        """Return the scenes of a Home + Control plant."""
        call = _Call("GET", HC_SCENES, {"plantId": plant_id})
        return parse_scenes(await self._request(call), call.endpoint)

    async def run_scene(self, plant_id: str, scene_id: str) -> None:
        """Run a scene."""
        call = _Call(
            "POST",
            HC_SCENE,
            {"plantId": plant_id, "sceneId": scene_id},
            body=scene_body(),
            command=True,
        )
        await self._request(call)

    # Smarther v2.0

    async def smarther_plants(self) -> list[Plant]:
        """Return the account's Smarther plants (none when the API answers 204)."""
        call = _Call("GET", SMARTHER_PLANTS, {}, scope=_COMFORT_READ)
        return parse_plants(await self._request(call), call.endpoint)

    async def smarther_topology(self, plant_id: str) -> Topology:
        """Return the thermostats of a Smarther plant."""
        call = _Call(
            "GET", SMARTHER_TOPOLOGY, {"plantId": plant_id}, scope=_COMFORT_READ
        )
        return parse_topology(await self._request(call), plant_id, call.endpoint)

    async def thermostat_status(
        self, plant_id: str, module_id: str
    ) -> ThermostatStatus:
        """Return the full state of one thermostat."""
        call = _thermostat_call("GET", SMARTHER_THERMOSTAT, plant_id, module_id)
        data = await self._request(call)
        return parse_thermostat_status(data, plant_id, module_id, call.endpoint)

    async def thermostat_measures(
        self, plant_id: str, module_id: str
    ) -> ThermostatMeasures:
        """Return the latest temperature and humidity of one thermostat."""
        call = _thermostat_call("GET", SMARTHER_MEASURES, plant_id, module_id)
        return parse_measures(await self._request(call), call.endpoint)

    async def program_list(self, plant_id: str, module_id: str) -> list[Program]:
        """Return the weekly programs of one thermostat."""
        call = _thermostat_call("GET", SMARTHER_PROGRAMS, plant_id, module_id)
        return parse_programs(await self._request(call), call.endpoint)

    async def set_automatic(
        self,
        plant_id: str,
        module_id: str,
        *,
        function: ThermostatFunction | str,
        program: int,
    ) -> None:
        """Follow a weekly program."""
        await self._set_thermostat(
            plant_id, module_id, automatic_body(function, program)
        )

    async def set_manual(
        self,
        plant_id: str,
        module_id: str,
        *,
        function: ThermostatFunction | str,
        set_point: float,
        until: datetime | None = None,
    ) -> None:
        """Hold a set point (°C) forever, or until a moment."""
        body = manual_body(function, set_point, until, self._zone)
        await self._set_thermostat(plant_id, module_id, body)

    async def set_boost(
        self,
        plant_id: str,
        module_id: str,
        *,
        function: ThermostatFunction | str,
        minutes: int,
        time_zone: tzinfo | None = None,
    ) -> None:
        """Heat or cool at full power for 30, 60 or 90 minutes from now (in the plant's zone)."""
        body = boost_body(function, minutes, self.budget.now(), time_zone or self._zone)
        await self._set_thermostat(plant_id, module_id, body)

    async def set_off(
        self,
        plant_id: str,
        module_id: str,
        *,
        function: ThermostatFunction | str,
        until: datetime | None = None,
    ) -> None:
        """Turn the thermostat off, forever or until a moment."""
        body = off_body(function, until, self._zone)
        await self._set_thermostat(plant_id, module_id, body)

    async def set_protection(
        self, plant_id: str, module_id: str, *, function: ThermostatFunction | str
    ) -> None:
        """Switch to frost (or heat) protection."""
        await self._set_thermostat(plant_id, module_id, protection_body(function))

    async def subscriptions(self) -> list[Subscription]:
        """Return every push subscription of the account (none when the API answers 204)."""
        call = _Call("GET", SMARTHER_SUBSCRIPTIONS, {})
        return parse_subscriptions(await self._request(call), call.endpoint)

    async def subscribe(self, plant_id: str, endpoint_url: str) -> str:
        """
        Subscribe a URL to a plant's push events and return the subscription id.

        Raises `EliotConflictError` when this URL is already subscribed (409).
        """
        parts = urlsplit(endpoint_url) if isinstance(endpoint_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise EliotInvalidValueError(
                "The push endpoint must be an absolute http(s) URL"
            )
        call = _Call(
            "POST",
            SMARTHER_SUBSCRIBE,
            {"plantId": plant_id},
            body={"EndPointUrl": endpoint_url},
            command=True,
        )
        return parse_subscription_id(await self._request(call), call.endpoint)

    async def unsubscribe(self, plant_id: str, subscription_id: str) -> None:
        """Delete a push subscription."""
        call = _Call(
            "DELETE",
            SMARTHER_UNSUBSCRIBE,
            {"plantId": plant_id, "subscriptionId": subscription_id},
            command=True,
        )
        await self._request(call)

    # Transport

    async def _command(
        self,
        route: str,
        plant_id: str,
        module_id: str,
        body: Mapping[str, Any],
        kind: DeviceKind,
    ) -> None:
        """Send a command to one Home + Control module."""
        call = _Call(
            "POST",
            route,
            {"plantId": plant_id, "moduleId": module_id},
            body=body,
            command=True,
            scope=_WRITE_SCOPES.get(kind),
        )
        await self._request(call)

    async def _set_thermostat(
        self, plant_id: str, module_id: str, body: Mapping[str, Any]
    ) -> None:
        """Send a thermostat command."""
        call = _thermostat_call("POST", SMARTHER_THERMOSTAT, plant_id, module_id, body)
        await self._request(call)

    async def _request(self, call: _Call) -> Any:
        """
        Send one logical call and return its decoded JSON body (None when empty).

        Retries are explicit and bounded: one forced token refresh after a 401; for commands
        only, transient failures (408, 5xx, network) with a growing delay, and a busy display
        (486) after about 10 s. A poll fails fast: the next refresh is its retry.
        """
        url = self._url(call)
        refused: str | None = None
        transient_tries = 0
        busy_tries = 0
        while True:
            if refused is not None and self.refresh_callback is not None:
                token = await self.refresh_callback(refused)
            else:
                token = await self.token_callback()
            try:
                return await self._send(call, url, token)
            except EliotAuthError as err:
                if err.invalid_subscription_key:
                    raise
                if refused is None and self.refresh_callback is not None:
                    _LOGGER.debug(
                        "%s refused the token; refreshing it once", call.endpoint
                    )
                    refused = token
                    continue
                if refused is not None and await self._token_still_good(call, token):
                    raise EliotAccessDeniedError(
                        "The account may not reach this plant any more",
                        endpoint=call.endpoint,
                        status=err.status,
                    ) from err
                if self.on_auth_failure is not None:
                    self.on_auth_failure(err)
                raise
            except EliotQuotaExceededError as err:
                if self.on_quota is not None:
                    self.on_quota(err)
                raise
            except EliotDisplayBusyError:
                if not call.command or busy_tries >= self.busy_retries:
                    raise
                busy_tries += 1
                _LOGGER.debug(
                    "%s: thermostat display busy, try %s", call.endpoint, busy_tries
                )
                await self.sleep(self.busy_retry_delay)
            except (EliotConnectionError, EliotServerError) as err:
                if not call.command or transient_tries >= self.command_retries:
                    raise
                delay = self.retry_backoff * 2**transient_tries
                transient_tries += 1
                _LOGGER.debug(
                    "%s failed (%s); retrying in %s s", call.endpoint, err.status, delay
                )
                await self.sleep(delay)

    async def _token_still_good(self, call: _Call, token: str) -> bool:
        """
        Return whether a fresh token refused on one plant still opens its API's plants list.

        A plant that left the account (or a device the user lost) is refused with 401 like a
        bad token. One plants-list read (one call) tells them apart: a list that answers means
        the account is fine and only that plant is out of reach, so no new sign-in is asked.
        """
        if "plantId" not in call.path:
            return False
        if call.route.startswith(HC_PREFIX):
            check = _Call("GET", HC_PLANTS, {})
        else:
            check = _Call("GET", SMARTHER_PLANTS, {}, scope=_COMFORT_READ)
        try:
            await self._send(check, self._url(check), token)
        except EliotAuthError:
            return False
        except EliotQuotaExceededError as err:
            if self.on_quota is not None:
                self.on_quota(err)
            raise
        except EliotError as err:
            _LOGGER.debug(
                "The token could not be checked (%s): no new sign-in asked", err
            )
            return True
        return True

    async def _send(self, call: _Call, url: URL, token: str) -> Any:
        """Send one physical request: pace it, charge the budget, map the answer."""
        self._remember_token(token)
        async with self._lock:
            # Checked under the lock: an answer to the previous request may have paused calls.
            self.budget.check(command=call.command, endpoint=call.endpoint)
            await self._pace()
            self.budget.charge(family=call.family)
            headers = {
                "Authorization": f"Bearer {token}",
                HEADER_SUBSCRIPTION_KEY: self.subscription_key,
                "Accept": "application/json",
            }
            if call.body is not None:
                headers["Content-Type"] = "application/json"
            try:
                async with asyncio.timeout(self.request_timeout):
                    async with self._session().request(
                        call.method,
                        url,
                        headers=headers,
                        json=call.body,
                        allow_redirects=False,
                    ) as response:
                        status = response.status
                        retry_after = response.headers.get("Retry-After")
                        raw = await response.read()
            except TimeoutError as err:
                raise EliotTimeoutError(
                    "No answer in time", endpoint=call.endpoint
                ) from err
            except aiohttp.ClientError as err:
                raise EliotConnectionError(
                    f"Connection failed ({type(err).__name__})", endpoint=call.endpoint
                ) from err
        _LOGGER.debug("%s answered %s", call.endpoint, status)
        if 200 <= status < 300:
            return _decode_json(raw, call.endpoint, status)
        error = error_for_status(
            status,
            _decode_error(raw),
            endpoint=call.endpoint,
            now=self.budget.now(),
            retry_after_header=retry_after,
            next_reset=self.budget.reset_at,
            secrets=self._secrets(),
            scope=call.scope,
            ids=call.path,
        )
        if isinstance(error, EliotQuotaExceededError):
            self.budget.pause(error.resume_at, daily=error.daily)
        raise error

    async def _pace(self) -> None:
        """Keep at least `min_spacing` seconds between the starts of two requests."""
        if self.min_spacing <= 0:
            return
        loop = asyncio.get_running_loop()
        wait = self._last_start + self.min_spacing - loop.time()
        if wait > 0:
            await self.sleep(wait)
        self._last_start = loop.time()

    def _session(self) -> aiohttp.ClientSession:
        """Return the injected session, or one the client opens and later closes."""
        if self.session is None:
            self.session = aiohttp.ClientSession()
            self._own_session = True
        return self.session

    def _url(self, call: _Call) -> URL:
        """Fill the route's placeholders with quoted ids and join it to the base URL."""
        values: dict[str, str] = {}
        for name, value in call.path.items():
            if not isinstance(value, str) or not value.strip():
                raise EliotInvalidValueError(f"The {name} must be a non-empty string")
            values[name] = quote(value, safe="")
        return URL(self.base_url + call.route.format(**values), encoded=True)

    def _remember_token(self, token: str) -> None:
        """Keep the last two tokens so they can be blanked out of error messages."""
        if not _header_safe(token):
            raise EliotAuthError("The token callback returned no usable token")
        if token not in self._recent_tokens:
            self._recent_tokens = [*self._recent_tokens[-1:], token]

    def _secrets(self) -> list[str]:
        """Return every secret that must never appear in a message."""
        return [self.subscription_key, *self._recent_tokens]


def _header_safe(value: object) -> bool:
    """Return whether a credential is a non-empty string that fits in a header as it is."""
    return (
        isinstance(value, str)
        and bool(value)
        and value.isascii()
        and value.isprintable()
        and not any(char.isspace() for char in value)
    )


def _module_route(kind: DeviceKind) -> str:
    """Return the status/command route of a Home + Control device kind."""
    segments = DEVICE_URL_SEGMENTS.get(kind)
    if segments is None:
        raise EliotInvalidValueError(
            f"No Home + Control route for devices of kind {kind}"
        )
    device, system = segments
    return HC_MODULE.replace("{device}", device).replace("{system}", system)


def _thermostat_call(
    method: str,
    route: str,
    plant_id: str,
    module_id: str,
    body: Mapping[str, Any] | None = None,
) -> _Call:
    """Return a call on one thermostat."""
    return _Call(
        method,
        route,
        {"plantId": plant_id, "moduleId": module_id},
        body=body,
        command=body is not None,
        scope=_COMFORT_WRITE if body is not None else _COMFORT_READ,
    )


def _decode_json(raw: bytes, endpoint: str, status: int) -> Any:
    """Decode a successful answer's JSON; an empty body is None."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise EliotResponseError(
            "Answer is not JSON", endpoint=endpoint, status=status
        ) from err


def _decode_error(raw: bytes) -> Any:
    """Decode an error answer's body: JSON when it is, else its text (HTML pages dropped)."""
    try:
        return json.loads(raw)
    except ValueError, RecursionError:
        body = raw.decode("utf-8", errors="replace").strip()
        return None if body.startswith("<") else body

"""The transport under the client: one logical call sent, paced, charged, retried and mapped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
import json
import logging
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit

import aiohttp
from yarl import URL

from .const import (
    BUSY_RETRIES,
    BUSY_RETRY_DELAY,
    COMMAND_RETRIES,
    DEFAULT_BASE_URL,
    DEFAULT_MIN_SPACING,
    DEFAULT_REQUEST_TIMEOUT,
    HC_PLANTS,
    HC_PREFIX,
    HEADER_SUBSCRIPTION_KEY,
    RETRY_BACKOFF,
    SMARTHER_PLANTS,
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
from .quota import QuotaBudget

_LOGGER = logging.getLogger(__package__)

type TokenCallback = Callable[[], Awaitable[str]]
# Given the token the gateway refused, returns a newer one (refreshing only if no one did).
type RefreshCallback = Callable[[str], Awaitable[str]]
type AuthFailureCallback = Callable[[EliotAuthError], None]
type QuotaCallback = Callable[[EliotQuotaExceededError], None]
type SleepCallback = Callable[[float], Awaitable[None]]

# The read scope of the Smarther API, the one a plants list needs.
COMFORT_READ = "comfort.read"


@dataclass(frozen=True, slots=True)
class Call:
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
class Transport:
    """
    How the client reaches one Works with Legrand account: tokens, pacing, quota, retries.

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

    async def _request(self, call: Call) -> Any:
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

    async def _token_still_good(self, call: Call, token: str) -> bool:
        """
        Return whether a fresh token refused on one plant still opens its API's plants list.

        A plant that left the account (or a device the user lost) is refused with 401 like a
        bad token. One plants-list read (one call) tells them apart: a list that answers means
        the account is fine and only that plant is out of reach, so no new sign-in is asked.
        """
        if "plantId" not in call.path:
            return False
        if call.route.startswith(HC_PREFIX):
            check = Call("GET", HC_PLANTS, {})
        else:
            check = Call("GET", SMARTHER_PLANTS, {}, scope=COMFORT_READ)
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

    async def _send(self, call: Call, url: URL, token: str) -> Any:
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

    def _url(self, call: Call) -> URL:
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

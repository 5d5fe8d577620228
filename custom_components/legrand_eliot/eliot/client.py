"""The async client for the Home + Control v1.0 and Smarther v2.0 APIs: one method a call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

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
    DEVICE_URL_SEGMENTS,
    HC_MODULE,
    HC_PLANT_STATUS,
    HC_PLANTS,
    HC_SCENE,
    HC_SCENES,
    HC_TOPOLOGY,
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
from .exceptions import EliotInvalidValueError
from .home_control_models import (
    ModuleState,
    PlantStatus,
    Scene,
    StatusMemo,
    parse_module_status,
    parse_plant_status,
    parse_scenes,
)
from .plant_models import Plant, Topology, parse_plants, parse_topology
from .smarther_models import (
    Program,
    Subscription,
    ThermostatMeasures,
    ThermostatStatus,
    parse_measures,
    parse_programs,
    parse_subscription_id,
    parse_subscriptions,
    parse_thermostat_status,
)
from .transport import (
    COMFORT_READ,
    Call,
    RefreshCallback,
    SleepCallback,
    TokenCallback,
    Transport,
)

__all__ = ["EliotClient", "RefreshCallback", "SleepCallback", "TokenCallback"]

_COMFORT_WRITE = "comfort.write"
# Only these write scopes are documented for Home + Control commands.
_WRITE_SCOPES = {DeviceKind.LIGHT: "light.write", DeviceKind.PLUG: "plug.write"}


@dataclass(kw_only=True)
class EliotClient(Transport):
    """
    A quota-aware client for one Works with Legrand account (see `Transport` for its settings).

    Each method is one call of one API, its answer parsed into the package's models.
    """

    # Each plant's last status answer, so that elements that did not change are not read again.
    _status_memos: dict[str, StatusMemo] = field(
        default_factory=dict, init=False, repr=False
    )
    # How many Home + Control status answers were read: each state says which answer it is of.
    _status_reads: int = field(default=0, init=False, repr=False)

    @property
    def _zone(self) -> tzinfo:
        """Return the zone thermostat times are written in."""
        return self.time_zone or self.budget.time_zone

    def _next_status_read(self) -> int:
        """Return the number of the status answer just read (1 for the first)."""
        self._status_reads += 1
        return self._status_reads

    # Home + Control v1.0

    async def hc_plants(self) -> list[Plant]:
        """Return the account's Home + Control plants (404 when that API is retired)."""
        call = Call("GET", HC_PLANTS, {})
        return parse_plants(await self._request(call), call.endpoint)

    async def hc_topology(self, plant_id: str) -> Topology:
        """Return the rooms and modules of a Home + Control plant."""
        call = Call("GET", HC_TOPOLOGY, {"plantId": plant_id})
        return parse_topology(await self._request(call), plant_id, call.endpoint)

    async def hc_plant_status(self, plant_id: str) -> PlantStatus:
        """Return the state of every module of a plant in one call."""
        call = Call("GET", HC_PLANT_STATUS, {"plantId": plant_id})
        memo = self._status_memos.setdefault(plant_id, {})
        data = await self._request(call)
        return parse_plant_status(
            data, plant_id, call.endpoint, memo, self._next_status_read()
        )

    async def hc_module_status(
        self, plant_id: str, module_id: str, kind: DeviceKind
    ) -> ModuleState:
        """Return the state of one module."""
        call = Call(
            "GET", _module_route(kind), {"plantId": plant_id, "moduleId": module_id}
        )
        data = await self._request(call)
        return parse_module_status(
            data, module_id, kind, call.endpoint, self._next_status_read()
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
        call = Call("GET", HC_SCENES, {"plantId": plant_id})
        return parse_scenes(await self._request(call), call.endpoint)

    async def run_scene(self, plant_id: str, scene_id: str) -> None:
        """Run a scene."""
        call = Call(
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
        call = Call("GET", SMARTHER_PLANTS, {}, scope=COMFORT_READ)
        return parse_plants(await self._request(call), call.endpoint)

    async def smarther_topology(self, plant_id: str) -> Topology:
        """Return the thermostats of a Smarther plant."""
        call = Call("GET", SMARTHER_TOPOLOGY, {"plantId": plant_id}, scope=COMFORT_READ)
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
        call = Call("GET", SMARTHER_SUBSCRIPTIONS, {})
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
        call = Call(
            "POST",
            SMARTHER_SUBSCRIBE,
            {"plantId": plant_id},
            body={"EndPointUrl": endpoint_url},
            command=True,
        )
        return parse_subscription_id(await self._request(call), call.endpoint)

    async def unsubscribe(self, plant_id: str, subscription_id: str) -> None:
        """Delete a push subscription."""
        call = Call(
            "DELETE",
            SMARTHER_UNSUBSCRIBE,
            {"plantId": plant_id, "subscriptionId": subscription_id},
            command=True,
        )
        await self._request(call)

    async def _command(
        self,
        route: str,
        plant_id: str,
        module_id: str,
        body: Mapping[str, Any],
        kind: DeviceKind,
    ) -> None:
        """Send a command to one Home + Control module."""
        call = Call(
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
) -> Call:
    """Return a call on one thermostat."""
    return Call(
        method,
        route,
        {"plantId": plant_id, "moduleId": module_id},
        body=body,
        command=body is not None,
        scope=_COMFORT_WRITE if body is not None else COMFORT_READ,
    )

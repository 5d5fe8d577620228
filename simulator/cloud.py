"""The in-memory simulated cloud: one object holding the accounts, homes, tokens and meters."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from .accounts import App, User
from .clock import Clock
from .devices import CommandError, HcModule, HcPlant
from .faults import FaultQueue
from .metering import Metering
from .options import Options
from .push import PushEmitter, device_event
from .scenario import Scenario, build, build_thermostat, hc_module
from .thermostat import InvalidCommandError, Thermostat, parse_command
from .tokens import TokenStore
from .world import SmartherPlant, Subscription, World

# Fields a "physical" change may set on a Home + Control module besides its commands.
HC_PHYSICAL_FIELDS = frozenset(
    {"status", "level", "reachable", "battery", "load_watts", "fw"}
)
THERMOSTAT_PHYSICAL_FIELDS = frozenset(
    {
        "mode",
        "function",
        "setPoint",
        "program",
        "programs",
        "activationTime",
        "minutes",
        "temperature",
        "humidity",
    }
)
# The fields of a physical thermostat change that only a mode gives a meaning to.
THERMOSTAT_MODE_FIELDS = frozenset(
    {"setPoint", "program", "programs", "activationTime", "minutes"}
)
DEFAULT_BOOST_MINUTES = 30


class ChangeError(ValueError):
    """A change asked through the control API that cannot be applied."""


class RefusedChangeError(ChangeError):
    """A thermostat setting the cloud would refuse (430 Wrong input parameters), so the device does."""


class SimulatedCloud:
    """The simulated Works with Legrand cloud, usable directly by tests."""

    def __init__(
        self,
        scenario: str | Mapping[str, Any],
        overrides: Mapping[str, Any],
        start: datetime | None = None,
    ) -> None:
        """Load a scenario; keyword options of create_app override the scenario's own.

        The scenario is built at `start` when given (and the clock starts there), else at the
        machine's current time.
        """
        self.clock = Clock(start)
        self._overrides = dict(overrides)
        self.options = Options()
        self.tokens = TokenStore(clock=self.clock, options=self._current_options)
        self.metering = Metering(clock=self.clock, options=self._current_options)
        self.faults = FaultQueue()
        self.push = PushEmitter(clock=self.clock, options=self._current_options)
        self.shutting_down = asyncio.Event()
        self._signatures: dict[str, tuple[Any, ...]] = {}
        self.scenario_name = ""
        self.app_registration: App
        self.users: dict[str, User] = {}
        self.world = World()
        self.load(scenario)

    def __repr__(self) -> str:
        """Describe the cloud without any credential."""
        return (
            f"SimulatedCloud(scenario={self.scenario_name!r}, users={list(self.users)})"
        )

    def _current_options(self) -> Options:
        """Return the options in force (components read them on every use)."""
        return self.options

    def load(self, scenario: str | Mapping[str, Any]) -> None:
        """Reset homes, counters, faults, push log and clock to a scenario; tokens of users kept."""
        # The scenario starts where the clock is about to be reset to: its start.
        self.clock.reset()
        built: Scenario = build(scenario, self.clock.now())
        options = (
            Options().with_overrides(built.options).with_overrides(self._overrides)
        )
        self.options = options
        self.scenario_name = built.name
        self.app_registration = built.app
        self.users = built.users
        self.world = built.world
        self.tokens.forget_users(set(built.users))
        self.metering.reset()
        self.faults.clear()
        self.push.reset()
        self._signatures.clear()

    def set_options(self, changes: Mapping[str, Any]) -> Options:
        """Change options at run time; they also survive later scenario loads."""
        self.options = self.options.with_overrides(changes)
        self._overrides.update(changes)
        return self.options

    # The Python API others use.

    @property
    def client_id(self) -> str:
        """Return the application's client id."""
        return self.app_registration.client_id

    @property
    def client_secret(self) -> str:
        """Return the application's client secret."""
        return self.app_registration.client_secret

    @property
    def subscription_key(self) -> str:
        """Return the primary subscription key."""
        return self.app_registration.subscription_keys[0]

    @property
    def redirect_uris(self) -> tuple[str, ...]:
        """Return the registered reply URLs, with any added by the options."""
        return tuple(
            dict.fromkeys(
                (*self.app_registration.redirect_uris, *self.options.redirect_uris)
            )
        )

    @property
    def issuer(self) -> str:
        """Return the issuer of the id_tokens."""
        return self.tokens.issuer(self.app_registration)

    @property
    def counters(self) -> dict[str, Any]:
        """Return the call counters, as GET /_sim/counters shows them."""
        return self.metering.snapshot(self.users)

    def user(self, email: str | None = None) -> User:
        """Return a user by email, or the scenario's first user; unknown names raise KeyError."""
        if email is None:
            return next(iter(self.users.values()))
        return self.users[email]

    def issue_tokens(
        self, user: str | None = None, scopes: frozenset[str] | None = None
    ) -> dict[str, Any]:
        """Return a token response exactly as POST /token gives, without the browser dance."""
        account = self.user(user)
        granted = frozenset(self.app_registration.scopes) if scopes is None else scopes
        return self.tokens.issue(self.app_registration, account, granted)

    # State changes shared by the APIs and the control API.

    def state(self) -> dict[str, Any]:
        """Return the whole current state."""
        options = self.options
        data = self.world.snapshot(
            self.clock.now(),
            options.shutter_travel_time,
            options.activation_time_format,
        )
        return {
            "scenario": self.scenario_name,
            "clock": self.clock.now().isoformat(),
            "users": [
                {
                    "email": u.email,
                    "subject": u.subject,
                    "name": u.name,
                    "app_password_expired": u.app_password_expired,
                    "terms_expired": u.terms_expired,
                    "hc_retired": u.hc_retired,
                    "consents": [sorted(c) for c in u.consents],
                }
                for u in self.users.values()
            ],
            **data,
            "options": options.as_dict(),
        }

    def thermostat_changed(self, plant: SmartherPlant, thermostat: Thermostat) -> None:
        """Push a thermostat's new state to every subscription of its plant."""
        subscriptions = [
            s for s in self.world.subscriptions.values() if s.plant_id == plant.id
        ]
        # An offline thermostat cannot reach the cloud; its changes are pushed when it is back.
        if not subscriptions or not plant.online:
            return
        now = self.clock.now()
        status = thermostat.status(
            now,
            plant.zone,
            self.options.activation_time_format,
            push=True,
            online=plant.online,
        )
        self._signatures[thermostat.id] = _signature(status)
        for subscription in subscriptions:
            self.push.send(subscription, [device_event(plant.id, [status], now)])

    def remember_states(self, plant: SmartherPlant) -> None:
        """Note the thermostats' current states, so later changes by time alone are noticed."""
        now = self.clock.now()
        for thermostat in plant.thermostats.values():
            status = thermostat.status(
                now, plant.zone, self.options.activation_time_format
            )
            self._signatures[thermostat.id] = _signature(status)

    def time_moved(self) -> None:
        """After the clock moved or a plant came back: push the thermostats that changed."""
        now = self.clock.now()
        subscribed = {s.plant_id for s in self.world.subscriptions.values()}
        for plant_id in subscribed:
            plant = self.world.smarther_plants.get(plant_id)
            if plant is None or not plant.online:
                continue
            for thermostat in plant.thermostats.values():
                status = thermostat.status(
                    now, plant.zone, self.options.activation_time_format
                )
                if self._signatures.get(thermostat.id) != _signature(status):
                    self.thermostat_changed(plant, thermostat)

    def subscribe(self, subscription: Subscription) -> None:
        """Record a subscription and, when the option asks, start its validation handshake."""
        self.world.subscriptions[subscription.id] = subscription
        plant = self.world.smarther_plants.get(subscription.plant_id)
        if plant is not None:
            self.remember_states(plant)
        if self.options.push_validation:

            def done(valid: bool) -> None:
                """Keep the handshake's result on the subscription."""
                subscription.validated = valid

            self.push.validate(subscription, done)

    def physical(self, module_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a change made on the device itself; thermostat changes are pushed."""
        found_hc = self.world.hc_module(module_id)
        if found_hc is not None:
            return self._physical_hc(*found_hc, fields)
        found = self.world.thermostat(module_id)
        if found is None:
            raise KeyError(module_id)
        plant, thermostat = found
        self._physical_thermostat(plant, thermostat, fields)
        self.thermostat_changed(plant, thermostat)
        return thermostat.snapshot(self.clock.now(), plant.zone)

    def _physical_hc(
        self, plant: HcPlant, module: HcModule, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Change a Home + Control module as if someone pressed it or its conditions changed."""
        unknown = set(fields) - HC_PHYSICAL_FIELDS
        if unknown:
            raise ChangeError(f"unknown fields {sorted(unknown)}")
        now = self.clock.now()
        travel = self.options.shutter_travel_time
        if "reachable" in fields:
            module.reachable = _typed(fields["reachable"], bool, "reachable")
        if "battery" in fields:
            module.battery = _typed(fields["battery"], str, "battery")
        if "fw" in fields:
            module.fw = _typed(fields["fw"], int, "fw")
        if "load_watts" in fields:
            module.load_watts = float(
                _typed(fields["load_watts"], (int, float), "load_watts")
            )
        command = {k: fields[k] for k in ("status", "level") if k in fields}
        if command:
            try:
                module.apply(command, now, travel)
            except CommandError as err:
                raise ChangeError(str(err)) from err
        return module.snapshot(now, travel)

    def _physical_thermostat(
        self, plant: SmartherPlant, thermostat: Thermostat, fields: Mapping[str, Any]
    ) -> None:
        """Touch the thermostat: change its mode like the display does, or what the room measures."""
        unknown = set(fields) - THERMOSTAT_PHYSICAL_FIELDS
        if unknown:
            raise ChangeError(f"unknown fields {sorted(unknown)}")
        now = self.clock.now()
        if "temperature" in fields or "humidity" in fields:
            temperature = fields.get("temperature")
            humidity = fields.get("humidity")
            thermostat.set_measures(
                now,
                plant.zone,
                None
                if temperature is None
                else float(_typed(temperature, (int, float), "temperature")),
                None
                if humidity is None
                else float(_typed(humidity, (int, float), "humidity")),
            )
        if "mode" not in fields:
            # Like a set-status body without a mode, which the cloud refuses: a set point (or a
            # program, an end time) alone says nothing of the mode to apply it in.
            needing = sorted(THERMOSTAT_MODE_FIELDS & fields.keys())
            if needing:
                raise RefusedChangeError(f"mode is required with {', '.join(needing)}")
            if "function" not in fields:
                return
        thermostat.evolve(now, plant.zone)
        mode = fields.get("mode", thermostat.mode)
        body: dict[str, Any] = {
            "function": fields.get("function", thermostat.function),
            "mode": mode,
        }
        setpoint = fields.get("setPoint")
        if isinstance(setpoint, (int, float)) and not isinstance(setpoint, bool):
            setpoint = {"value": setpoint, "unit": "C"}
        if setpoint is None and str(mode).lower() == "manual":
            setpoint = {
                "value": thermostat.effective_setpoint(now, plant.zone),
                "unit": "C",
            }
        if setpoint is not None:
            body["setPoint"] = setpoint
        program = fields.get("programs", fields.get("program", thermostat.program))
        body["programs"] = (
            program if isinstance(program, list) else [{"number": program}]
        )
        if "activationTime" in fields:
            body["activationTime"] = fields["activationTime"]
        minutes = fields.get("minutes")
        if (
            minutes is None
            and str(mode).lower() == "boost"
            and "activationTime" not in fields
        ):
            minutes = DEFAULT_BOOST_MINUTES
        if minutes is not None:
            span = timedelta(minutes=float(_typed(minutes, (int, float), "minutes")))
            body["activationTime"] = (now + span).isoformat(timespec="seconds")
        try:
            command = parse_command(body, thermostat, now, plant.zone)
        except InvalidCommandError as err:
            raise RefusedChangeError(str(err)) from err
        thermostat.apply(command, now, plant.zone)

    def add_module(self, plant_id: str, data: Mapping[str, Any]) -> str:
        """Add a module (or a thermostat) to a plant; return its id."""
        taken = self.world.ids_in_use()
        now = self.clock.now()
        hc = self.world.hc_plants.get(plant_id)
        if hc is not None:
            module = hc_module(data, "module")
            ambient = data.get("ambient")
            if ambient is not None and all(a.id != ambient for a in hc.ambients):
                raise ChangeError(f"plant {plant_id} has no room {ambient}")
            module.ambient_id = ambient if isinstance(ambient, str) else None
            if module.id in taken:
                raise ChangeError(f"id {module.id} is already in use")
            hc.add_module(module)
            return module.id
        sm = self.world.smarther_plants.get(plant_id)
        if sm is None:
            raise KeyError(plant_id)
        thermostat = build_thermostat(data, sm, now, "thermostat")
        if thermostat.id in taken:
            raise ChangeError(f"id {thermostat.id} is already in use")
        sm.thermostats[thermostat.id] = thermostat
        return thermostat.id

    def set_member(self, plant_id: str, member: bool) -> None:
        """Take a plant out of its owner's account (as when it stops being shared), or back.

        Out of the account, the plant leaves its owner's plants lists, its calls are refused
        with 401 like any plant of someone else, and its push subscriptions end.
        """
        plant: HcPlant | SmartherPlant | None = self.world.hc_plants.get(
            plant_id
        ) or self.world.smarther_plants.get(plant_id)
        if plant is None:
            raise KeyError(plant_id)
        if not member and plant.former_owner is None:
            plant.former_owner, plant.owner = plant.owner, ""
            for sub_id, sub in list(self.world.subscriptions.items()):
                if sub.plant_id == plant_id:
                    del self.world.subscriptions[sub_id]
        elif member and plant.former_owner is not None:
            plant.owner, plant.former_owner = plant.former_owner, None
            self.time_moved()

    def remove_module(self, plant_id: str, module_id: str) -> None:
        """Remove a module (or a thermostat) from a plant."""
        hc = self.world.hc_plants.get(plant_id)
        if hc is not None and module_id in hc.modules:
            hc.remove_module(module_id)
            return
        sm = self.world.smarther_plants.get(plant_id)
        if sm is not None and module_id in sm.thermostats:
            del sm.thermostats[module_id]
            return
        raise KeyError(module_id)

    async def on_shutdown(self, _app: web.Application) -> None:
        """Wake requests held by injected timeouts, so the server can stop."""
        self.shutting_down.set()

    async def on_cleanup(self, _app: web.Application) -> None:
        """Cancel pending push deliveries and close their HTTP session."""
        await self.push.close()


def _signature(status: Mapping[str, Any]) -> tuple[Any, ...]:
    """Return what makes a thermostat state worth pushing: mode, program, set point and load."""
    return (
        status["function"],
        status["mode"],
        status["setPoint"]["value"],
        str(status["programs"][0]["number"]),
        status["loadState"],
        status.get("activationTime"),
    )


def _typed(value: Any, kinds: type | tuple[type, ...], name: str) -> Any:
    """Return a value of the expected JSON type, or raise ValueError naming the field."""
    if isinstance(value, bool) and bool not in (
        kinds if isinstance(kinds, tuple) else (kinds,)
    ):
        raise ChangeError(f"{name} has the wrong type")
    if not isinstance(value, kinds):
        raise ChangeError(f"{name} has the wrong type")
    return value

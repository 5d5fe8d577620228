"""The simulated homes of every user: plants, modules, thermostats and push subscriptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .devices import HcModule, HcPlant
from .thermostat import Thermostat


@dataclass(kw_only=True)
class SmartherPlant:
    """A Smarther plant: its thermostats and the time zone of the house."""

    id: str
    name: str
    owner: str
    zone: ZoneInfo
    online: bool = True
    # The owner while the plant is out of the account (no longer shared with it).
    former_owner: str | None = None
    thermostats: dict[str, Thermostat] = field(default_factory=dict)


@dataclass(kw_only=True)
class Subscription:
    """A C2C push subscription of a Smarther plant."""

    id: str
    plant_id: str
    owner: str
    url: str
    description: str | None = None
    validated: bool | None = None

    def listing(self) -> dict[str, Any]:
        """Return the subscription as the subscriptions list shows it."""
        return {
            "plantId": self.plant_id,
            "subscriptionId": self.id,
            "EndPointUrl": self.url,
        }


@dataclass
class World:
    """Every plant of every user, with lookups by id."""

    hc_plants: dict[str, HcPlant] = field(default_factory=dict)
    smarther_plants: dict[str, SmartherPlant] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)

    def hc_module(self, module_id: str) -> tuple[HcPlant, HcModule] | None:
        """Return the plant and Home + Control module with that id."""
        for plant in self.hc_plants.values():
            module = plant.modules.get(module_id)
            if module is not None:
                return plant, module
        return None

    def thermostat(self, module_id: str) -> tuple[SmartherPlant, Thermostat] | None:
        """Return the plant and thermostat with that id."""
        for plant in self.smarther_plants.values():
            thermostat = plant.thermostats.get(module_id)
            if thermostat is not None:
                return plant, thermostat
        return None

    def ids_in_use(self) -> set[str]:
        """Return every plant, room, module, scene and subscription id."""
        ids: set[str] = (
            set(self.hc_plants) | set(self.smarther_plants) | set(self.subscriptions)
        )
        for plant in self.hc_plants.values():
            ids.update(plant.modules)
            ids.update(ambient.id for ambient in plant.ambients)
            ids.update(scene.id for scene in plant.scenes)
        for sm_plant in self.smarther_plants.values():
            ids.update(sm_plant.thermostats)
        return ids

    def snapshot(
        self, now: datetime, travel_time: float, activation_format: str
    ) -> dict[str, Any]:
        """Return the whole current state, for the control API."""
        return {
            "homecontrol": {
                plant.id: plant.snapshot(now, travel_time)
                for plant in self.hc_plants.values()
            },
            "smarther": {
                plant.id: {
                    "id": plant.id,
                    "name": plant.name,
                    "owner": plant.owner,
                    "timezone": plant.zone.key,
                    "online": plant.online,
                    "thermostats": {
                        t.id: t.snapshot(now, plant.zone)
                        | {"status": t.status(now, plant.zone, activation_format)}
                        for t in plant.thermostats.values()
                    },
                }
                for plant in self.smarther_plants.values()
            },
            "subscriptions": [
                s.listing() | {"owner": s.owner, "validated": s.validated}
                for s in self.subscriptions.values()
            ],
        }

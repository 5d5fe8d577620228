"""The accounts the benchmark runs on: small, medium and large, generated alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.generate import generate_scenario


@dataclass(frozen=True, kw_only=True)
class Account:
    """An account shape: Home + Control plants of some modules, and Smarther thermostats."""

    name: str
    plants: int
    modules: int
    thermostat_plants: int
    thermostats: int

    def scenario(self) -> dict[str, Any]:
        """Return the simulator scenario of this account."""
        return generate_scenario(
            self.plants,
            self.modules,
            thermostat_plants=self.thermostat_plants,
            thermostats=self.thermostats,
        )

    @property
    def description(self) -> str:
        """Return the account's shape in words."""
        return (
            f"{self.plants} Home + Control plant(s) x {self.modules} modules, "
            f"{self.thermostat_plants * self.thermostats} thermostat(s)"
        )


ACCOUNTS: dict[str, Account] = {
    account.name: account
    for account in (
        Account(name="S", plants=1, modules=10, thermostat_plants=1, thermostats=1),
        Account(name="M", plants=2, modules=10, thermostat_plants=1, thermostats=3),
        Account(name="L", plants=10, modules=100, thermostat_plants=1, thermostats=10),
    )
}

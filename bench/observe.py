"""Tell when each side shows a change: what a change sets, and pending changes per device."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .stats import Observed

# What each family's change is judged by: a view maps a module id to what the side shows.
type View = Callable[[str], Any]


@dataclass(slots=True)
class Target:
    """What a change sets on a device: the value the side must show for it to be seen."""

    module_id: str
    value: Any


def change_body(
    family: str, current: Mapping[str, Any], index: int
) -> tuple[dict[str, Any], Any]:
    """Return the physical change to make on a device and the value a side then shows.

    Switches toggle, shutters go to the other end, thermostats take a new manual set point.
    """
    if family in {"light", "plug"}:
        on = current.get("status") != "on"
        return {"status": "on" if on else "off"}, on
    if family == "shutter":
        level = (
            0 if (current.get("position") or current.get("level") or 0) > 50 else 100
        )
        return {"level": level}, level
    now = current.get("set_point")
    point = 18.0 + (index % 12) * 0.5
    if now is not None and abs(float(now) - point) < 0.01:
        point += 0.5
    return {"mode": "manual", "setPoint": point}, point


class Pending:
    """The changes one side has not shown yet, by device; the latest one decides."""

    def __init__(self) -> None:
        """Start with nothing pending."""
        self._by_module: dict[str, tuple[Any, list[Observed]]] = {}
        self.observed: list[Observed] = []

    def add(self, module_id: str, family: str, at: float, value: Any) -> None:
        """Record a change; earlier unseen changes of the device are seen with this one."""
        item = Observed(family=family, at=at)
        self.observed.append(item)
        earlier = self._by_module.get(module_id, (None, []))[1]
        self._by_module[module_id] = (value, [*earlier, item])

    def check(self, view: View, now: float) -> int:
        """Mark as seen every pending change whose device now shows its value; return how many."""
        seen = 0
        for module_id, (value, items) in list(self._by_module.items()):
            if _same(view(module_id), value):
                for item in items:
                    item.seen_at = now
                seen += len(items)
                del self._by_module[module_id]
        return seen

    def __len__(self) -> int:
        """Return how many devices have an unseen change."""
        return len(self._by_module)


def _same(shown: Any, value: Any) -> bool:
    """Return whether a shown value is the changed one (set points compare to 0.01)."""
    if isinstance(value, float) and isinstance(shown, int | float):
        return abs(float(shown) - value) < 0.01
    return bool(shown == value)

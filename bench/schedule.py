"""The baseline's schedule: the former home_plus_control integration plus thermostat polls."""

from __future__ import annotations

from dataclasses import dataclass

# What the baseline reads and how often (seconds): the plants list every 2 h, each plant's
# topology hourly, each plant's status every 300 s, each thermostat every 15 minutes.
BASELINE_INTERVALS: dict[str, float] = {
    "plants": 7200.0,
    "topology": 3600.0,
    "status": 300.0,
    "thermostats": 900.0,
}
# The order in which tasks due at the same moment run: what a plant is comes before its state.
ORDER = ("plants", "topology", "status", "thermostats")


@dataclass(slots=True)
class Periodic:
    """A task that falls due every `interval` seconds, first at `next_at`."""

    name: str
    interval: float
    next_at: float


class BaselineSchedule:
    """When each of the baseline's reads falls due; everything is read once at start."""

    def __init__(
        self, start: float, intervals: dict[str, float] = BASELINE_INTERVALS
    ) -> None:
        """Make every task due at `start`."""
        self.tasks = [
            Periodic(name, intervals[name], start)
            for name in ORDER
            if name in intervals
        ]

    def next_due(self) -> float:
        """Return when the next task falls due."""
        return min(task.next_at for task in self.tasks)

    def pop_due(self, now: float) -> list[str]:
        """Return the tasks due at `now`, in order, and schedule each one's next run."""
        due: list[str] = []
        for task in self.tasks:
            if task.next_at <= now:
                due.append(task.name)
                while task.next_at <= now:
                    task.next_at += task.interval
        return due

"""What one benchmark run measured, for both sides, as plain data that JSON can carry."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .stats import CallSeries, Staleness


@dataclass(slots=True, kw_only=True)
class SideResult:
    """One side's day: calls, refusals, blind time, staleness, writes, setup and command costs."""

    calls: int = 0
    refused: int = 0
    blind_minutes: float = 0.0
    blind_from: float | None = None
    staleness: dict[str, Staleness] = field(default_factory=dict)
    hourly_staleness: list[float | None] = field(default_factory=list)
    series: CallSeries = field(default_factory=CallSeries)
    setup_calls: int = 0
    restart_calls: int = 0
    calls_per_command: float | None = None
    refreshes: int = 0
    # Scheduled refreshes that made more calls than the coordinator planned for them.
    over_plan: int = 0
    writes_per_refresh: float | None = None


@dataclass(slots=True, kw_only=True)
class CpuResult:
    """CPU seconds of one refresh where nothing changed, writing what changed or everything."""

    entities: int = 0
    refresh_changed_only: float = 0.0
    refresh_write_all: float = 0.0
    fanout_changed_only: float = 0.0
    fanout_write_all: float = 0.0
    writes_changed_only: float = 0.0
    writes_write_all: float = 0.0
    # As the code was when the issue was filed: every entity written, modules found by a scan.
    refresh_before: float = 0.0
    fanout_before: float = 0.0
    # The integration's own share of each refresh: the simulated cloud's answers taken out.
    own_changed_only: float = 0.0
    own_write_all: float = 0.0
    own_before: float = 0.0


@dataclass(slots=True, kw_only=True)
class RunResult:
    """One account with push off or on: ours, the baseline, the changes, the CPU figures."""

    account: str
    push: bool
    start: float
    end: float
    changes: dict[str, int]
    ours: SideResult
    baseline: SideResult
    cpu: CpuResult

    def to_json(self) -> dict[str, Any]:
        """Return the run as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResult:
        """Rebuild a run from what `to_json` gave."""

        def side(raw: dict[str, Any]) -> SideResult:
            """Rebuild one side."""
            return SideResult(
                **{
                    **raw,
                    "staleness": {
                        key: Staleness(**value)
                        for key, value in raw["staleness"].items()
                    },
                    "series": CallSeries(**raw["series"]),
                }
            )

        return cls(
            account=data["account"],
            push=data["push"],
            start=data["start"],
            end=data["end"],
            changes=data["changes"],
            ours=side(data["ours"]),
            baseline=side(data["baseline"]),
            cpu=CpuResult(**data["cpu"]),
        )


def result_name(account: str, push: bool) -> str:
    """Return the name of the file a run's results are kept in."""
    return f"{account}-{'push' if push else 'poll'}.json"

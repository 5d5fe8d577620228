"""Whether two days of the same seed are the same day: every figure but the CPU seconds."""

from __future__ import annotations

from typing import Any

from .results import RunResult

# CPU seconds are measurements of the machine, not decisions of the integration: two runs of
# the same day differ there, and only there. The rest of the CPU result (entities, state writes)
# is compared.
CPU_SECONDS = frozenset(
    {
        "refresh_changed_only",
        "refresh_write_all",
        "refresh_before",
        "fanout_changed_only",
        "fanout_write_all",
        "fanout_before",
        "own_changed_only",
        "own_write_all",
        "own_before",
    }
)


def comparable(result: RunResult) -> dict[str, Any]:
    """Return what a run measured, as JSON, without its CPU seconds."""
    data = result.to_json()
    data["cpu"] = {
        key: value for key, value in data["cpu"].items() if key not in CPU_SECONDS
    }
    return data


def differences(first: Any, second: Any, path: str = "") -> list[str]:
    """Return where two JSON values differ, one line per difference, by path."""
    if isinstance(first, dict) and isinstance(second, dict):
        found: list[str] = []
        for key in sorted(first.keys() | second.keys()):
            where = f"{path}.{key}" if path else str(key)
            if key not in first or key not in second:
                found.append(
                    f"{where}: only in the {'second' if key in second else 'first'} run"
                )
                continue
            found += differences(first[key], second[key], where)
        return found
    if isinstance(first, list) and isinstance(second, list):
        if len(first) != len(second):
            return [f"{path}: {len(first)} items against {len(second)}"]
        found = []
        for index, (one, other) in enumerate(zip(first, second, strict=True)):
            found += differences(one, other, f"{path}[{index}]")
        return found
    if first != second:
        return [f"{path}: {first!r} against {second!r}"]
    return []


def compare_runs(first: RunResult, second: RunResult) -> list[str]:
    """Return where two runs of the same day differ, CPU seconds left out."""
    return differences(comparable(first), comparable(second))

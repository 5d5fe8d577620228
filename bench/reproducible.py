"""Whether two days of the same seed are the same day: every figure but the CPU seconds.

`python -m bench.reproducible FOLDER FOLDER` compares the results two runs of `scripts/bench
--results FOLDER` kept, file by file, and exits 1 if they differ.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys
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


def compare_folders(first: Path, second: Path) -> list[str]:
    """Return where the runs kept in two folders differ, CPU seconds left out."""
    found: list[str] = []
    names = sorted(
        {p.name for p in first.glob("*.json")} | {p.name for p in second.glob("*.json")}
    )
    if not names:
        return [f"no results in {first} nor in {second}"]
    for name in names:
        one, other = first / name, second / name
        if not one.is_file() or not other.is_file():
            found.append(
                f"{name}: only in {one.parent if one.is_file() else other.parent}"
            )
            continue
        found += [f"{name}: {line}" for line in compare_runs(_read(one), _read(other))]
    return found


def _read(path: Path) -> RunResult:
    """Read one run's results."""
    return RunResult.from_json(json.loads(path.read_text(encoding="utf-8")))


def main(argv: list[str]) -> int:
    """Compare two folders of results; print where they differ."""
    if len(argv) != 2:
        sys.stderr.write("usage: python -m bench.reproducible FOLDER FOLDER\n")
        return 2
    found = compare_folders(Path(argv[0]), Path(argv[1]))
    sys.stdout.write("".join(f"{line}\n" for line in found))
    if found:
        return 1
    sys.stdout.write("the same figures, CPU seconds left out\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The client package stands alone: no Home Assistant, only the standard library and aiohttp."""

from __future__ import annotations

import ast
from pathlib import Path
import sys

import custom_components.legrand_eliot.eliot as eliot_package

PACKAGE = Path(eliot_package.__file__).parent
# The packages the client may use besides the standard library (aiohttp brings yarl).
THIRD_PARTY = {"aiohttp", "yarl"}


def imports_of(path: Path) -> list[tuple[str, int]]:
    """Return every imported module of a file with its relative level."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def test_the_package_has_modules_to_scan() -> None:
    """The scan looks at the real package, so it cannot pass by finding nothing."""
    names = {path.name for path in PACKAGE.glob("*.py")}

    assert {
        "__init__.py",
        "client.py",
        "transport.py",
        "quota.py",
        "exceptions.py",
    } <= names
    assert (PACKAGE / "py.typed").exists()


def test_no_home_assistant_import() -> None:
    """No module of the package imports Home Assistant or reaches outside the package."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, level in imports_of(path):
            top = module.split(".")[0]
            if level > 1:
                offenders.append(f"{path.name}: reaches outside the package ({module})")
            elif level == 0 and top == "homeassistant":
                offenders.append(f"{path.name}: imports {module}")
            elif level == 0 and top not in sys.stdlib_module_names | THIRD_PARTY | {
                "__future__"
            }:
                offenders.append(f"{path.name}: depends on {module}")

    assert offenders == []


def test_the_scan_would_catch_an_offender(tmp_path: Path) -> None:
    """The import reader sees both import forms and relative levels."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import homeassistant.core\nfrom homeassistant import const\nfrom ..const import DOMAIN\n",
        encoding="utf-8",
    )

    assert imports_of(sample) == [
        ("homeassistant.core", 0),
        ("homeassistant", 0),
        ("const", 2),
    ]

"""Tests that every language says everything, with the same placeholders."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import pytest

COMPONENT = Path(__file__).parent.parent / "custom_components" / "legrand_eliot"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _load(name: str) -> dict[str, Any]:
    return json.loads((COMPONENT / name).read_text(encoding="utf-8"))


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(_flatten(value, path))
        else:
            flat[path] = value
    return flat


def test_english_is_the_source() -> None:
    """translations/en.json is strings.json, since custom integrations are not built."""
    assert _load("translations/en.json") == _load("strings.json")


def test_no_unresolved_references() -> None:
    """No text relies on core's [%key:...] references, which custom integrations never resolve."""
    for path, text in _flatten(_load("strings.json")).items():
        assert "[%key:" not in text, path


@pytest.mark.parametrize("language", ["fr", "it"])
def test_every_text_is_translated(language: str) -> None:
    """French and Italian have every key of English, no more, with the same placeholders."""
    english = _flatten(_load("strings.json"))
    other = _flatten(_load(f"translations/{language}.json"))
    assert set(other) == set(english)
    for path, text in english.items():
        assert set(PLACEHOLDER.findall(other[path])) == set(
            PLACEHOLDER.findall(text)
        ), path
        assert other[path].strip(), path

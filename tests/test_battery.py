"""The battery words remotes report, and which of them mean low."""

from __future__ import annotations

import pytest

from custom_components.legrand_eliot.battery import battery_level, battery_low
from custom_components.legrand_eliot.eliot.home_control_models import ModuleState


@pytest.mark.parametrize(
    ("word", "level", "low"),
    [
        ("full", "full", False),
        ("max", "full", False),
        ("high", "high", False),
        ("medium", "medium", False),
        ("low", "low", True),
        ("very_low", "very_low", True),
        ("very low", "very_low", True),
        ("verylow", "very_low", True),
        ("critical", None, None),
        (None, None, None),
    ],
)
def test_battery_words(word: str | None, level: str | None, low: bool | None) -> None:
    """Known words and their aliases are read; an unknown word or none reads as unknown."""
    state = ModuleState(module_id="r", kind="remote", reachable=True, battery=word)
    assert battery_level(state) == level
    assert battery_low(state) is low

"""Command bodies built and checked before anything is sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.legrand_eliot.eliot.commands import (
    activation_time,
    automatic_body,
    boost_body,
    level_body,
    manual_body,
    off_body,
    protection_body,
    scene_body,
    status_body,
    stop_body,
)
from custom_components.legrand_eliot.eliot.exceptions import EliotInvalidValueError

from .conftest import NOON

ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("build", "body"),
    [
        (lambda: status_body(True), {"status": "on"}),
        (lambda: level_body(0), {"level": 0}),
        (stop_body, {"level": -1}),
        (scene_body, {"enable": True}),
        (
            lambda: automatic_body("HEATING", 0),
            {"function": "heating", "mode": "automatic", "programs": [{"number": 0}]},
        ),
        (
            lambda: manual_body("cooling", 3, None, ROME),
            {
                "function": "cooling",
                "mode": "manual",
                "setPoint": {"value": "3.0", "unit": "C"},
            },
        ),
        (
            lambda: boost_body("heating", 90, NOON, ROME),
            {
                "function": "heating",
                "mode": "boost",
                "activationTime": "2026-11-25T13:00:00/2026-11-25T14:30:00",
            },
        ),
        (
            lambda: off_body("heating", NOON, UTC),
            {
                "function": "heating",
                "mode": "off",
                "activationTime": "2026-11-25T12:00:00",
            },
        ),
        (
            lambda: protection_body("cooling"),
            {"function": "cooling", "mode": "protection"},
        ),
    ],
)
def test_bodies(build: Callable[[], dict[str, Any]], body: dict[str, Any]) -> None:
    """Each command's body, with lowercase words and plant-local times without a zone."""
    assert build() == body


@pytest.mark.parametrize(
    "build",
    [
        lambda: status_body(1),  # type: ignore[arg-type]
        lambda: level_body(-1),
        lambda: level_body(50.0),  # type: ignore[arg-type]
        lambda: automatic_body("heating", True),  # type: ignore[arg-type]
        lambda: automatic_body("off", 1),
        lambda: manual_body("heating", float("inf"), None, ROME),
        lambda: boost_body("heating", 0, NOON, ROME),
        lambda: activation_time("2026-11-25", ROME),  # type: ignore[arg-type]
    ],
)
def test_refusals(build: Callable[[], dict[str, Any]]) -> None:
    """A value the API would refuse, or misread, never becomes a body."""
    with pytest.raises(EliotInvalidValueError):
        build()


def test_a_naive_moment_is_already_plant_local() -> None:
    """Only a moment with a zone is moved into the plant's zone."""
    naive = datetime(2026, 7, 1, 8, 0)

    assert activation_time(naive, ROME) == "2026-07-01T08:00:00"
    assert activation_time(naive.replace(tzinfo=UTC), ROME) == "2026-07-01T10:00:00"

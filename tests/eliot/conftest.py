"""Fixtures for tests that run without Home Assistant."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the root fixture: these tests never start Home Assistant."""
    return

"""A simulated Works with Legrand cloud: login server, API gateway, both APIs and push."""

from __future__ import annotations

from .app import create_app
from .cloud import SimulatedCloud
from .keys import CLOUD

__all__ = ["CLOUD", "SimulatedCloud", "create_app"]

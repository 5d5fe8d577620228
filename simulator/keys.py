"""Typed keys under which the application and its requests carry the simulator's objects."""

from __future__ import annotations

from aiohttp import web

from .cloud import SimulatedCloud
from .tokens import AccessGrant

CLOUD = web.AppKey("cloud", SimulatedCloud)
GRANT = web.RequestKey("grant", AccessGrant)

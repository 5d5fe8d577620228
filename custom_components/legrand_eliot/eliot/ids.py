"""Stand-ins for plant and module ids, so that logs and diagnostics never show a real one."""

from __future__ import annotations

import hashlib


def hashed_id(value: str) -> str:
    """Return a short stable stand-in for an id: the same id gives the same one everywhere."""
    return "id-" + hashlib.sha256(value.encode()).hexdigest()[:10]

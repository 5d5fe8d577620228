"""What a loaded entry keeps, and the type of the integration's config entries."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .coordinator import LegrandEliotCoordinator
from .eliot import EliotClient
from .webhook import EliotPush

type LegrandEliotConfigEntry = ConfigEntry[LegrandEliotRuntimeData]


@dataclass(slots=True)
class LegrandEliotRuntimeData:
    """What a loaded entry keeps: the client, the coordinator and push."""

    client: EliotClient
    coordinator: LegrandEliotCoordinator
    push: EliotPush | None = None

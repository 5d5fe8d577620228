"""Seeded draws: the random choices Home Assistant makes are the same at every run of a seed.

Each coordinator staggers its refreshes by a random fraction of a second (0.05 to 0.5 s, drawn
when it is built), and a setup that failed is retried after a random delay. Unseeded, two runs of
the same virtual day refresh at moments a fraction of a second apart, and each run's figures
differ. The coordinators' stagger gets a generator of its own, so that it does not depend on how
many other draws (event and device ids) Home Assistant made before.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import random
from unittest.mock import patch


@contextlib.contextmanager
def seeded_draws(seed: int) -> Iterator[None]:
    """Seed Home Assistant's draws for as long as the context lasts."""
    random.seed(seed)
    stagger = random.Random(seed)
    with patch("homeassistant.helpers.update_coordinator.randint", stagger.randint):
        yield

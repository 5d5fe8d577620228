"""Fixed moments the tests run at: no test reads the machine's clock."""

from __future__ import annotations

from datetime import UTC, datetime

# A Wednesday, 10:00 in Rome where the demo's thermostats are: the simulated cloud builds its
# scenario here and Home Assistant's tests start with time frozen here.
START = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)

"""Tests for the retries after a passing failure: a minute, then a share of the failures' length."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from custom_components.legrand_eliot.backoff import (
    RETRY_MIN,
    RetryBackoff,
    is_transient,
)
from custom_components.legrand_eliot.eliot.exceptions import (
    EliotAppPasswordExpiredError,
    EliotConnectionError,
    EliotNotFoundError,
    EliotQuotaExceededError,
    EliotResponseError,
    EliotServerError,
    EliotTimeoutError,
)

START = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (EliotConnectionError("down"), True),
        (EliotTimeoutError("slow"), True),
        (EliotServerError("503", status=503), True),
        (EliotNotFoundError("offline", status=404), False),
        (EliotResponseError("garbled"), False),
        (EliotAppPasswordExpiredError("469", status=469), False),
        (EliotQuotaExceededError("quota", resume_at=START), False),
    ],
)
def test_only_passing_failures_are_retried_early(
    error: Exception, transient: bool
) -> None:
    """Network errors, timeouts and 5xx pass; an offline gateway, a quota or the app do not."""
    assert is_transient(error) is transient


def test_retries_every_minute_then_more_slowly() -> None:
    """A minute after each failure for the first minutes, then a quarter of the outage."""
    backoff = RetryBackoff()
    moment = START
    waits = []
    for _ in range(10):
        retry_at = backoff.failed("plant", moment)
        waits.append((retry_at - moment).total_seconds())
        moment = retry_at
    assert waits[:5] == [60, 60, 60, 60, 60]
    assert waits[5] == 75
    assert all(later > earlier for earlier, later in pairwise(waits[5:]))
    # A 4-minute outage is followed within a minute; a 40-minute one within 10 minutes.
    assert max(waits) <= 0.25 * (moment - START).total_seconds()


def test_a_success_ends_the_run() -> None:
    """After a success, the next failure starts again at a minute."""
    backoff = RetryBackoff()
    for minutes in range(0, 60, 5):
        backoff.failed("plant", START + timedelta(minutes=minutes))
    assert backoff.retry_at("plant") == START + timedelta(minutes=55, seconds=825)
    backoff.answered("plant", START + timedelta(hours=1))
    assert backoff.retry_at("plant") is None
    assert not backoff
    later = START + timedelta(hours=2)
    assert backoff.failed("plant", later) == later + RETRY_MIN


def test_left_out_retries_keep_pace_with_the_outage() -> None:
    """A retry left out because the cloud just failed counts as a failure of its own."""
    backoff = RetryBackoff()
    backoff.failed("thermostat", START)
    backoff.postpone("thermostat", START + timedelta(minutes=10))
    assert backoff.retry_at("thermostat") == START + timedelta(minutes=12, seconds=30)
    # Only a failing source is postponed.
    backoff.postpone("plant", START)
    assert backoff.retry_at("plant") is None


def test_forgets_sources_that_left() -> None:
    """Sources no longer known are forgotten; a clock going back starts a new run."""
    backoff = RetryBackoff()
    backoff.failed("gone", START)
    backoff.failed("kept", START)
    backoff.forget(["kept"])
    assert len(backoff) == 1
    assert backoff.retry_at("gone") is None
    earlier = START - timedelta(hours=1)
    assert backoff.failed("kept", earlier) == earlier + RETRY_MIN


def test_an_answer_brings_the_other_retries_forward() -> None:
    """Once one failing source answers, the cloud is back: the others are tried at once."""
    backoff = RetryBackoff()
    for minutes in range(0, 120, 10):
        backoff.failed("plant", START + timedelta(minutes=minutes))
        backoff.failed("thermostat", START + timedelta(minutes=minutes))
    back = START + timedelta(minutes=115)
    assert backoff.retry_at("thermostat") > back
    backoff.answered("plant", back)
    assert backoff.retry_at("thermostat") == back
    # A source that was not failing brings nothing forward.
    backoff.failed("thermostat", back)
    backoff.answered("meter", back + timedelta(seconds=1))
    assert backoff.retry_at("thermostat") == back + timedelta(minutes=28, seconds=45)

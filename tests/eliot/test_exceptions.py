"""The client's exceptions: a message that names the route and status, never a real URL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.legrand_eliot.eliot.exceptions import (
    EliotCommandBudgetError,
    EliotConnectionError,
    EliotError,
    EliotForbiddenError,
    EliotInvalidValueError,
    EliotQuotaExceededError,
    EliotServerError,
    EliotTimeoutError,
)

from .conftest import THERMOSTAT_ROUTE

ENDPOINT = f"GET {THERMOSTAT_ROUTE}"
RESUME = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (EliotError(), "Eliot API error"),
        (EliotServerError(), "The Legrand cloud failed"),
        (EliotError("Broken", endpoint=ENDPOINT), f"Broken ({ENDPOINT})"),
        (EliotError("Broken", status=500), "Broken (HTTP 500)"),
        (
            EliotServerError(endpoint=ENDPOINT, status=502),
            f"The Legrand cloud failed ({ENDPOINT}, HTTP 502)",
        ),
        (
            EliotQuotaExceededError(status=429, resume_at=RESUME, daily=False),
            "The call quota is used up (HTTP 429); calls resume at 2026-11-26T00:00:00+00:00",
        ),
    ],
)
def test_the_message_names_what_is_known(error: EliotError, text: str) -> None:
    """The detail, or the class's default, then the route and the status when there are."""
    assert str(error) == text


def test_each_error_keeps_what_it_was_told() -> None:
    """Status, route, scope and resume moment are kept as attributes for the caller."""
    forbidden = EliotForbiddenError(endpoint=ENDPOINT, status=403, scope="plug.write")
    budget = EliotCommandBudgetError(resume_at=RESUME)

    assert (forbidden.endpoint, forbidden.status, forbidden.scope) == (
        ENDPOINT,
        403,
        "plug.write",
    )
    assert forbidden.detail == EliotForbiddenError.default_message
    assert (budget.resume_at, budget.daily, budget.status) == (RESUME, True, None)
    assert isinstance(budget, EliotQuotaExceededError)


def test_the_hierarchy_lets_callers_catch_broadly() -> None:
    """A timeout is a connection error; a refused value is also a ValueError."""
    assert issubclass(EliotTimeoutError, EliotConnectionError)
    assert isinstance(EliotInvalidValueError(), ValueError)

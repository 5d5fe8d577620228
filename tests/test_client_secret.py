"""The client secret's repairs on their own: raised, cleared, and its age recorded and warned of."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.legrand_eliot.client_secret import (
    CONF_SECRET_FIRST_USED,
    SECRET_LIFETIME,
    WARNING_AHEAD,
    check_secret_age,
    first_used,
    secret_accepted,
    secret_refused,
    secret_renewed,
)
from custom_components.legrand_eliot.const import DOMAIN

from .moments import START
from .secrets_expiry import EXPIRED, EXPIRING, secret_issue

# The first moment the warning is due: four weeks before a year since the first use.
WARNING_DUE = SECRET_LIFETIME - WARNING_AHEAD


@pytest.fixture
def entry(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> MockConfigEntry:
    """Return an entry signing in with the stored credential "legrand_eliot_app"."""
    freezer.move_to(START)
    added = MockConfigEntry(
        domain=DOMAIN, data={"auth_implementation": "legrand_eliot_app"}
    )
    added.add_to_hass(hass)
    return added


def _checked_after(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    age: timedelta,
) -> None:
    """Check the secret's age at its first use, then again `age` after it."""
    check_secret_age(hass, entry)
    freezer.move_to(START + age)
    check_secret_age(hass, entry)


async def test_the_first_use_is_recorded_once_per_credential(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """The first token with a credential is recorded, named by credential, never the secret."""
    assert first_used(hass, entry) == START
    freezer.tick(timedelta(days=30))
    assert first_used(hass, entry) == START
    assert entry.data[CONF_SECRET_FIRST_USED] == {
        "credential": "legrand_eliot_app",
        "first_used": START.isoformat(),
    }

    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "auth_implementation": "legrand_eliot_app_2"}
    )
    assert first_used(hass, entry) == START + timedelta(days=30)
    assert entry.data[CONF_SECRET_FIRST_USED]["credential"] == "legrand_eliot_app_2"


async def test_another_account_with_the_same_credential_used_it_first(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Two accounts linked with one application: the secret's age is the older record."""
    first_used(hass, entry)
    freezer.tick(timedelta(days=100))
    other = MockConfigEntry(
        domain=DOMAIN, data={"auth_implementation": "legrand_eliot_app"}
    )
    other.add_to_hass(hass)

    assert first_used(hass, other) == START


async def test_an_entry_without_a_stored_credential_has_no_age(
    hass: HomeAssistant,
) -> None:
    """No credential named in the entry: nothing recorded, nothing warned of."""
    bare = MockConfigEntry(domain=DOMAIN, data={})
    bare.add_to_hass(hass)

    check_secret_age(hass, bare)

    assert first_used(hass, bare) is None
    assert CONF_SECRET_FIRST_USED not in bare.data
    assert secret_issue(hass, bare, EXPIRING) is None


async def test_the_warning_comes_four_weeks_before_the_year(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Not a minute early; then a warning with the first use and the estimated end."""
    _checked_after(hass, entry, freezer, WARNING_DUE - timedelta(minutes=1))
    assert secret_issue(hass, entry, EXPIRING) is None

    freezer.tick(timedelta(minutes=1))
    check_secret_age(hass, entry)

    warning = secret_issue(hass, entry, EXPIRING)
    assert warning is not None
    assert warning.severity is ir.IssueSeverity.WARNING
    assert warning.is_fixable
    assert warning.translation_placeholders == {
        "first_used": "2026-01-14",
        "expires": "2027-01-14",
    }


async def test_a_new_credential_clears_the_warning(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """The secret changed (a new stored credential): it ages from now, the warning goes."""
    _checked_after(hass, entry, freezer, WARNING_DUE)
    assert secret_issue(hass, entry, EXPIRING) is not None

    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "auth_implementation": "legrand_eliot_app_2"}
    )
    check_secret_age(hass, entry)

    assert secret_issue(hass, entry, EXPIRING) is None


async def test_a_refused_secret_raises_its_repair_and_a_token_clears_it(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Refused: the expired repair replaces the warning, said once in the log; a token clears."""
    _checked_after(hass, entry, freezer, SECRET_LIFETIME)

    secret_refused(hass, entry)
    secret_refused(hass, entry)

    expired = secret_issue(hass, entry, EXPIRED)
    assert expired is not None
    assert expired.severity is ir.IssueSeverity.ERROR
    assert expired.is_fixable
    assert secret_issue(hass, entry, EXPIRING) is None
    assert caplog.text.count("no longer accepts the client secret") == 1

    secret_accepted(hass, entry)
    assert secret_issue(hass, entry, EXPIRED) is None
    # Still the same secret, still past its estimated year.
    assert secret_issue(hass, entry, EXPIRING) is not None


async def test_a_renewed_secret_clears_both_repairs(
    hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Renewing the secret in place clears whichever of the two was raised."""
    _checked_after(hass, entry, freezer, WARNING_DUE)
    secret_refused(hass, entry)
    check_secret_age(hass, entry)

    secret_renewed(hass, entry)

    assert secret_issue(hass, entry, EXPIRED) is None
    assert secret_issue(hass, entry, EXPIRING) is None

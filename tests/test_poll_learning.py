"""Tests for what polling learns: change rates, the day profile, and keeping them across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from custom_components.legrand_eliot.poll_learning import (
    DEFAULT_PROFILE,
    ChangeRate,
    DayProfile,
    day_pieces,
    hour_pieces,
    restore_learned,
    sane_profile,
)
from custom_components.legrand_eliot.poll_schedule import PollSchedule

from .polling import busy_and_quiet

ROME = ZoneInfo("Europe/Rome")
HOUR = timedelta(hours=1)


def test_old_observations_fade() -> None:
    """Changes seen long ago weigh less than what is seen now: the estimate follows the home."""
    rate = ChangeRate(prior=0.1)
    rate.observe(30, 10.0, timedelta(hours=10))
    busy = rate.rate
    rate.observe(0, 10.0, timedelta(days=8))
    assert rate.rate < busy / 10


def test_the_day_profile_learns_the_household_hours_within_days() -> None:
    """A household busy at 14:00 is learned within days, and a new habit too.

    The prior counts as one day of the household's changes (24 here): one day already moves the
    hour, more days make it the household's own, three days of another habit win.
    """
    profile = DayProfile(prior_changes=24.0)
    day = datetime(2026, 11, 2, tzinfo=UTC)

    def live(hour: int, days: range) -> None:
        for index in days:
            moment = day + timedelta(days=index, hours=hour)
            pieces = hour_pieces(moment, moment + timedelta(minutes=10), UTC)
            profile.observe(24, pieces, moment + timedelta(minutes=10))

    live(14, range(1))
    one_day = profile.weights[14]
    assert one_day > 2 * DEFAULT_PROFILE[14]
    # The other hours keep a weight: a night change is still seen soon.
    assert min(profile.weights) >= 0.1
    live(14, range(1, 3))
    assert profile.weights[14] > one_day
    assert profile.weights[14] > profile.weights[8]
    assert min(profile.weights) > 0
    assert math.isclose(sum(profile.weights) / 24, 1.0)
    # The household moves its habit to 02:00: three days later that hour leads.
    live(2, range(3, 6))
    assert profile.weights[2] > profile.weights[14]
    # Nothing to learn from: no change, or no time.
    before = profile.weights
    moment = day + timedelta(days=6)
    profile.observe(0, hour_pieces(moment, moment + HOUR, UTC), moment)
    profile.observe(5, [], moment)
    assert profile.weights == before


def test_garbage_profiles_give_the_default() -> None:
    """A profile of the wrong length or of no weight at all is not used."""
    assert sane_profile(None) == DEFAULT_PROFILE
    assert sane_profile([1.0] * 5) == DEFAULT_PROFILE
    assert sane_profile([0.0] * 24) == DEFAULT_PROFILE
    flat = sane_profile([float("nan")] * 23 + [1.0])
    assert math.isclose(sum(flat) / 24, 1.0)
    assert min(flat) > 0


def test_a_dst_day_is_cut_in_local_hours() -> None:
    """The day the clocks go back has 25 local hours: the pieces cover it, and end on time."""
    start = datetime(2026, 10, 25, tzinfo=ROME).astimezone(UTC)
    end = datetime(2026, 10, 26, tzinfo=ROME).astimezone(UTC)
    pieces = day_pieces(start, end, ROME, DEFAULT_PROFILE)
    assert len(pieces) == 25
    assert math.isclose(sum(seconds for seconds, _ in pieces), 25 * 3600)


def _learned_schedule() -> PollSchedule:
    """Return a schedule that learned a busy plant, a quiet one and an afternoon household."""
    return busy_and_quiet(datetime(2026, 11, 25, 14, tzinfo=UTC), reads=29)


def test_what_was_learned_comes_back_after_a_restart() -> None:
    """A new schedule given what an earlier one learned rates and weighs exactly like it."""
    learned = _learned_schedule()
    restarted = PollSchedule(zone=UTC)

    assert restarted.restore_learned(learned.learned()) == 0

    for key in ("busy", "quiet"):
        assert restarted.rate_of(key, 0.5).rate == learned.rates[key].rate
    assert restarted.day.weights == learned.day.weights
    assert restarted.day.weights != DEFAULT_PROFILE
    assert restarted.day.decayed_at == learned.day.decayed_at


def test_an_unusable_kept_value_leaves_the_others_learned() -> None:
    """A damaged rate falls back to its prior alone; damaged hours leave the default profile."""
    kept = _learned_schedule().learned()
    kept["rates"]["quiet"] = ["many", 1.0]
    kept["rates"][""] = [1.0, -1.0]
    restarted = PollSchedule(zone=UTC)

    assert restarted.restore_learned(kept) == 2
    assert restarted.rate_of("busy", 0.5).rate > 0.5
    assert restarted.rate_of("quiet", 0.5).rate == ChangeRate(0.5).rate
    assert restarted.day.weights != DEFAULT_PROFILE

    kept["hours"] = [1.0] * 23
    assert PollSchedule(zone=UTC).restore_learned(kept) == 3
    # Rates that are not a table at all are one unusable value: every source starts afresh.
    kept["rates"] = 5
    assert PollSchedule(zone=UTC).restore_learned(kept) == 2
    assert PollSchedule(zone=UTC).restore_learned({"version": 2}) == 1


@settings(max_examples=200, deadline=None)
@given(
    kept=st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=25)
            | st.dictionaries(
                st.sampled_from(["version", "rates", "hours", "hours_at", "busy", "x"]),
                inner,
                max_size=5,
            )
        ),
        max_leaves=60,
    )
)
def test_any_damage_to_what_was_kept_is_caught(kept: object) -> None:
    """Whatever the store holds, restoring never raises and leaves every weight sane."""
    day, rates = DayProfile(), dict[str, ChangeRate]()
    restore_learned(day, rates, kept)
    restore_learned(day, rates, {"version": 1, "rates": kept, "hours": kept})
    assert len(day.weights) == 24
    assert all(math.isfinite(w) and w > 0 for w in day.weights)
    assert all(math.isfinite(rate.rate) and rate.rate > 0 for rate in rates.values())

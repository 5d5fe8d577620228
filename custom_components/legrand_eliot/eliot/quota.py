"""The daily call budget: what was spent, when it resets, and how often one may poll."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
import logging
import math
from typing import Any

from .const import DEFAULT_DAILY_LIMIT, DEFAULT_RESERVE_FRACTION, POLLING_FLOOR_INTERVAL
from .exceptions import (
    EliotCommandBudgetError,
    EliotInvalidValueError,
    EliotQuotaExceededError,
)
from .ledger import CallFamily, CallLedger
from .parsing import ParseError

_LOGGER = logging.getLogger(__package__)

_DAY = timedelta(days=1)
# How far ahead a stored reset or pause may lie: a day, plus the hour a daylight saving change
# adds to a local day. Anything further is a damaged or forged snapshot.
_PLAUSIBLE_AHEAD = _DAY + timedelta(hours=1)
_SNAPSHOT_VERSION = 1


def _utc_now() -> datetime:
    """Return the current time; the default clock."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class PollingAllowance:
    """What polling may spend until the reset: the time to it, the calls left, those beyond the reserve.

    `left` may all go to the polling floor (one read of every source an hour); `spendable` is what
    is left beyond the reserve kept for commands.
    """

    seconds: float
    left: int
    spendable: float

    def holding_back(self, calls: int) -> PollingAllowance:
        """Return what polling may spend when some calls are held back: fewer left and to spend."""
        left = self.left - calls
        return PollingAllowance(
            seconds=self.seconds,
            left=left,
            spendable=max(0.0, min(self.spendable, left)),
        )

    def even_interval(self, cost: int) -> float:
        """Return the interval of reads of some cost that spend every call left evenly.

        With no call left, a moment beyond the reset.
        """
        if self.left <= 0:
            return self.seconds + 1.0
        return self.seconds * cost / self.left


@dataclass(kw_only=True)
class QuotaBudget:
    """
    The calls one account may still make today, and who may spend them.

    The gateway counts every physical request, retries included, and resets the count once a
    day: at midnight in `time_zone` until the gateway itself tells its own moment (the countdown
    of a "Quota will be replenished in HH:MM:SS" answer). A learned moment is kept in UTC and
    repeats every 24 hours, so it holds across daylight saving changes. When the gateway says the
    quota is gone, `paused_until` holds the moment calls may resume and nothing is sent before.

    Every call is checked before it is sent (`check`): nothing goes out once the day's limit is
    spent, so the gateway's own refusal is never how the limit is found. Commands may spend the
    reserve kept for them and then the polling share, but never the polling floor: the calls of
    one refresh an hour (`POLLING_FLOOR_INTERVAL`) until the reset, plus one refresh of margin,
    so entities stay at most about an hour old whatever automations do. The poller sets
    `floor_calls_per_hour`: one refresh's calls and its share of the rarer reads.
    """

    daily_limit: int = DEFAULT_DAILY_LIMIT
    time_zone: tzinfo = UTC
    clock: Callable[[], datetime] = field(default=_utc_now, repr=False)
    floor_calls_per_hour: int = 1
    used: int = field(default=0, init=False)
    reset_at: datetime = field(init=False)
    reset_learned: bool = field(default=False, init=False)
    paused_until: datetime | None = field(default=None, init=False)
    paused_daily: bool = field(default=False, init=False)
    # How today's calls were spent, for diagnostics; kept in the snapshot.
    ledger: CallLedger = field(default_factory=CallLedger, init=False, repr=False)

    def __post_init__(self) -> None:
        """Check the limit and place the first reset at the coming local midnight."""
        if isinstance(self.daily_limit, bool) or not isinstance(self.daily_limit, int):
            raise EliotInvalidValueError("The daily limit must be a whole number")
        if self.daily_limit < 1:
            raise EliotInvalidValueError("The daily limit must be at least 1")
        self.reset_at = self._next_local_midnight(self.now())

    def now(self) -> datetime:
        """Return the clock's time, as an aware datetime."""
        moment = self.clock()
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    @property
    def calls_used(self) -> int:
        """Return the calls spent since the last reset."""
        self._roll(self.now())
        return self.used

    @property
    def calls_left(self) -> int:
        """Return the calls left until the next reset."""
        self._roll(self.now())
        return max(0, self.daily_limit - self.used)

    @property
    def is_paused(self) -> bool:
        """Return whether the gateway said no call may be made yet."""
        self._roll(self.now())
        return self.paused_until is not None

    def polling_floor(self, now: datetime | None = None) -> int:
        """
        Return the calls commands must leave to polling until the reset.

        One refresh an hour until the reset, plus one (the margin absorbs a refresh planned
        before the last commands, a little early); but never more than polling's share of a
        small budget, the part beyond the command reserve for the hours left, so that commands
        always keep their reserve.
        """
        if now is None:
            now = self.now()
            self._roll(now)
        remaining = max(0.0, (self.reset_at - now).total_seconds())
        hours = math.ceil(remaining / POLLING_FLOOR_INTERVAL.total_seconds())
        hourly = (hours + 1) * max(0, self.floor_calls_per_hour)
        share = math.floor(
            (1 - DEFAULT_RESERVE_FRACTION)
            * self.daily_limit
            * min(1.0, remaining / _DAY.total_seconds())
        )
        return min(hourly, share)

    def calls_beyond_floor(self) -> int:
        """Return the calls that may still go outside the schedule before the polling floor."""
        now = self.now()
        self._roll(now)
        return self._command_room(now)

    def can_spare_call(self) -> bool:
        """Return whether a call outside the schedule leaves the commands' whole reserve."""
        return (
            not self.is_paused
            and self.calls_left > self.daily_limit * DEFAULT_RESERVE_FRACTION
        )

    def commands_allowed(self) -> bool:
        """Return whether a command may be sent now without eating into the polling floor."""
        now = self.now()
        self._roll(now)
        return self.paused_until is None and self._command_room(now) > 0

    def check(self, *, command: bool, endpoint: str | None = None) -> None:
        """Raise the quota error that forbids sending this call now; return if it may go."""
        now = self.now()
        self._roll(now)
        try:
            self._check(now, command=command, endpoint=endpoint)
        except EliotQuotaExceededError:
            self.ledger.held_back += 1
            raise

    def _check(self, now: datetime, *, command: bool, endpoint: str | None) -> None:
        """Raise the quota error that forbids sending a call at `now`."""
        if self.paused_until is not None:
            raise EliotQuotaExceededError(
                "Call quota exhausted; nothing is sent until it is replenished",
                endpoint=endpoint,
                resume_at=self.paused_until,
                daily=self.paused_daily,
            )
        if self.used >= self.daily_limit:
            raise EliotQuotaExceededError(
                "The daily call budget is spent; nothing is sent until it resets",
                endpoint=endpoint,
                resume_at=self.reset_at,
            )
        if command and self._command_room(now) <= 0:
            raise EliotCommandBudgetError(
                "Commands used up the calls of the day; the rest keeps entities fresh",
                endpoint=endpoint,
                resume_at=self._commands_resume_at(now),
            )

    def charge(self, calls: int = 1, family: CallFamily | None = None) -> None:
        """Count calls that are about to be sent, in the ledger too (by local hour)."""
        now = self.now()
        self._roll(now)
        self.used += calls
        self.ledger.record(now.astimezone(self.time_zone).hour, family, calls)

    def pause(self, until: datetime, *, daily: bool) -> None:
        """
        Stop all calls until `until`.

        When the daily quota is gone (`daily`), the count is full and, when the moment lies
        within a day, it also becomes the reset moment: the gateway knows its own schedule better
        than our guess of local midnight.
        """
        now = self.now()
        self._roll(now)
        self.ledger.refused(now, until, daily=daily)
        if until <= now:
            return
        if self.paused_until is None or until > self.paused_until:
            self.paused_until = until
        self.paused_daily = self.paused_daily or daily
        if daily:
            self.used = max(self.used, self.daily_limit)
            if until - now <= _DAY:
                # Whole seconds, rounded up: never a reset a moment before the gateway's own.
                whole = until.replace(microsecond=0)
                if whole < until:
                    whole += timedelta(seconds=1)
                self.reset_at = whole.astimezone(UTC)
                self.reset_learned = True
        _LOGGER.debug("Calls paused until %s", self.paused_until)

    def polling_allowance(
        self,
        reserve_fraction: float = DEFAULT_RESERVE_FRACTION,
        now: datetime | None = None,
        *,
        set_aside: int = 0,
    ) -> PollingAllowance:
        """
        Return what polling may spend until the reset.

        The reserve for commands is `reserve_fraction` of the daily limit scaled to the part of
        the day that is left; `set_aside` calls are kept for reads the poller knows will come
        before the reset. While paused, nothing may be spent.
        """
        now = self.now() if now is None else now
        self._roll(now)
        remaining = max(0.0, (self.reset_at - now).total_seconds())
        if self.paused_until is not None:
            return PollingAllowance(seconds=remaining, left=0, spendable=0.0)
        reserve = (
            min(max(reserve_fraction, 0.0), 1.0)
            * self.daily_limit
            * min(1.0, remaining / _DAY.total_seconds())
        )
        left = max(0, self.daily_limit - self.used - max(0, set_aside))
        return PollingAllowance(
            seconds=remaining, left=left, spendable=max(0.0, left - reserve)
        )

    def snapshot(self) -> dict[str, Any]:
        """Return the state as JSON-friendly values, for storage across restarts."""
        self._roll(self.now())
        return {
            "version": _SNAPSHOT_VERSION,
            "daily_limit": self.daily_limit,
            "used": self.used,
            "reset_at": self.reset_at.astimezone(UTC).isoformat(),
            "reset_learned": self.reset_learned,
            "paused_until": None
            if self.paused_until is None
            else self.paused_until.isoformat(),
            "paused_daily": self.paused_daily,
            "ledger": self.ledger.snapshot(),
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """
        Take back a stored snapshot, or raise `ParseError` and change nothing.

        The limit stays the configured one. A snapshot from a past day keeps only a learned
        reset time. A damaged or implausible snapshot (another version, wrong types, dates out
        of range, a reset or a pause more than a day ahead) is refused whole; the caller keeps
        the budget as it is and says so once.
        """
        try:
            restored = self._read_snapshot(data, self.now())
        except ParseError:
            raise
        except (
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            OverflowError,
        ) as err:
            # Only the kind of failure: the message of a foreign error may quote the value.
            raise ParseError(f"unreadable ({type(err).__name__})") from err
        (
            self.used,
            self.reset_at,
            self.reset_learned,
            self.paused_until,
            self.paused_daily,
        ) = restored
        # Read on its own: a ledger that cannot be read never costs the budget.
        self.ledger = CallLedger.restore(data.get("ledger"))
        self._roll(self.now())

    @staticmethod
    def _read_snapshot(
        data: Mapping[str, Any], now: datetime
    ) -> tuple[int, datetime, bool, datetime | None, bool]:
        """Validate a snapshot's fields; raise ParseError (or a kin) for anything off."""
        if data.get("version", _SNAPSHOT_VERSION) != _SNAPSHOT_VERSION:
            raise ParseError("the snapshot is of another version")
        used = data["used"]
        if isinstance(used, bool) or not isinstance(used, int) or used < 0:
            raise ParseError("the count is not a whole number of calls")
        reset_at = _stored_moment(data["reset_at"], "reset", now)
        if reset_at is None:
            raise ParseError("no reset moment")
        paused_until = _stored_moment(data.get("paused_until"), "pause", now)
        learned = data.get("reset_learned", False)
        daily = data.get("paused_daily", False)
        if not isinstance(learned, bool) or not isinstance(daily, bool):
            raise ParseError("a flag is not true or false")
        return used, reset_at, learned, paused_until, paused_until is not None and daily

    def _command_room(self, now: datetime) -> int:
        """Return how many commands may still go before the polling floor."""
        return self.daily_limit - self.used - self.polling_floor(now)

    def _commands_resume_at(self, now: datetime) -> datetime:
        """Return when the shrinking polling floor next leaves room for one command."""
        # The floor only shrinks as the reset nears: search the first second with room.
        early, late = now, self.reset_at
        while late - early > timedelta(seconds=1):
            middle = early + (late - early) / 2
            if self._command_room(middle) > 0:
                late = middle
            else:
                early = middle
        return late.replace(microsecond=0) + timedelta(seconds=1)

    def _roll(self, now: datetime) -> None:
        """Start a new day once the reset moment has passed, and end a pause that is over."""
        if now >= self.reset_at:
            self.used = 0
            self.ledger.new_day()
            self.reset_at = self._next_reset_after(now)
            _LOGGER.debug("Daily call count reset; next reset at %s", self.reset_at)
        if self.paused_until is not None and now >= self.paused_until:
            self.paused_until = None
            self.paused_daily = False

    def _next_reset_after(self, now: datetime) -> datetime:
        """Return the first reset after `now`: the learned moment a whole number of days on."""
        if not self.reset_learned:
            return self._next_local_midnight(now)
        days = (now - self.reset_at) // _DAY + 1
        return self.reset_at + days * _DAY

    def _next_local_midnight(self, now: datetime) -> datetime:
        """Return the coming midnight in the home's time zone, in UTC."""
        local = now.astimezone(self.time_zone)
        midnight = datetime.combine(local.date() + _DAY, time(), tzinfo=self.time_zone)
        return midnight.astimezone(UTC)


def _stored_moment(value: Any, what: str, now: datetime) -> datetime | None:
    """Read a stored moment: aware, in range, and no further ahead than a day."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParseError(f"the {what} moment is not text")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise ParseError(f"the {what} moment is not a date and time") from err
    if moment.tzinfo is None:
        raise ParseError(f"the {what} moment has no time zone")
    moment = moment.astimezone(UTC)
    if moment - now > _PLAUSIBLE_AHEAD:
        raise ParseError(f"the {what} moment lies more than a day ahead")
    return moment

"""A library's calendar: which days it opens, when it closes, the next opening.

Built from the library's weekly hours plus the closures of the institution (public holidays,
yearly closures, dated exceptions) and of the library (yearly closures, dated exceptions). Pure: every answer is computed from the dates it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rebub_shared.clock import as_utc, paris_date, paris_instant

from .closures import Closure
from .errors import CalendarNeverOpenError, LibraryClosedError
from .policy import InstitutionPolicy
from .policy_library import WEEKDAYS, OpeningHours, WeeklyHours

_SEARCH_DAYS = 400  # a library closed for more than a year is a policy error


@dataclass(frozen=True)
class ClosedDayMove:
    """One day skipped because the library is closed, and why."""

    day: date
    reason: str


@dataclass(frozen=True)
class LibraryCalendar:
    """Opening hours and closed days of one library (Paris wall-clock time)."""

    library_code: str
    weekly_hours: WeeklyHours
    closures: Sequence[Closure] = ()

    @classmethod
    def of(cls, policy: InstitutionPolicy, library_code: str) -> LibraryCalendar:
        """The calendar of a library: the institution's closures and the library's own, the most
        particular first (so a day in the Christmas closure says so rather than "Noël")."""
        library = policy.library(library_code)
        holidays = (policy.public_holidays,) if policy.public_holidays else ()
        closures: tuple[Closure, ...] = (
            *policy.closed_days,
            *library.closed_days,
            *policy.yearly_closures,
            *library.yearly_closures,
            *holidays,
        )
        return cls(library_code, library.opening_hours, closures)

    def closed_reason(self, day: date) -> str | None:
        """Why the library is closed on ``day``, or None when it opens."""
        for closure in self.closures:
            if (reason := closure.closed_reason(day)) is not None:
                return reason
        if self.weekly_hours.on_weekday(day.weekday()) is None:
            return f"closed on {WEEKDAYS[day.weekday()]}s"
        return None

    def hours_on(self, day: date) -> OpeningHours | None:
        """Opening hours on ``day``, or None if closed."""
        return None if self.closed_reason(day) else self.weekly_hours.on_weekday(day.weekday())

    def next_opening_day(self, day: date) -> tuple[date, list[ClosedDayMove]]:
        """``day`` itself if the library opens then, else the next opening day, with the moves."""
        moves: list[ClosedDayMove] = []
        for offset in range(_SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            reason = self.closed_reason(candidate)
            if reason is None:
                return candidate, moves
            moves.append(ClosedDayMove(candidate, reason))
        raise CalendarNeverOpenError(
            f"library={self.library_code!r} has no opening day within {_SEARCH_DAYS} days of {day}"
        )

    def closing_at(self, day: date) -> datetime:
        """UTC instant at which the library closes on an opening ``day``."""
        hours = self._hours_or_error(day)
        return paris_instant(day, hours.closes)

    def next_opening_at(self, instant: datetime) -> datetime:
        """``instant`` if the library is open then, else the next time it opens (UTC)."""
        instant = as_utc("instant", instant)
        day = paris_date(instant)
        hours = self.hours_on(day)
        if hours and paris_instant(day, hours.opens) <= instant < paris_instant(day, hours.closes):
            return instant
        if hours and instant < paris_instant(day, hours.opens):
            return paris_instant(day, hours.opens)
        next_day, _ = self.next_opening_day(day + timedelta(days=1))
        return paris_instant(next_day, self._hours_or_error(next_day).opens)

    def _hours_or_error(self, day: date) -> OpeningHours:
        hours = self.hours_on(day)
        if hours is None:
            raise LibraryClosedError(f"library={self.library_code!r} is closed on day={day}")
        return hours

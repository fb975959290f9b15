"""An injectable clock: services store UTC and compute calendars in Europe/Paris.

Nothing in rebub reads the system time directly; every service is given a ``Clock``. Tests and the
demo use a ``MovableClock`` and move it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

PARIS: Final = ZoneInfo("Europe/Paris")


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone where an instant was expected."""


def check_aware(value: datetime, field: str = "datetime") -> datetime:
    """Refuse a naive datetime, naming the field and the value."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(f"{field}: {value.isoformat()!r} has no time zone")
    return value


class Clock(Protocol):
    """Gives "now" as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock (production)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class MovableClock:
    """A clock that tests and the development settings can set and move.

    It is either frozen at an instant, or runs from an instant set at a given real time.
    """

    def __init__(self, at: datetime | None = None, *, frozen: bool = True) -> None:
        self._base = check_aware(at, "at").astimezone(UTC) if at else datetime.now(UTC)
        self._set_at = datetime.now(UTC)
        self._frozen = frozen

    def now(self) -> datetime:
        if self._frozen:
            return self._base
        return self._base + (datetime.now(UTC) - self._set_at)

    def set(self, at: datetime) -> None:
        """Move the clock to ``at`` (an aware datetime)."""
        self._base = check_aware(at, "at").astimezone(UTC)
        self._set_at = datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self.set(self.now() + delta)


def to_paris(instant: datetime) -> datetime:
    """The same instant seen on a Paris wall clock."""
    return check_aware(instant, "instant").astimezone(PARIS)


def paris_date(instant: datetime) -> date:
    """The Paris calendar day of an instant."""
    return to_paris(instant).date()


def paris_instant(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A Paris wall-clock time on ``day``, as an aware UTC datetime (daylight saving included)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(UTC)

"""An injectable clock: services store UTC and compute calendars in Europe/Paris.

Nothing in rebub reads the system time directly; every service is given a ``Clock``. Tests and the
demo use a ``MovableClock`` and move it. The Paris calendar is defined here once for every
service: ``check_aware`` / ``as_utc`` guard instants, ``paris_date`` and ``paris_instant`` move
between instants and Paris days (daylight saving included). Pydantic models say ``AwareDatetime``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

PARIS: Final = ZoneInfo("Europe/Paris")


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone where an instant was expected."""

    def __init__(self, field: str, value: datetime) -> None:
        super().__init__(f"{field}={value.isoformat()!r} has no time zone")
        self.field = field
        self.value = value.isoformat()


def check_aware(field: str, value: datetime) -> datetime:
    """Return ``value`` if it is an instant; refuse a naive datetime, naming field and value."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(field, value)
    return value


def as_utc(field: str, value: datetime) -> datetime:
    """The instant ``value`` (checked as ``check_aware`` does) in UTC, as it is stored."""
    return check_aware(field, value).astimezone(UTC)


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
        self._base = as_utc("at", at) if at else datetime.now(UTC)
        self._set_at = datetime.now(UTC)
        self._frozen = frozen

    def now(self) -> datetime:
        if self._frozen:
            return self._base
        return self._base + (datetime.now(UTC) - self._set_at)

    def set(self, at: datetime) -> None:
        """Move the clock to ``at`` (an aware datetime)."""
        self._base = as_utc("at", at)
        self._set_at = datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self.set(self.now() + delta)


def to_paris(instant: datetime, field: str = "instant") -> datetime:
    """The same instant seen on a Paris wall clock."""
    return check_aware(field, instant).astimezone(PARIS)


def paris_date(instant: datetime, field: str = "instant") -> date:
    """The Paris calendar day of an instant: a loan due at 00:30 in Paris on 25 October is
    stored as 22:30 UTC on 24 October, and falls on 25 October."""
    return to_paris(instant, field).date()


def paris_instant(day: date, wall_time: time = time()) -> datetime:
    """A Paris wall-clock time on ``day``, as an aware UTC datetime (daylight saving included)."""
    return datetime.combine(day, wall_time, tzinfo=PARIS).astimezone(UTC)

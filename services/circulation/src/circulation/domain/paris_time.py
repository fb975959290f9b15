"""Time helpers: instants are aware UTC datetimes, calendars are computed in Europe/Paris."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from .errors import NaiveDatetimeError

PARIS = ZoneInfo("Europe/Paris")


def check_aware(name: str, value: datetime) -> datetime:
    """Refuse a naive datetime (the field name and value are in the error); return it in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(f"{name}={value.isoformat()!r} has no time zone")
    return value.astimezone(UTC)


def paris_date(instant: datetime) -> date:
    """The Paris calendar day on which an instant falls."""
    return instant.astimezone(PARIS).date()


def paris_instant(day: date, wall_time: time) -> datetime:
    """The UTC instant of a Paris wall-clock time on a day (DST handled by zoneinfo)."""
    return datetime.combine(day, wall_time, tzinfo=PARIS).astimezone(UTC)


def days_late(due_at: datetime, at: datetime) -> int:
    """Paris calendar days between the due day and the day of ``at``; 0 when not past due.

    An item returned after its due time but on the due day itself is late by 0 days (no
    suspension); returned the next day it is 1 day late, whatever the hour.
    """
    if at <= due_at:
        return 0
    return (paris_date(at) - paris_date(due_at)).days

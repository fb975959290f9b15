"""Time helpers: datetimes are aware (stored UTC); calendar days are counted in Europe/Paris."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from patron_sync.domain.errors import NaiveDatetimeError

PARIS = ZoneInfo("Europe/Paris")


def check_aware(name: str, value: datetime) -> datetime:
    """Return ``value`` if it carries a time zone; raise :class:`NaiveDatetimeError` otherwise."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(name, value, "datetime must be time-zone aware")
    return value


def paris_date(name: str, value: datetime) -> date:
    """The calendar day ``value`` falls on in Europe/Paris."""
    return check_aware(name, value).astimezone(PARIS).date()

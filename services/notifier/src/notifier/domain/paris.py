"""The Paris calendar: every letter day is a day of Europe/Paris, DST included."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from .errors import check_aware

PARIS = ZoneInfo("Europe/Paris")


def paris_day(moment: datetime) -> date:
    """The Europe/Paris calendar day of an aware instant.

    A loan due at 00:30 Paris time on 25 October is stored as 22:30 UTC on 24 October;
    its letters are computed from 25 October.
    """
    check_aware("moment", moment)
    return moment.astimezone(PARIS).date()


def days_overdue(due_at: datetime, today: date) -> int:
    """Whole Paris days between the due day and `today`, never negative."""
    return max(0, (today - paris_day(due_at)).days)

"""Days overdue, counted on the Paris calendar (the calendar itself: ``rebub_shared.clock``)."""

from __future__ import annotations

from datetime import date, datetime

from rebub_shared.clock import paris_date


def days_overdue(due_at: datetime, today: date) -> int:
    """Whole Paris days between the due day and `today`, never negative.

    A loan due at 00:30 Paris time on 25 October is stored as 22:30 UTC on 24 October; its
    days are counted from 25 October.
    """
    return max(0, (today - paris_date(due_at, "due_at")).days)

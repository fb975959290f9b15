"""Days late, counted on the Paris calendar (the calendar itself: ``rebub_shared.clock``)."""

from datetime import datetime

from rebub_shared.clock import paris_date


def days_late(due_at: datetime, at: datetime) -> int:
    """Paris calendar days between the due day and the day of ``at``; 0 when not past due.

    An item returned after its due time but on the due day itself is late by 0 days (no
    suspension); returned the next day it is 1 day late, whatever the hour.
    """
    if at <= due_at:
        return 0
    return (paris_date(at) - paris_date(due_at)).days

"""Dates written the French way, on the Paris clock: "mardi 1er décembre 2026 à 19 h 00".

A dozen words do not justify a locale dependency (Babel) or the process-wide `locale` module.
"""

from __future__ import annotations

from datetime import date, datetime

from rebub_shared.clock import PARIS, check_aware

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def french_day(day: date) -> str:
    """ "mardi 1er décembre 2026": French usage writes the first of the month "1er"."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {number} {_MONTHS[day.month - 1]} {day.year}"


def french_datetime(moment: datetime) -> str:
    """ "mardi 1er décembre 2026 à 19 h 00", in Europe/Paris time whatever the input zone."""
    check_aware("moment", moment)
    local = moment.astimezone(PARIS)
    return f"{french_day(local.date())} à {local.hour} h {local.minute:02d}"


def french_days(count: int) -> str:
    """ "1 jour", "12 jours"."""
    return f"{count} jour" if count in (0, 1) else f"{count} jours"

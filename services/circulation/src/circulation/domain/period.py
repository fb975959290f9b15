"""Loan and renewal periods: a small ISO 8601-like duration type.

Accepted forms: ``P1M`` (calendar months), ``P14D`` (days), ``P2W`` (weeks, stored as days),
``P1M15D`` (months then days) and ``PT12H`` (hours, for evening and weekend loans only).
Hours never mix with months or days: an hour loan is counted in elapsed time, a day or month
loan in Paris calendar days (see ``due_dates``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_PERIOD = re.compile(r"^P(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?P<h>\d+)H)?$")


class InvalidPeriodError(ValueError):
    """A period string is not of the accepted forms (names the value)."""


@dataclass(frozen=True)
class Period:
    """A loan or renewal period: calendar months plus days, or a number of hours."""

    months: int = 0
    days: int = 0
    hours: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``P1M``, ``P14D``, ``P2W``, ``P1M15D`` or ``PT12H``; raise InvalidPeriodError."""
        found = _PERIOD.match(text.strip()) if isinstance(text, str) else None
        if found is None or not any(found.groupdict().values()):
            raise InvalidPeriodError(f"period {text!r} is not one of P<n>M, P<n>W, P<n>D, PT<n>H")
        months, weeks, days, hours = (int(found[k] or 0) for k in "mwdh")
        period = cls(months=months, days=days + 7 * weeks, hours=hours)
        if period.hours and (period.months or period.days):
            raise InvalidPeriodError(f"period {text!r} mixes hours with months or days")
        if not (period.months or period.days or period.hours):
            raise InvalidPeriodError(f"period {text!r} is zero")
        return period

    @property
    def in_hours(self) -> bool:
        """True for an hour period (evening and weekend loans)."""
        return self.hours > 0

    def add_to(self, day: date) -> date:
        """Add the months (calendar months, clamped to the month's last day) then the days.

        3 Oct + P2M = 3 Dec; 31 Jan + P1M = 28 Feb (or 29 in a leap year).
        """
        if self.in_hours:
            raise InvalidPeriodError(f"period {self} is in hours and cannot be added to a date")
        month_index = day.month - 1 + self.months
        year, month = day.year + month_index // 12, month_index % 12 + 1
        last_day = calendar.monthrange(year, month)[1]
        return date(year, month, min(day.day, last_day)) + timedelta(days=self.days)

    def __str__(self) -> str:
        if self.in_hours:
            return f"PT{self.hours}H"
        return (
            "P"
            + (f"{self.months}M" if self.months else "")
            + (f"{self.days}D" if self.days else "")
        )


def _coerce(value: Any) -> Any:
    return Period.parse(value) if isinstance(value, str) else value


PeriodField = Annotated[Period, BeforeValidator(_coerce), PlainSerializer(str, return_type=str)]
"""A Period inside pydantic models: read from and written as its string form."""

"""Policy data for libraries: desks, locations, opening hours and closed days (pydantic models)."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from .closures import YearlyClosure
from .values import PolicyModel
from .vocabulary import TermsOfUse

_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class OpeningHours(PolicyModel):
    """One opening interval of a day, Paris wall-clock time, written ``"08:30-19:00"``."""

    opens: time
    closes: time

    @model_validator(mode="after")
    def _opens_before_closes(self) -> OpeningHours:
        if self.opens >= self.closes:
            raise ValueError(f"opens {self.opens} is not before closes {self.closes}")
        return self


def _parse_hours(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    found = _HOURS.match(value.strip())
    if found is None:
        raise ValueError(f"opening hours {value!r} are not written HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(part) for part in found.groups())
    return {"opens": time(h1, m1), "closes": time(h2, m2)}


DayHours = Annotated[OpeningHours | None, BeforeValidator(_parse_hours)]


class WeeklyHours(PolicyModel):
    """Opening hours per weekday; ``null`` (or absent) means closed that weekday."""

    monday: DayHours = None
    tuesday: DayHours = None
    wednesday: DayHours = None
    thursday: DayHours = None
    friday: DayHours = None
    saturday: DayHours = None
    sunday: DayHours = None

    def on_weekday(self, weekday: int) -> OpeningHours | None:
        """Hours for ``date.weekday()`` (0 = Monday)."""
        hours: OpeningHours | None = getattr(self, WEEKDAYS[weekday])
        return hours


class ClosedDays(PolicyModel):
    """A closed day (``date``) or an inclusive range (``from``/``to``), with its reason."""

    day: date | None = Field(default=None, alias="date")
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_day_or_a_range(self) -> ClosedDays:
        if (self.day is None) == (self.from_ is None or self.to is None):
            raise ValueError("give either 'date' or both 'from' and 'to'")
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError(f"'from' {self.from_} is after 'to' {self.to}")
        return self

    def covers(self, day: date) -> bool:
        """True if the library is closed on ``day`` because of this entry."""
        if self.day is not None:
            return day == self.day
        return self.from_ is not None and self.to is not None and self.from_ <= day <= self.to

    def closed_reason(self, day: date) -> str | None:
        """The reason when this entry closes the library on ``day``, else None."""
        return self.reason if self.covers(day) else None


class Desk(PolicyModel):
    """A circulation desk of a library (the operator works "at" a desk)."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)


class Location(PolicyModel):
    """A shelving location; it carries the loan rule through its terms of use."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    terms_of_use: TermsOfUse


class Library(PolicyModel):
    """A library of an institution, its calendar, desks and locations."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    opening_hours: WeeklyHours
    # Every year (e.g. a summer closure), on top of the institution's.
    yearly_closures: list[YearlyClosure] = Field(default_factory=list)
    # Exceptions: dated closures of this library only.
    closed_days: list[ClosedDays] = Field(default_factory=list)
    desks: list[Desk] = Field(min_length=1)
    locations: list[Location] = Field(min_length=1)

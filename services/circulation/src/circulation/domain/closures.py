"""Closures that come back every year: public holidays and yearly closures written as rules.

A policy file states its calendar once (France's public holidays, "closed 24 December to
2 January", "closed 1 to 23 August") instead of listing dates that run out; its ``closed_days``
keep only the exceptions (one year's extra day, a works closure). Public holidays come from the
maintained ``holidays`` library (Easter, Ascension and Whit Monday are computed, the list follows
the law when it changes). Pure: every answer is computed from the day it is given.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Literal, Protocol

import holidays
from pydantic import BeforeValidator, Field, field_validator, model_validator

from .values import PolicyModel

# The years whose holiday names a policy may refer to (``open_on``): every name of the law.
_NAME_YEARS = range(2024, 2032)
# How the library joins the names of two holidays on one day.
_SEPARATOR = "; "


class Closure(Protocol):
    """Anything that can close a library on a day, saying why."""

    def closed_reason(self, day: date) -> str | None:
        """Why the library is closed on ``day`` because of this entry, or None."""
        ...


def _parse_month_day(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    parts = value.strip().split("-")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise ValueError(f"{value!r} is not a day of the year written MM-DD")
    month, day = int(parts[0]), int(parts[1])
    date(2000, month, day)  # 2000 is a leap year: 02-29 is a day of the year
    return (month, day)


MonthDay = Annotated[tuple[int, int], BeforeValidator(_parse_month_day)]


class YearlyClosure(PolicyModel):
    """A closure every year: one day (``on: "12-25"``) or an inclusive span of days (``from:
    "08-01"``, ``to: "08-23"``); a span whose end comes before its start crosses the new year."""

    on: MonthDay | None = None
    from_: MonthDay | None = Field(default=None, alias="from")
    to: MonthDay | None = None
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_day_or_a_span(self) -> YearlyClosure:
        if (self.on is None) == (self.from_ is None or self.to is None):
            raise ValueError("give either 'on' or both 'from' and 'to' (days written MM-DD)")
        return self

    def closed_reason(self, day: date) -> str | None:
        """The reason when ``day`` falls on this closure in its year, else None."""
        today = (day.month, day.day)
        if self.on is not None:
            return self.reason if today == self.on else None
        start, end = self.from_, self.to
        if start is None or end is None:
            return None
        covered = start <= today <= end if start <= end else today >= start or today <= end
        return self.reason if covered else None


@lru_cache(maxsize=16)
def _law(country: str, subdivision: str | None) -> holidays.HolidayBase:
    # Years are computed on demand (expand) and kept: one object per country and subdivision.
    return holidays.country_holidays(country, subdiv=subdivision, language="fr")


class PublicHolidays(PolicyModel):
    """The public holidays of the law (names in French), minus those on which the libraries open
    anyway (``open_on``, e.g. ``Lundi de Pentecôte``, the day of solidarity many keep open)."""

    country: Literal["FR"] = "FR"
    # A French subdivision with its own holidays (e.g. "57": Moselle adds Good Friday).
    subdivision: str | None = None
    open_on: list[str] = Field(default_factory=list)

    @field_validator("subdivision")
    @classmethod
    def _known_subdivision(cls, value: str | None) -> str | None:
        if value is not None and value not in holidays.list_supported_countries()["FR"]:
            raise ValueError(f"{value!r} is not a subdivision of France in the holidays library")
        return value

    @model_validator(mode="after")
    def _known_names(self) -> PublicHolidays:
        known: set[str] = set()
        for year in _NAME_YEARS:
            law = holidays.country_holidays(
                self.country, subdiv=self.subdivision, years=year, language="fr"
            )
            known.update(name for names in law.values() for name in names.split(_SEPARATOR))
        for name in self.open_on:
            if name not in known:
                raise ValueError(f"open_on: {name!r} is not a public holiday ({sorted(known)})")
        return self

    def closed_reason(self, day: date) -> str | None:
        """The holiday's name when ``day`` is a public holiday the libraries keep, else None."""
        names = _law(self.country, self.subdivision).get(day)
        kept = [
            name for name in (names or "").split(_SEPARATOR) if name and name not in self.open_on
        ]
        return _SEPARATOR.join(kept) or None

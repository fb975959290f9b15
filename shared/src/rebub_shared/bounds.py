"""Bounded inputs, declared once: how long each kind of string may be, which characters it may
hold, which dates are plausible, and how large a request body may be.

Every request model and every event payload uses these types, so bad input is refused at the edge
(422 naming the field) and an event stays far below the broker's message size (1 MB) by
construction: its largest strings are a title, a few names and reasons. ``LIMITS`` lists them all
for ``docs/error-contract.md`` (a test checks the document against it).

Strings never hold control characters (C0 and DEL; multi-line notes may hold tab, CR and LF) and
never lone surrogates (pydantic refuses those before any pattern).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints

#: One line of text: no control character at all.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
#: Several lines: tab, LF and CR allowed, no other control character.
LINES = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
#: Ids (primary ids, card barcodes, loan and request ids, operators, desks): a letter or digit,
#: then letters, digits and ``. _ - : @ +``; never ``$`` or spaces (so never a query operator).
IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$"
#: Item barcodes: what the libraries' Code 128 labels carry.
ITEM_BARCODE = r"^[A-Za-z0-9]{4,32}$"

#: Request bodies (bytes): JSON bodies by default; a feed upload has its own setting.
JSON_BODY_MAX_BYTES = 64 * 1024
#: ``POST /items`` (circulation) loads up to ``ITEMS_PER_CALL`` items a call.
ITEMS_BODY_MAX_BYTES = 2 * 1024 * 1024
ITEMS_PER_CALL = 1000
#: ``POST /imports`` (patron-sync, network zone): the default of its ``feed_max_bytes`` setting.
FEED_BODY_MAX_BYTES = 512 * 1024 * 1024
#: At most this many characters of an offending value are echoed in a 422 answer.
ECHOED_VALUE_MAX_CHARS = 200
#: Plausible dates: the first and last year any date of the network may have.
FIRST_YEAR, LAST_YEAR = 1901, 2199


@dataclass(frozen=True)
class Limit:
    """One bounded kind of input, as ``docs/error-contract.md`` lists it."""

    name: str
    bound: str
    used_for: str


LIMITS: list[Limit] = [
    Limit("JSON body", f"{JSON_BODY_MAX_BYTES} bytes", "every JSON route but the ones below"),
    Limit("POST /items body", f"{ITEMS_BODY_MAX_BYTES} bytes, {ITEMS_PER_CALL} items", "items"),
    Limit("POST /imports body", f"{FEED_BODY_MAX_BYTES} bytes (setting)", "feed uploads"),
    Limit("echoed value", f"{ECHOED_VALUE_MAX_CHARS} characters", "values in 422 answers"),
]


def _text(
    name: str, max_length: int, used_for: str, *, min_length: int = 1, pattern: str = ONE_LINE
) -> StringConstraints:
    """The constraints of one kind of string, listed in ``LIMITS``."""
    kind = "one line" if pattern == ONE_LINE else "lines" if pattern == LINES else "id pattern"
    LIMITS.append(Limit(name, f"{min_length}-{max_length} characters, {kind}", used_for))
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
    )


Name = Annotated[str, _text("Name", 200, "last names, names of new accounts")]
FirstName = Annotated[str, _text("FirstName", 200, "first names (may be empty)", min_length=0)]
Title = Annotated[str, _text("Title", 1000, "item titles")]
Note = Annotated[str, _text("Note", 2000, "notes on accounts and loans", pattern=LINES)]
Reason = Annotated[str, _text("Reason", 500, "block, override and cancellation reasons")]
Line = Annotated[str, _text("Line", 200, "address lines, cities, phones, identifier types")]
Code = Annotated[
    str, _text("Code", 64, "desk, library, location and block codes", pattern=IDENTIFIER)
]
#: Ids entered at the edge (a desk, the API); ids from DSI feeds keep the feed's own checks.
Identifier = Annotated[
    str,
    _text(
        "Identifier",
        64,
        "primary ids, card barcodes, loan and request ids, operators, sessions",
        pattern=IDENTIFIER,
    ),
]
SearchTerm = Annotated[str, _text("SearchTerm", 100, "name searches")]
Barcode = Annotated[str, StringConstraints(pattern=ITEM_BARCODE)]
LIMITS.append(Limit("Barcode", "4-32 ASCII letters or digits", "item barcodes"))
#: A delivered document's link (a digitisation request): https, no space or control character.
DOCUMENT_URL = r"^https://[^\s\x00-\x1f\x7f]+$"
DocumentUrl = Annotated[str, StringConstraints(max_length=2000, pattern=DOCUMENT_URL)]
LIMITS.append(Limit("DocumentUrl", "https://, at most 2000 characters", "a delivered digitisation"))


#: Event payload strings: their length bounded (their content was checked where it came in).
EventId = Annotated[str, StringConstraints(max_length=255)]
EventCode = Annotated[str, StringConstraints(max_length=64)]
EventName = Annotated[str, StringConstraints(max_length=255)]
EventTitle = Annotated[str, StringConstraints(max_length=1000)]
EventReason = Annotated[str, StringConstraints(max_length=2000)]
#: Identifiers, notes or local blocks an institution adds to one account, each at most.
MAX_ADDITIONS = 50
LIMITS.append(Limit("additions", f"{MAX_ADDITIONS} of each kind", "identifiers, notes, blocks"))
LIMITS.append(Limit("event strings", "ids and names 255, codes 64, titles 1000", "event payloads"))


def _not_a_number(value: object) -> object:
    """Dates are ISO 8601 strings: pydantic would read a number (or a numeric string, as every
    query value is) as seconds since 1970, which the documented schema does not allow."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("an ISO 8601 date is expected, not a number")
    return value


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _plausible_day(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"a date between {FIRST_YEAR} and {LAST_YEAR} is expected")
    return value


def _plausible_instant(value: datetime) -> datetime:
    _plausible_day(value.date())
    return value


Day = Annotated[
    date,
    BeforeValidator(_not_a_number),
    AfterValidator(_plausible_day),
    Field(description="YYYY-MM-DD, 1901-2199."),
]
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_not_a_number),
    AfterValidator(_plausible_instant),
    Field(description="ISO 8601 with a UTC offset, years 1901-2199."),
]
LIMITS.append(Limit("Day, Instant", f"years {FIRST_YEAR}-{LAST_YEAR}", "every date and instant"))

#: An account's expiry set at a desk: from a year ago (a late correction) to ten years ahead.
EXPIRY_PAST_DAYS, EXPIRY_FUTURE_YEARS = 366, 10
LIMITS.append(
    Limit(
        "expiry_date (desk)", "today - 1 year to today + 10 years", "external and waiting accounts"
    )
)
#: A due date set by staff: at most this many years after now.
DUE_DATE_FUTURE_YEARS = 3
LIMITS.append(Limit("due date (staff)", "now to now + 3 years", "due date changes"))


D = TypeVar("D", date, datetime)


def check_expiry(value: date, today: date) -> str | None:
    """Why a desk-set expiry date is implausible (None when it is fine)."""
    earliest = date.fromordinal(today.toordinal() - EXPIRY_PAST_DAYS)
    latest = years_after(today, EXPIRY_FUTURE_YEARS)
    if not earliest <= value <= latest:
        return f"an expiry date between {earliest} and {latest} is expected"
    return None


def years_after(day: D, years: int) -> D:
    """The same day (or instant) ``years`` later; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def limits_table() -> str:
    """``LIMITS`` as the Markdown table of ``docs/error-contract.md`` (a test keeps them equal)."""
    rows = [f"| `{limit.name}` | {limit.bound} | {limit.used_for} |" for limit in LIMITS]
    return "\n".join(["| input | bound | used for |", "|---|---|---|", *rows])

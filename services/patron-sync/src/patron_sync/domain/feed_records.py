"""One raw feed record (XML or CSV, as strings) -> a valid :class:`PatronRecord` or a Reject.

The parsers only extract strings; every rule about what a good record is lives here, so both
formats refuse the same things with the same reasons.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import ValidationError

from patron_sync.domain.errors import InvalidFieldError, PatronSyncError
from patron_sync.domain.import_report import Reject
from patron_sync.domain.patron import PatronRecord
from patron_sync.domain.user_groups import DEFAULT_FEED_GROUPS, FeedGroups, check_user_group
from rebub_shared.tenancy import InstitutionCode

_FEED_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})Z?$")
# Record fields named as a DSI knows them (the CSV column / XML element) in reject lines.
_FEED_FIELD = {"emails": "email", "phones": "phone", "addresses": "address"}


@dataclass
class RawRecord:
    """Strings as read from the feed (``None``: absent or empty). Lists hold dicts of the
    :class:`~patron_sync.domain.patron` value objects' fields."""

    position: int
    primary_id: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    user_group: str | None = None
    expiry_date: str | None = None
    campus: str | None = None
    emails: list[dict[str, object]] = field(default_factory=list)
    addresses: list[dict[str, object]] = field(default_factory=list)
    phones: list[dict[str, object]] = field(default_factory=list)
    identifiers: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ParsedAccount:
    """A valid record and where it was in the feed (record number or line number)."""

    position: int
    record: PatronRecord


#: What a feed parser yields, record by record, in file order.
FeedItem = ParsedAccount | Reject


def parse_feed_date(value: str | None, name: str = "expiry_date") -> date:
    """Parse ``YYYY-MM-DD``, with the trailing ``Z`` Alma also accepts."""
    match = _FEED_DATE.match((value or "").strip())
    try:
        if match is None:
            raise ValueError(value)
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise InvalidFieldError(name, value, "not a date YYYY-MM-DD") from None


def _check_primary_id(raw: RawRecord) -> str:
    if raw.primary_id is None or not raw.primary_id.strip():
        raise InvalidFieldError("primary_id", raw.primary_id, "missing primary id")
    return raw.primary_id.strip()


def validate_record(
    raw: RawRecord,
    source: InstitutionCode,
    position_kind: Literal["record", "line"],
    feed_groups: FeedGroups = DEFAULT_FEED_GROUPS,
) -> PatronRecord | Reject:
    """Build the record of ``source``'s feed, or the :class:`Reject` naming the first fault."""

    def reject(field_: str, value: object, reason: str) -> Reject:
        primary_id = (raw.primary_id or "").strip() or None
        text = None if value is None else str(value)
        return Reject(
            position=raw.position,
            position_kind=position_kind,
            primary_id=primary_id,
            field=field_,
            value=text,
            reason=reason,
        )

    try:
        primary_id = _check_primary_id(raw)
        group = check_user_group(raw.user_group or "", source, feed_groups)
        expiry = parse_feed_date(raw.expiry_date)
    except PatronSyncError as error:
        return reject(error.field, error.value, error.reason)
    data = {
        "primary_id": primary_id,
        "last_name": raw.last_name,
        "first_name": raw.first_name or "",
        "user_group": group,
        "expiry_date": expiry,
        "source_institution": source,
        "campus": raw.campus,
        "emails": raw.emails,
        "addresses": raw.addresses,
        "phones": raw.phones,
        "identifiers": raw.identifiers,
    }
    try:
        return PatronRecord.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = first["loc"]
        name = _FEED_FIELD.get(str(loc[0]), ".".join(str(p) for p in loc)) if loc else "record"
        return reject(name, first.get("input"), first["msg"])


class PrimaryIdRegister:
    """Primary ids met so far in one file. The first occurrence wins (it may already have been
    applied: parsing streams); later ones are rejected naming where the first one was."""

    def __init__(self) -> None:
        self._first_at: dict[str, int] = {}

    def check_first(self, primary_id: str, position: int) -> None:
        """Raise :class:`InvalidFieldError` if ``primary_id`` was met before in this file."""
        first = self._first_at.setdefault(primary_id, position)
        if first != position:
            raise InvalidFieldError(
                "primary_id", primary_id, f"duplicate primary id, first at {first}"
            )

"""What both feed parsers yield, and the per-record steps they share."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from patron_sync.domain.errors import InvalidFieldError
from patron_sync.domain.feed_records import (
    FeedItem,
    ParsedAccount,
    PrimaryIdRegister,
    RawRecord,
    validate_record,
)
from patron_sync.domain.import_report import Reject
from patron_sync.domain.user_groups import FeedGroups
from rebub_shared.tenancy import InstitutionCode


class FeedFormat(StrEnum):
    """The two feed formats DSIs send."""

    ALMA_XML = "alma_xml"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """Result of the whole-file pre-check: the feed is readable to its end.

    ``records`` counts ``<user>`` elements (XML) or data rows (CSV), good and bad alike.
    """

    feed_format: FeedFormat
    records: int
    delimiter: str | None = None


def to_item(
    raw: RawRecord,
    source: InstitutionCode,
    position_kind: Literal["record", "line"],
    register: PrimaryIdRegister,
    feed_groups: FeedGroups,
) -> FeedItem:
    """Validate one raw record, rejecting a primary id already met in this file."""
    primary_id = (raw.primary_id or "").strip()
    if primary_id:
        try:
            register.check_first(primary_id, raw.position)
        except InvalidFieldError as error:
            return Reject(
                position=raw.position,
                position_kind=position_kind,
                primary_id=primary_id,
                field=error.field,
                value=primary_id,
                reason=error.reason,
            )
    result = validate_record(raw, source, position_kind, feed_groups)
    return result if isinstance(result, Reject) else ParsedAccount(raw.position, result)

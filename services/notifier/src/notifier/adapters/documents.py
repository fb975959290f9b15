"""Documents of the notifier's store, to and from the domain's objects.

Domain instants are kept as ISO strings: BSON dates keep milliseconds only, and a due date that
came back different would look like a due date change (and restart the chain).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from ..domain import (
    Channel,
    EndReason,
    Letter,
    LetterItem,
    LetterKind,
    LoanInChain,
    LoanStatus,
    PatronContact,
    PostalAddress,
)
from ..service_layer.records import LetterRecord, LetterState, Report

Doc = dict[str, Any]
# A loan document's field that ``loan_to_doc`` never writes (so a loan event keeps it): the
# idempotency keys claimed for the loan, noted after each claim.
CLAIMED_KEYS = "claimed_keys"
# The Paris day (ISO) from which the daily pass reads the loan: its next stage's day; "" (before
# any day) when not scheduled yet; None when no stage is left (the pass never reads it).
NEXT_STAGE_ON = "next_stage_on"
UNSCHEDULED = ""


def schedule_fields(loan: LoanInChain) -> Doc:
    """What ``save_loan`` writes beside the loan: an active loan waits for the pass to schedule
    it (its due date may have moved); an ended one leaves the schedule."""
    return {NEXT_STAGE_ON: UNSCHEDULED if loan.is_active else None}


# A loan written from the loan-state topic (a rebuild), not from a loan event: only such a loan
# is brought up to date or removed by what the loan-state topic says later.
RESTORED = "restored_from_topic"


def restored_doc(loan: LoanInChain, next_day: date | None) -> Doc:
    """A restored loan's document, scheduled from ``next_day`` (``None`` when it has ended)."""
    day = next_day_field(next_day) if loan.is_active else None
    return loan_to_doc(loan) | {NEXT_STAGE_ON: day, RESTORED: True}


def next_day_field(day: date | None) -> str | None:
    return day.isoformat() if day else None


def written_outbox(fields: Doc) -> Doc:
    """The ``outbox`` of a document from the ``$set`` fields that wrote it (``outbox_set``),
    as the relay reads it (the letter holds no other entry: one LetterSent per letter)."""
    prefix = "outbox."
    return {
        "outbox": {
            path.removeprefix(prefix): value
            for path, value in fields.items()
            if path.startswith(prefix)
        }
    }


def attempt_id(letter_id: str, attempt: int) -> str:
    """The ``_id`` of a letter's attempt claim in ``letter_attempts``."""
    return f"{letter_id}#{attempt}"


def attempt_ids(letters: Iterable[Doc]) -> Iterator[str]:
    """Every attempt claim the letters' documents may have taken (numbers 0 to ``attempts``)."""
    for doc in letters:
        for attempt in range(doc.get("attempts", 0) + 1):
            yield attempt_id(doc["_id"], attempt)


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def loan_to_doc(loan: LoanInChain) -> Doc:
    return {
        "_id": loan.loan_id,
        "institution": loan.institution,
        "patron_id": loan.patron_id,
        "item_barcode": loan.item_barcode,
        "title": loan.title,
        "library": loan.library,
        "due_at": loan.due_at.isoformat(),
        "due_set_at": loan.due_set_at.isoformat(),
        "due_version": loan.due_version,
        "event_version": loan.event_version,
        "status": loan.status.value,
        "ended_reason": loan.ended_reason.value if loan.ended_reason else None,
        "recalled": loan.recalled,
        # UTC, so that the store compares the ISO strings in time order (the retention).
        "ended_at": loan.ended_at.astimezone(UTC).isoformat() if loan.ended_at else None,
    }


def loan_from_doc(doc: Doc) -> LoanInChain:
    return LoanInChain(
        institution=doc["institution"],
        loan_id=doc["_id"],
        patron_id=doc["patron_id"],
        item_barcode=doc["item_barcode"],
        title=doc["title"],
        library=doc["library"],
        due_at=datetime.fromisoformat(doc["due_at"]),
        due_set_at=datetime.fromisoformat(doc["due_set_at"]),
        due_version=doc["due_version"],
        event_version=doc["event_version"],
        status=LoanStatus(doc["status"]),
        ended_reason=EndReason(doc["ended_reason"]) if doc["ended_reason"] else None,
        recalled=doc["recalled"],
        ended_at=_instant(doc.get("ended_at")),
    )


def patron_to_doc(patron: PatronContact) -> Doc:
    address = patron.postal_address
    return {
        "_id": patron.patron_id,
        "institution": patron.institution,
        "first_name": patron.first_name,
        "last_name": patron.last_name,
        "email": patron.email,
        "address": None
        if address is None
        else {
            "lines": list(address.lines),
            "postcode": address.postcode,
            "city": address.city,
            "country": address.country,
        },
    }


def patron_from_doc(doc: Doc) -> PatronContact:
    address = doc.get("address")
    return PatronContact(
        institution=doc["institution"],
        patron_id=doc["_id"],
        first_name=doc["first_name"],
        last_name=doc["last_name"],
        email=doc.get("email"),
        postal_address=None
        if address is None
        else PostalAddress(
            tuple(address["lines"]), address["postcode"], address["city"], address["country"]
        ),
    )


def letter_to_doc(letter: Letter) -> Doc:
    """The letter's own fields (the state fields are the store's)."""
    return {
        "_id": letter.key,
        "institution": letter.institution,
        "kind": letter.kind.value,
        "patron_id": letter.patron.patron_id,
        "patron": patron_to_doc(letter.patron),
        "day": letter.day.isoformat(),
        "channel": letter.channel.value,
        "items": [_item_to_doc(item) for item in letter.items],
        "loan_ids": [item.loan_id for item in letter.items],
        "keys": list(letter.idempotency_keys),
        "reported_reason": letter.reported_reason,
        "pickup_until": letter.pickup_until.isoformat() if letter.pickup_until else None,
        "document_url": letter.document_url,
    }


def letter_from_doc(doc: Doc) -> Letter:
    return Letter(
        key=doc["_id"],
        institution=doc["institution"],
        kind=LetterKind(doc["kind"]),
        patron=patron_from_doc(doc["patron"]),
        day=date.fromisoformat(doc["day"]),
        channel=Channel(doc["channel"]),
        items=tuple(_item_from_doc(item) for item in doc["items"]),
        reported_reason=doc.get("reported_reason"),
        pickup_until=date.fromisoformat(doc["pickup_until"]) if doc.get("pickup_until") else None,
        document_url=doc.get("document_url"),
    )


def record_from_doc(doc: Doc) -> LetterRecord:
    return LetterRecord(
        letter=letter_from_doc(doc),
        state=LetterState(doc["state"]),
        attempts=doc.get("attempts", 0),
        last_error=doc.get("last_error"),
        sent_at=doc.get("sent_at"),
        message_id=doc.get("message_id"),
    )


def report_to_doc(report: Report) -> Doc:
    return {
        "_id": report.report_id,
        "patron_id": report.patron_id,
        "kind": report.kind,
        "loan_ids": list(report.loan_ids),
        "reason": report.reason,
        "at": report.at.astimezone(UTC).isoformat(),  # UTC: compared as strings (retention)
    }


def report_from_doc(doc: Doc) -> Report:
    return Report(
        doc["_id"],
        doc["patron_id"],
        doc["kind"],
        tuple(doc["loan_ids"]),
        doc["reason"],
        datetime.fromisoformat(doc["at"]),
    )


def _item_to_doc(item: LetterItem) -> Doc:
    return {
        "loan_id": item.loan_id,
        "title": item.title,
        "item_barcode": item.item_barcode,
        "library": item.library,
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "days_overdue": item.days_overdue,
        "idempotency_key": item.idempotency_key,
    }


def _item_from_doc(doc: Doc) -> LetterItem:
    return LetterItem(
        loan_id=doc["loan_id"],
        title=doc["title"],
        item_barcode=doc["item_barcode"],
        library=doc["library"],
        due_at=_instant(doc["due_at"]),
        days_overdue=doc["days_overdue"],
        idempotency_key=doc["idempotency_key"],
    )

"""Letters outside the chain: loan receipt, activity report, and the notices of requests (hold
available, hold expired, request cancelled, a digitisation's link, and the recall to the
borrower with the new due date).

They go by email; a patron without an email address gets them printed and the case is reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from .errors import NotifierDomainError, check_same_institution
from .kinds import LetterKind
from .letters import Letter, LetterItem, choose_channel
from .loan import LoanInChain
from .paris import days_overdue
from .patron import PatronContact


class UnreachablePatronError(NotifierDomainError):
    """A letter on request for a patron with neither email nor postal address."""


@dataclass(frozen=True)
class HoldNotice:
    """A notice about request `request_id` on an item (`kind`): by default the item waits on
    the hold shelf of `library` until `pickup_until`; a recalled loan's notice has the loan's
    new due date (`due_at`); a delivered digitisation's, the copy's link (`document_url`),
    working until `pickup_until` when given."""

    request_id: str
    title: str
    item_barcode: str
    library: str
    pickup_until: date | None
    kind: LetterKind = LetterKind.HOLD_AVAILABLE
    due_at: datetime | None = None
    document_url: str | None = None


def loan_receipt(
    patron: PatronContact, loans: Iterable[LoanInChain], today: date, request_id: str
) -> Letter:
    """The receipt of the loans just made (asked for at the desk)."""
    return _letter(LetterKind.LOAN_RECEIPT, patron, loans, today, request_id)


def activity_report(
    patron: PatronContact, loans: Iterable[LoanInChain], today: date, request_id: str
) -> Letter:
    """The patron's current loans (DOMAIN.md section 8, "email the activity report")."""
    active = [loan for loan in loans if loan.is_active]
    return _letter(LetterKind.ACTIVITY_REPORT, patron, active, today, request_id)


def hold_available(patron: PatronContact, hold: HoldNotice, today: date) -> Letter:
    """Tell the patron about their request (`hold.kind`): the requested item waits at
    `hold.library`, the hold expired, the request was cancelled, or (to the borrower) the loan
    is recalled, due at `hold.due_at`."""
    if not hold.kind.about_a_request:
        raise NotifierDomainError(f"kind={hold.kind.value!r} is not a notice of a request")
    # The request's own key, claimed before sending: one letter per request and kind, whatever
    # replays it.
    key = f"{patron.institution}:{hold.request_id}:{hold.kind.value}"
    item = LetterItem(
        hold.request_id,
        hold.title,
        hold.item_barcode,
        hold.library,
        hold.due_at,
        idempotency_key=key,
    )
    letter = _letter(hold.kind, patron, (), today, hold.request_id)
    return replace(
        letter, items=(item,), pickup_until=hold.pickup_until, document_url=hold.document_url
    )


def _letter(
    kind: LetterKind,
    patron: PatronContact,
    loans: Iterable[LoanInChain],
    today: date,
    request_id: str,
) -> Letter:
    items = []
    for loan in sorted(loans, key=lambda loan: (loan.due_at, loan.title)):
        check_same_institution("loan.institution", patron.institution, loan.institution)
        overdue = days_overdue(loan.due_at, today)
        line = LetterItem(
            loan.loan_id, loan.title, loan.item_barcode, loan.library, loan.due_at, overdue
        )
        items.append(line)
    choice = choose_channel(patron, by_post=False)
    if choice.channel is None:
        raise UnreachablePatronError(
            f"patron {patron.patron_id!r} has {choice.reported_reason} for {kind.value}"
        )
    return Letter(
        key=f"{patron.institution}:{patron.patron_id}:{kind.value}:{request_id}",
        institution=patron.institution,
        kind=kind,
        patron=patron,
        day=today,
        channel=choice.channel,
        items=tuple(items),
        reported_reason=choice.reported_reason,
    )

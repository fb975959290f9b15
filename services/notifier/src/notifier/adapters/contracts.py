"""The shared contracts (Kafka events) as the notifier's domain sees them."""

from __future__ import annotations

from datetime import datetime

from rebub_shared.contracts import loans as contract
from rebub_shared.contracts.patrons import IzPatron
from rebub_shared.contracts.requests import (
    RequestCancelled,
    RequestDigitisationDelivered,
    RequestEvent,
    RequestHoldShelfExpired,
    RequestHoldShelfExpiring,
    RequestPlacedOnHoldShelf,
)

from ..domain import HoldNotice, LoanEvent, LoanEventKind, PatronContact, PostalAddress
from ..domain.kinds import LetterKind

_KINDS: dict[type[contract.LoanEvent], LoanEventKind] = {
    contract.LoanCreated: LoanEventKind.CREATED,
    contract.LoanRenewed: LoanEventKind.RENEWED,
    contract.LoanDueDateChanged: LoanEventKind.DUE_DATE_CHANGED,
    contract.LoanRecalled: LoanEventKind.RECALLED,
    contract.LoanReturned: LoanEventKind.RETURNED,
    contract.LoanLost: LoanEventKind.LOST,
    contract.LoanClaimedReturned: LoanEventKind.CLAIMED_RETURNED,
    contract.LoanDeleted: LoanEventKind.DELETED,
}


def loan_event(event: contract.LoanEvent, occurred_at: datetime) -> LoanEvent:
    """The domain's view of a circulation loan event; `occurred_at` is its CloudEvents time.

    An item found puts a lost or claimed loan back to normal: the chain restarts only if
    circulation gave it a new due date (a due date change for the domain); a found item that
    is returned at once ends it.
    """
    loan = event.loan
    if isinstance(event, contract.LoanItemFound):
        kind = (
            LoanEventKind.RETURNED if loan.status == "returned" else LoanEventKind.DUE_DATE_CHANGED
        )
    else:
        kind = _KINDS[type(event)]
    return _event(kind, loan, occurred_at)


# A state record is of an open loan: its status says where it stands in the chain.
_STATE_KINDS: dict[str, LoanEventKind] = {
    "active": LoanEventKind.CREATED,
    "recalled": LoanEventKind.RECALLED,
    "lost": LoanEventKind.LOST,
    "claimed_returned": LoanEventKind.CLAIMED_RETURNED,
}


def loan_state_event(state: contract.LoanState, occurred_at: datetime) -> LoanEvent:
    """A loan as its state record on the loan-state topic gives it, as the event that puts a
    loan not seen before where it stands (`occurred_at`: the record's CloudEvents time)."""
    return _event(_STATE_KINDS[state.loan.status], state.loan, occurred_at)


def _event(kind: LoanEventKind, loan: contract.LoanSnapshot, occurred_at: datetime) -> LoanEvent:
    return LoanEvent(
        kind=kind,
        institution=loan.institution,
        loan_id=loan.loan_id,
        loan_version=loan.version,
        occurred_at=occurred_at,
        patron_id=loan.patron_id,
        item_barcode=loan.item_barcode,
        title=loan.title,
        library=loan.library,
        due_at=loan.due_date,
    )


def patron_contact(patron: IzPatron) -> PatronContact:
    """The patron's name, preferred email and first postal address (no country line in France)."""
    address = patron.contact.addresses[0] if patron.contact.addresses else None
    return PatronContact(
        institution=patron.institution,
        patron_id=patron.primary_id,
        first_name=patron.first_name,
        last_name=patron.last_name,
        email=patron.contact.emails[0] if patron.contact.emails else None,
        postal_address=None
        if address is None
        else PostalAddress(
            lines=tuple(address.lines),
            postcode=address.postal_code,
            city=address.city,
            country=None if address.country.casefold() == "france" else address.country,
        ),
    )


_REQUEST_NOTICES: dict[type[RequestEvent], LetterKind] = {
    RequestHoldShelfExpiring: LetterKind.HOLD_EXPIRING,
    RequestHoldShelfExpired: LetterKind.HOLD_EXPIRED,
    RequestCancelled: LetterKind.REQUEST_CANCELLED,
    RequestDigitisationDelivered: LetterKind.DIGITISATION_DELIVERED,
}


def request_notice(event: RequestEvent) -> tuple[str, HoldNotice] | None:
    """The requester and the notice a request event sends (None: no notice): hold expiring or
    expired, request cancelled, digitisation delivered (with its link, working until
    ``available_until``); internal processing has no requester: no notice."""
    request = event.request
    if request.patron_id is None:
        return None
    kind = _REQUEST_NOTICES.get(type(event))
    if kind is None:
        return None
    url, until = None, request.hold_shelf_expiry
    if isinstance(event, RequestDigitisationDelivered):
        url, until = event.document_url, event.available_until
    notice = HoldNotice(
        request_id=request.request_id,
        title=request.title,
        item_barcode=request.item_barcode,
        library=request.pickup_library,
        pickup_until=until,
        kind=kind,
        document_url=url,
    )
    return request.patron_id, notice


def recall_notice(event: contract.LoanRecalled) -> tuple[str, HoldNotice]:
    """The borrower and the notice of their recalled loan, with its new due date."""
    loan = event.loan
    notice = HoldNotice(
        request_id=event.request_id,
        title=loan.title,
        item_barcode=loan.item_barcode,
        library=loan.library,
        pickup_until=None,
        kind=LetterKind.LOAN_RECALLED,
        due_at=loan.due_date,
    )
    return loan.patron_id, notice


def hold_notice(event: RequestPlacedOnHoldShelf) -> HoldNotice:
    """The hold-available letter's content: the item waiting at the pickup library until expiry."""
    return HoldNotice(
        request_id=event.request.request_id,
        title=event.title,
        item_barcode=event.item_barcode,
        library=event.pickup_library,
        pickup_until=event.hold_shelf_expiry,
    )

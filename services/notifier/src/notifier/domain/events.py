"""Loan events the notifier consumes, and how they move a loan in the chain.

Every event carries a snapshot of the loan (event-carried state), so the notifier can start from
any event, e.g. after its store was rebuilt, and an event for an unknown loan creates its state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from rebub_shared.clock import check_aware

from .errors import LoanMismatchError, check_same_institution
from .loan import REOPENABLE, EndReason, LoanInChain, LoanStatus


class LoanEventKind(StrEnum):
    """What happened to the loan in circulation."""

    CREATED = "created"  # item checked out
    RENEWED = "renewed"  # patron or staff renewal; due_at is the new due date
    DUE_DATE_CHANGED = "due_date_changed"  # staff picked a new due date
    RECALLED = "recalled"  # another patron requested the item; due_at may be shortened
    RETURNED = "returned"  # returned at a desk (also "item found")
    LOST = "lost"  # declared lost, or marked lost by the job past 35 days
    CLAIMED_RETURNED = "claimed_returned"  # patron says it was returned
    DELETED = "deleted"  # loan deleted without return: the item is missing


_ENDINGS: dict[LoanEventKind, EndReason] = {
    LoanEventKind.RETURNED: EndReason.RETURNED,
    LoanEventKind.LOST: EndReason.LOST,
    LoanEventKind.CLAIMED_RETURNED: EndReason.CLAIMED_RETURNED,
    LoanEventKind.DELETED: EndReason.DELETED,
}


@dataclass(frozen=True)
class LoanEvent:
    """A loan event with the loan as it is after the change.

    loan_version: the circulation loan's version, increasing with every change of that loan;
    it orders events and makes redelivery harmless. occurred_at: aware, when it happened.
    """

    kind: LoanEventKind
    institution: str
    loan_id: str
    loan_version: int
    occurred_at: datetime
    patron_id: str
    item_barcode: str
    title: str
    library: str
    due_at: datetime

    def __post_init__(self) -> None:
        check_aware("occurred_at", self.occurred_at)
        check_aware("due_at", self.due_at)


def apply_event(state: LoanInChain | None, event: LoanEvent) -> LoanInChain:
    """The loan's chain state after `event`; `state` is None for a loan not seen before.

    Idempotent: an event whose loan_version is not newer than the state's changes nothing.
    A due date move (renewal, change, recall, or a creation with another date) increments
    due_version and restarts the chain. A return, loss, claim or deletion ends it; a loss or
    claim is reopened only by a later due date move.
    """
    if state is None:
        state = LoanInChain(
            institution=event.institution,
            loan_id=event.loan_id,
            patron_id=event.patron_id,
            item_barcode=event.item_barcode,
            title=event.title,
            library=event.library,
            due_at=event.due_at,
            due_set_at=event.occurred_at,
        )
    else:
        check_same_institution("event.institution", state.institution, event.institution)
        if event.loan_id != state.loan_id:
            raise LoanMismatchError(
                f"event.loan_id is {event.loan_id!r}, expected {state.loan_id!r}"
            )
        if event.loan_version <= state.event_version:
            return state
    # The snapshot is refreshed: a waiting account merged into an institutional one moves the
    # loan to another patron id, and the title may be corrected.
    state = replace(
        state,
        event_version=event.loan_version,
        patron_id=event.patron_id,
        item_barcode=event.item_barcode,
        title=event.title,
        library=event.library,
    )
    if event.kind in _ENDINGS:
        return _end(state, _ENDINGS[event.kind], event.occurred_at)
    return _move(state, event)


def _end(state: LoanInChain, reason: EndReason, at: datetime) -> LoanInChain:
    if state.status is LoanStatus.ENDED and state.ended_reason not in REOPENABLE:
        return state  # a return after a deletion keeps the first, final reason
    return replace(state, status=LoanStatus.ENDED, ended_reason=reason, ended_at=at)


def _move(state: LoanInChain, event: LoanEvent) -> LoanInChain:
    recalled = state.recalled or event.kind is LoanEventKind.RECALLED
    if event.due_at == state.due_at:
        return replace(state, recalled=recalled)
    if state.status is LoanStatus.ENDED and state.ended_reason not in REOPENABLE:
        return state
    return replace(
        state,
        recalled=recalled,
        due_at=event.due_at,
        due_set_at=event.occurred_at,
        due_version=state.due_version + 1,
        status=LoanStatus.ACTIVE,
        ended_reason=None,
        ended_at=None,
    )

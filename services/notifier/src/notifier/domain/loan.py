"""A loan's place in the letter chain, as the notifier keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from rebub_shared.clock import check_aware, paris_date


class LoanStatus(StrEnum):
    """ACTIVE loans get letters; ENDED loans get none."""

    ACTIVE = "active"
    ENDED = "ended"


class EndReason(StrEnum):
    """Why a loan left the chain."""

    RETURNED = "returned"
    LOST = "lost"
    CLAIMED_RETURNED = "claimed_returned"
    DELETED = "deleted"


# A lost or claimed-returned loan stays on the account while the dispute is settled; when staff
# settle it by giving a new due date, the chain starts again. A returned or deleted loan is gone.
REOPENABLE: frozenset[EndReason] = frozenset({EndReason.LOST, EndReason.CLAIMED_RETURNED})


@dataclass(frozen=True)
class LoanInChain:
    """One loan of one institution and where it stands in the letter chain.

    due_at: aware UTC due date and time. due_version: 1 at creation, +1 each time the due date
    moves; it is part of every idempotency key, so a moved chain sends its letters again.
    due_set_at: when the current due date was set (loan, renewal or change).
    event_version: the circulation loan version of the last event applied (older ones are
    ignored). recalled: another patron requested the item (the loan cannot be renewed).
    ended_at: when the loan left the chain (None while active, and for a loan stored before
    it was recorded).
    """

    institution: str
    loan_id: str
    patron_id: str
    item_barcode: str
    title: str
    library: str
    due_at: datetime
    due_set_at: datetime
    due_version: int = 1
    event_version: int = 0
    status: LoanStatus = LoanStatus.ACTIVE
    ended_reason: EndReason | None = None
    recalled: bool = False
    ended_at: datetime | None = None  # when it left the chain (the retention counts from it)

    def __post_init__(self) -> None:
        check_aware("due_at", self.due_at)
        check_aware("due_set_at", self.due_set_at)

    @property
    def due_day(self) -> date:
        """The Paris calendar day the loan is due."""
        return paris_date(self.due_at)

    @property
    def is_active(self) -> bool:
        """True while the loan may still receive letters."""
        return self.status is LoanStatus.ACTIVE

"""Guards of the Loan aggregate: ``check_*`` helpers raising named errors, nothing else."""

from __future__ import annotations

from datetime import datetime

from rebub_shared.bounds import DUE_DATE_FUTURE_YEARS, years_after

from .errors import (
    DueDateInPastError,
    DueDateTooFarError,
    LoanStatusError,
    RecalledLoanNotRenewableError,
    ReturnBeforeLoanError,
    ReturnInFutureError,
)
from .vocabulary import OPEN_LOAN_STATUSES, LoanStatus

_ACTIVE, _RECALLED, _LOST, _CLAIMED = (
    LoanStatus.ACTIVE,
    LoanStatus.RECALLED,
    LoanStatus.LOST,
    LoanStatus.CLAIMED_RETURNED,
)

ALLOWED_STATUSES: dict[str, frozenset[LoanStatus]] = {
    "renew": frozenset({_ACTIVE}),
    "change_due_date": frozenset({_ACTIVE, _RECALLED}),
    "recall": frozenset({_ACTIVE}),
    "check_in": OPEN_LOAN_STATUSES,
    "declare_lost": frozenset({_ACTIVE, _RECALLED, _CLAIMED}),
    "claim_returned": frozenset({_ACTIVE, _RECALLED, _LOST}),
    "item_found": frozenset({_LOST, _CLAIMED}),
    "delete": OPEN_LOAN_STATUSES,
}
"""For each action on a loan, the statuses from which it is allowed."""


def check_status_allows(loan_id: str, status: LoanStatus, action: str) -> None:
    """Raise LoanStatusError if ``action`` is not allowed from ``status``."""
    if status not in ALLOWED_STATUSES[action]:
        raise LoanStatusError(f"loan {loan_id}: cannot {action} when status={status.value!r}")


def check_renewable(loan_id: str, status: LoanStatus) -> None:
    """A recalled loan cannot be renewed (its item is requested); nor can a closed one."""
    if status is LoanStatus.RECALLED:
        raise RecalledLoanNotRenewableError(
            f"loan {loan_id}: status='recalled': the item is requested by another patron"
        )
    check_status_allows(loan_id, status, "renew")


def check_due_date_not_past(due_at: datetime, now: datetime) -> None:
    """A new due date earlier than now is refused, and one more than a few years ahead."""
    if due_at < now:
        raise DueDateInPastError(f"due_at={due_at.isoformat()!r} is before now={now.isoformat()!r}")
    latest = years_after(now, DUE_DATE_FUTURE_YEARS)
    if due_at > latest:
        raise DueDateTooFarError(
            f"due_at={due_at.isoformat()!r} is after {latest.isoformat()!r} "
            f"({DUE_DATE_FUTURE_YEARS} years from now)"
        )


def check_return_date(returned_at: datetime, loaned_at: datetime, now: datetime) -> None:
    """A backdated return is allowed, but not in the future nor before the loan."""
    if returned_at > now:
        raise ReturnInFutureError(
            f"returned_at={returned_at.isoformat()!r} is after now={now.isoformat()!r}"
        )
    if returned_at < loaned_at:
        raise ReturnBeforeLoanError(
            f"returned_at={returned_at.isoformat()!r} is before loaned_at={loaned_at.isoformat()!r}"
        )

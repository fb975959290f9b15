"""Returns: days late, suspension after a late return, and the item's next step."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rebub_shared.clock import as_utc, paris_date

from .item import Item
from .loan import Loan
from .next_step import NextStep, next_step_after_return
from .paris_time import days_late
from .patron import Patron
from .policy import InstitutionPolicy
from .values import ValueModel


class ReturnOutcome(ValueModel):
    """One line of a (bulk) return: lateness, the patron's suspension after it, next step."""

    loan_id: str
    days_late: int
    suspended_until: date | None
    next_step: NextStep


def suspension_after_return(
    policy: InstitutionPolicy, due_at: datetime, returned_at: datetime, current: date | None
) -> date | None:
    """The patron's last suspended day after this return, or ``current`` when unchanged.

    Only where the institution applies suspensions. N days late suspends N Paris days,
    the return day included (returned 4 Dec, 2 days late: suspended 4 and 5 Dec). A longer
    running suspension is never shortened.
    """
    late = days_late(due_at, returned_at)
    if not policy.suspension_after_late_return or late == 0:
        return current
    new_until = paris_date(returned_at) + timedelta(days=late - 1)
    return new_until if current is None else max(current, new_until)


def check_in_loan(
    loan: Loan,
    *,
    item: Item,
    patron: Patron,
    policy: InstitutionPolicy,
    returned_at: datetime,
    now: datetime,
    library: str,
    desk: str,
    request_pickup_library: str | None = None,
) -> ReturnOutcome:
    """Return ``loan`` at ``desk`` of ``library``; ``returned_at`` may be backdated, not future.

    The caller stores the loan (with its LoanReturned event) and, when ``suspended_until``
    differs from the patron's, the patron's new suspension. ``request_pickup_library`` is
    the hook for the request queue (hold shelf), None while requests do not exist.
    """
    returned_at = as_utc("returned_at", returned_at)
    policy.library(library)  # an unknown desk library is an error, not a silent transit
    late = days_late(loan.due_at, returned_at)
    until = suspension_after_return(policy, loan.due_at, returned_at, patron.suspended_until)
    step = next_step_after_return(item, library, request_pickup_library)
    loan.check_in(
        returned_at=returned_at,
        now=now,
        library=library,
        desk=desk,
        days_late=late,
        suspended_until=until,
        next_step=step,
    )
    return ReturnOutcome(
        loan_id=loan.loan_id, days_late=late, suspended_until=until, next_step=step
    )

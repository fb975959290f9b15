"""The aged-to-lost job's rule: a loan more than ``litigation_after_days`` overdue becomes lost.

DOMAIN section 7: at recall 3 (due date + 35 days) the patron passes to litigation and the item
becomes lost; an automatic job marks items more than 35 days overdue as lost. The litigation
block follows from the loan itself (``blocks``): it stays until the item comes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rebub_shared.clock import as_utc

from .loan import Loan
from .paris_time import days_late
from .policy import InstitutionPolicy
from .vocabulary import LoanStatus

_AGEABLE = frozenset({LoanStatus.ACTIVE, LoanStatus.RECALLED})


def is_aged_to_lost(loan: Loan, policy: InstitutionPolicy, now: datetime) -> bool:
    """True for an active or recalled loan more than the litigation delay overdue at ``now``."""
    late = days_late(loan.due_at, as_utc("now", now))
    return loan.status in _AGEABLE and late > policy.litigation_after_days


def age_to_lost(loans: Iterable[Loan], policy: InstitutionPolicy, now: datetime) -> list[Loan]:
    """Declare lost (by the job) every loan aged past the delay; return those changed."""
    aged = [loan for loan in loans if is_aged_to_lost(loan, policy, now)]
    for loan in aged:
        loan.declare_lost(now=now, declared_by="aged_to_lost_job")
    return aged

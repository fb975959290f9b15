"""The Loan aggregate: one item lent to one patron, its state and its outbox of events.

Each state change updates the fields, bumps ``version`` and appends a pending event to
``pending_events``; the repository writes both in one document write (optimistic on
``version``), and a relay publishes then clears the pending events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, Field

from rebub_shared.clock import as_utc

from . import loan_guards as guards
from .aggregate import Aggregate
from .due_dates import DueDateExplanation, due_at_for_renewal
from .events import (
    LoanClaimedReturned,
    LoanCreated,
    LoanDeleted,
    LoanDueDateChanged,
    LoanEvent,
    LoanItemFound,
    LoanLost,
    LoanRecalled,
    LoanRenewed,
    LoanReturned,
    LostDeclaredBy,
)
from .library_calendar import LibraryCalendar
from .next_step import NextStep
from .overrides import OverrideRecord
from .period import Period
from .vocabulary import (
    OPEN_LOAN_STATUSES,
    InstitutionCode,
    LoanStatus,
    RenewalOrigin,
)


class Loan(Aggregate[LoanEvent]):
    """A loan. Build it with ``Loan.lend`` (or ``checkout.check_out``), then call its actions."""

    loan_id: str
    institution: InstitutionCode
    patron_id: str
    item_barcode: str
    title: str
    library: str
    location: str
    loaned_at: AwareDatetime
    due_at: AwareDatetime
    original_due_at: AwareDatetime = Field(description="due date fixed at loan time")
    returned_at: AwareDatetime | None = None
    status: LoanStatus = LoanStatus.ACTIVE
    renewal_count: int = 0
    last_renewal_origin: RenewalOrigin | None = None
    rule_names: tuple[str, ...]
    override: OverrideRecord | None = None

    @classmethod
    def lend(
        cls,
        *,
        loan_id: str,
        institution: InstitutionCode,
        patron_id: str,
        item_barcode: str,
        title: str,
        library: str,
        location: str,
        due_at: datetime,
        rule_names: tuple[str, ...],
        now: datetime,
        override: OverrideRecord | None = None,
    ) -> Loan:
        """A new active loan made at ``now``; ``due_at`` is also the due date fixed at loan time.

        Records LoanCreated. ``checkout.check_out`` checks blocks and rules, then calls this.
        """
        now, due_at = as_utc("now", now), as_utc("due_at", due_at)
        loan = cls(
            loan_id=loan_id,
            institution=institution,
            patron_id=patron_id,
            item_barcode=item_barcode,
            title=title,
            library=library,
            location=location,
            loaned_at=now,
            due_at=due_at,
            original_due_at=due_at,
            rule_names=rule_names,
            override=override,
        )
        loan._record(
            LoanCreated,
            now,
            library=library,
            location=location,
            title=title,
            loaned_at=now,
            due_at=due_at,
            rule_names=rule_names,
            override=override,
        )
        return loan

    @property
    def is_open(self) -> bool:
        """True while the loan is on the patron's account (not returned nor deleted)."""
        return self.status in OPEN_LOAN_STATUSES

    def renew(
        self,
        *,
        now: datetime,
        loan_period: Period,
        renewal_period: Period,
        calendar: LibraryCalendar,
        origin: RenewalOrigin,
        override: OverrideRecord | None = None,
    ) -> DueDateExplanation:
        """Renew at ``now``; returns the new due date with its explanation. Records LoanRenewed
        (with ``override`` when a manager renewed despite the renewal guards)."""
        guards.check_renewable(self.loan_id, self.status)
        explained = due_at_for_renewal(
            now, loan_period, self.original_due_at, renewal_period, calendar, self.due_at
        )
        previous, self.due_at = self.due_at, explained.due_at
        self.renewal_count += 1
        self.last_renewal_origin = origin
        self._record(
            LoanRenewed,
            now,
            previous_due_at=previous,
            due_at=self.due_at,
            origin=origin,
            renewal_count=self.renewal_count,
            override=override,
        )
        return explained

    def change_due_date(self, *, due_at: datetime, now: datetime, operator: str) -> None:
        """Staff set a new due date (not in the past). Records LoanDueDateChanged."""
        due_at, now = as_utc("due_at", due_at), as_utc("now", now)
        guards.check_status_allows(self.loan_id, self.status, "change_due_date")
        guards.check_due_date_not_past(due_at, now)
        previous, self.due_at = self.due_at, due_at
        self._record(
            LoanDueDateChanged, now, previous_due_at=previous, due_at=due_at, operator=operator
        )

    def recall(self, *, now: datetime, request_id: str, due_at: datetime | None = None) -> None:
        """Recall for another patron's request ``request_id``; ``due_at`` may only bring the due
        date forward. Records LoanRecalled."""
        guards.check_status_allows(self.loan_id, self.status, "recall")
        previous = self.due_at
        if due_at is not None:
            self.due_at = min(self.due_at, as_utc("due_at", due_at))
        self.status = LoanStatus.RECALLED
        self._record(
            LoanRecalled, now, previous_due_at=previous, due_at=self.due_at, request_id=request_id
        )

    def check_in(
        self,
        *,
        returned_at: datetime,
        now: datetime,
        library: str,
        desk: str,
        days_late: int,
        suspended_until: date | None,
        next_step: NextStep,
    ) -> None:
        """Close the loan as returned (maybe backdated). Prefer ``returns.check_in_loan``."""
        returned_at, now = as_utc("returned_at", returned_at), as_utc("now", now)
        guards.check_status_allows(self.loan_id, self.status, "check_in")
        guards.check_return_date(returned_at, self.loaned_at, now)
        self.status, self.returned_at = LoanStatus.RETURNED, returned_at
        self._record(
            LoanReturned,
            now,
            returned_at=returned_at,
            returned_at_library=library,
            desk=desk,
            days_late=days_late,
            suspended_until=suspended_until,
            next_step=next_step,
        )

    def declare_lost(self, *, now: datetime, declared_by: LostDeclaredBy = "staff") -> None:
        """Mark the loan lost (staff, or the over-35-days job). Records LoanLost."""
        self._move("declare_lost", LoanStatus.LOST, LoanLost, now, declared_by=declared_by)

    def claim_returned(self, *, now: datetime) -> None:
        """The patron says the item was returned. Records LoanClaimedReturned."""
        self._move("claim_returned", LoanStatus.CLAIMED_RETURNED, LoanClaimedReturned, now)

    def item_found(self, *, now: datetime) -> None:
        """A lost or claimed-returned item turned up: active again until checked in."""
        self._move("item_found", LoanStatus.ACTIVE, LoanItemFound, now)

    def delete(self, *, now: datetime) -> None:
        """Delete without return (the item will never come back and becomes missing)."""
        self._move("delete", LoanStatus.DELETED, LoanDeleted, now)

    def _move(
        self,
        action: str,
        to: LoanStatus,
        event: Callable[..., LoanEvent],
        now: datetime,
        **fields: Any,
    ) -> None:
        guards.check_status_allows(self.loan_id, self.status, action)
        self.status = to
        self._record(event, now, **fields)

    @property
    def aggregate_id(self) -> str:
        return self.loan_id

    def _event_fields(self) -> dict[str, Any]:
        return {
            "institution": self.institution,
            "loan_id": self.loan_id,
            "patron_id": self.patron_id,
            "item_barcode": self.item_barcode,
            "loan_version": self.version,
        }

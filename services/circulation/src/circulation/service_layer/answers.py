"""What the handlers answer: loans as the desk sees them, renewal and return lines, blocks."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, Field

from circulation.domain import Block, DeskNote, LoanStatus, OverrideRecord, RenewalOrigin
from circulation.domain.next_step import NextStep

from .ports import StoredLoan


class LoanView(BaseModel):
    """A loan on the patron's account."""

    loan_id: str
    patron_id: str
    item_barcode: str
    title: str
    library: str
    location: str
    circ_desk: str | None
    session_id: str | None
    loaned_at: AwareDatetime
    due_at: AwareDatetime
    original_due_at: AwareDatetime
    returned_at: AwareDatetime | None
    status: LoanStatus
    renewal_count: int
    last_renewal_origin: RenewalOrigin | None
    rule_names: tuple[str, ...]
    override: OverrideRecord | None
    version: int

    @classmethod
    def of(cls, stored: StoredLoan) -> LoanView:
        """The view of a stored loan."""
        fields = stored.loan.model_dump(exclude={"pending_events", "institution"})
        return cls(**fields, circ_desk=stored.circ_desk, session_id=stored.session_id)


class LoanDetails(LoanView):
    """A loan with what the desk hides by default: return desk and session, notes."""

    return_desk: str | None
    return_session_id: str | None
    notes: list[str]

    @classmethod
    def of(cls, stored: StoredLoan) -> LoanDetails:
        view = LoanView.of(stored)
        return cls(
            **dict(view),
            return_desk=stored.return_desk,
            return_session_id=stored.return_session_id,
            notes=list(stored.notes),
        )


class CheckoutAnswer(BaseModel):
    """A new loan, its due date explained, the rule that decided and any overridden blocks."""

    loan: LoanView
    due_date_steps: list[str]
    rule: str
    overridden_blocks: list[Block]


class RenewalLine(BaseModel):
    """One loan of a renewal: renewed with its new due date, or refused with the reason."""

    loan_id: str
    renewed: bool
    due_at: AwareDatetime | None = None
    previous_due_at: AwareDatetime | None = None
    steps: list[str] = []
    refusal: str | None = None
    reason: str | None = None
    overridden_blocks: list[str] = Field(
        default=[], description="the renewal guards a manager overrode for this renewal"
    )


class RenewalAnswer(BaseModel):
    lines: list[RenewalLine]


class DueDateLine(BaseModel):
    """One loan whose due date staff changed."""

    loan_id: str
    previous_due_at: AwareDatetime
    due_at: AwareDatetime


class DueDateAnswer(BaseModel):
    lines: list[DueDateLine]


class ReturnAnswer(BaseModel):
    """One line of a (bulk) return: the loan closed, lateness, suspension, the item's next step."""

    loan: LoanView | None = Field(description="None when a scanned item had no loan (a hold).")
    days_late: int
    suspended_until: date | None
    next_step: NextStep
    next_step_text: str
    request_id: str | None = Field(default=None, description="The hold the item now serves.")


class PatronLoans(BaseModel):
    patron_id: str
    loans: list[LoanView]


class PatronBlocks(BaseModel):
    """Why the patron cannot borrow now (an empty list: the patron may borrow)."""

    patron_id: str
    can_borrow: bool
    blocks: list[Block]
    desk_notes: list[DeskNote] = Field(
        default=[], description="the account's notes flagged to show when the patron is identified"
    )


class ItemsLoaded(BaseModel):
    loaded: int

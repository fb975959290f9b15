"""Loan domain events (past tense), appended to the loan's outbox by each state change.

The published CloudEvents contract (shared library) maps these later; ``event_id`` is
``{loan_id}:{loan_version}``, stable across retries, so relays and consumers can deduplicate.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from .next_step import NextStep
from .overrides import OverrideRecord
from .values import ValueModel
from .vocabulary import InstitutionCode, RenewalOrigin

LostDeclaredBy = Literal["staff", "aged_to_lost_job"]


class LoanEventBase(ValueModel):
    """Fields every loan event carries: tenant, loan, patron, item, time and loan version."""

    event_id: str
    institution: InstitutionCode
    loan_id: str
    patron_id: str
    item_barcode: str
    occurred_at: AwareDatetime
    loan_version: int


class LoanCreated(LoanEventBase):
    """An item was lent: where, until when, under which rule(s), with any override."""

    type: Literal["LoanCreated"] = "LoanCreated"
    library: str
    location: str
    title: str
    loaned_at: AwareDatetime
    due_at: AwareDatetime
    rule_names: tuple[str, ...]
    override: OverrideRecord | None = None


class LoanRenewed(LoanEventBase):
    """The loan was renewed from the desk or by the patron; the new due date is given."""

    type: Literal["LoanRenewed"] = "LoanRenewed"
    previous_due_at: AwareDatetime
    due_at: AwareDatetime
    origin: RenewalOrigin
    renewal_count: int
    override: OverrideRecord | None = None


class LoanDueDateChanged(LoanEventBase):
    """Staff changed the due date by hand."""

    type: Literal["LoanDueDateChanged"] = "LoanDueDateChanged"
    previous_due_at: AwareDatetime
    due_at: AwareDatetime
    operator: str


class LoanRecalled(LoanEventBase):
    """Another patron requested the item: the loan is recalled, maybe with an earlier due date."""

    type: Literal["LoanRecalled"] = "LoanRecalled"
    previous_due_at: AwareDatetime
    due_at: AwareDatetime
    request_id: str


class LoanReturned(LoanEventBase):
    """The item came back; days late, any suspension and the item's next step are given."""

    type: Literal["LoanReturned"] = "LoanReturned"
    returned_at: AwareDatetime
    returned_at_library: str
    desk: str
    days_late: int
    suspended_until: date | None
    next_step: NextStep


class LoanLost(LoanEventBase):
    """The loan was declared lost (by staff or by the over-35-days job); the item is lost."""

    type: Literal["LoanLost"] = "LoanLost"
    declared_by: LostDeclaredBy = "staff"


class LoanClaimedReturned(LoanEventBase):
    """The patron says the item was returned; the loan stays open while it is checked."""

    type: Literal["LoanClaimedReturned"] = "LoanClaimedReturned"


class LoanItemFound(LoanEventBase):
    """A lost or claimed-returned item turned up: the loan is active again until checked in."""

    type: Literal["LoanItemFound"] = "LoanItemFound"


class LoanDeleted(LoanEventBase):
    """The loan was deleted without a return (item never coming back): the item is missing."""

    type: Literal["LoanDeleted"] = "LoanDeleted"


LoanEvent = Annotated[
    LoanCreated
    | LoanRenewed
    | LoanDueDateChanged
    | LoanRecalled
    | LoanReturned
    | LoanLost
    | LoanClaimedReturned
    | LoanItemFound
    | LoanDeleted,
    Field(discriminator="type"),
]
"""Any loan event, told apart by its ``type`` field (round-trips through the outbox)."""

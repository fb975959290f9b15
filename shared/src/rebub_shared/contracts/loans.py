"""Loan events, on ``{inst}.circulation.loan.v1`` (key: the patron id, so one patron's events stay in
order).

Each event carries the whole loan as it is after the change (``LoanSnapshot``), with a per-loan
``version`` that only grows: a subscriber keeps the newest version and ignores older or repeated
deliveries. Event names map one to one onto Alma's loan webhooks (``alma_event``), so a subscriber
of Alma's webhooks can switch.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rebub_shared import bounds
from rebub_shared.cloudevents import EventPayload
from rebub_shared.tenancy import InstitutionCode

LoanStatus = Literal["active", "recalled", "returned", "lost", "claimed_returned", "deleted"]
RenewalOrigin = Literal["desk", "patron"]

ANONYMISED_PATRON = "anonymised"
"""The patron id of a loan anonymised by retention or by an erasure: nobody to write to."""


class LoanSnapshot(BaseModel):
    """A loan as it stands after the change the event reports."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    loan_id: bounds.EventId = Field(description="Unique within the institution.")
    institution: InstitutionCode
    patron_id: bounds.EventId = Field(
        description="The patron's primary id in the institution zone."
    )
    item_barcode: bounds.EventCode
    title: bounds.EventTitle
    library: bounds.EventCode = Field(description="Code of the item's owning library.")
    location: bounds.EventCode = Field(description="Code of the item's location.")
    circ_desk: bounds.EventCode | None = Field(
        default=None, description="Desk where the loan was made."
    )
    loan_date: AwareDatetime
    due_date: AwareDatetime
    original_due_date: AwareDatetime = Field(description="The due date fixed at loan time.")
    return_date: AwareDatetime | None = None
    return_desk: bounds.EventCode | None = None
    status: LoanStatus
    renewal_count: int = 0
    last_renewal_origin: RenewalOrigin | None = None
    policy: bounds.EventName | None = Field(
        default=None, description="Name of the rule that decided the loan."
    )
    version: int = Field(ge=1, description="Grows with every change of this loan.")


class LoanEvent(EventPayload):
    """Base of the loan events: the loan after the change."""

    alma_event: ClassVar[str | None]
    loan: LoanSnapshot

    def issuer(self) -> str | None:
        return self.loan.institution


class LoanCreated(LoanEvent):
    """A patron borrowed an item (Alma: LOAN_CREATED)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan.created.v1"
    alma_event: ClassVar[str | None] = "LOAN_CREATED"
    override: dict[str, str] | None = Field(
        default=None, description="Who overrode which blocks and why, when a block was overridden."
    )


class LoanRenewed(LoanEvent):
    """A loan was renewed, at the desk or by the patron (Alma: LOAN_RENEWED)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan.renewed.v1"
    alma_event: ClassVar[str | None] = "LOAN_RENEWED"
    previous_due_date: AwareDatetime
    override: dict[str, str] | None = Field(
        default=None,
        description="Who renewed despite the patron's blocks (renewal guards), why, and which.",
    )


class LoanDueDateChanged(LoanEvent):
    """Staff changed a loan's due date on the calendar (Alma: LOAN_DUE_DATE)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan.due-date-changed.v1"
    alma_event: ClassVar[str | None] = "LOAN_DUE_DATE"
    previous_due_date: AwareDatetime


class LoanReturned(LoanEvent):
    """The item came back; the loan is closed (Alma: LOAN_RETURNED)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan.returned.v1"
    alma_event: ClassVar[str | None] = "LOAN_RETURNED"
    days_late: int = Field(default=0, ge=0, description="Paris calendar days after the due date.")


class LoanLost(LoanEvent):
    """The item was declared lost, by staff or by the aged-to-lost job (Alma: LOAN_LOST)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan.lost.v1"
    alma_event: ClassVar[str | None] = "LOAN_LOST"
    declared_by: Literal["staff", "aged_to_lost_job"]


class LoanClaimedReturned(LoanEvent):
    """The patron says the item was returned (Alma: LOAN_CLAIMED_RETURNED)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan.claimed-returned.v1"
    alma_event: ClassVar[str | None] = "LOAN_CLAIMED_RETURNED"


class LoanRecalled(LoanEvent):
    """Another patron requested the item: the loan is recalled and can no longer be renewed."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan.recalled.v1"
    alma_event: ClassVar[str | None] = None
    request_id: bounds.EventId = Field(
        description="The request that recalled the loan.", min_length=1
    )


class LoanItemFound(LoanEvent):
    """A lost or claimed-returned item turned up: the loan is back to a normal status."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan.item-found.v1"
    alma_event: ClassVar[str | None] = None


class LoanDeleted(LoanEvent):
    """The loan was deleted without a return (the item will never come back; it is missing)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan.deleted.v1"
    alma_event: ClassVar[str | None] = None


LOAN_EVENTS: tuple[type[LoanEvent], ...] = (
    LoanCreated,
    LoanRenewed,
    LoanDueDateChanged,
    LoanReturned,
    LoanLost,
    LoanClaimedReturned,
    LoanRecalled,
    LoanItemFound,
    LoanDeleted,
)


class LoanState(EventPayload):
    """The current state of an open loan, on the compacted ``{inst}.circulation.loan-state.v1``
    (key: the loan id). Written beside every loan change; when the loan closes (returned,
    deleted) its key gets a tombstone (null value; headers ``ce_id``, ``ce_tenant``,
    ``ce_source``), so the topic holds the open loans only: a new subscriber reads it from the
    start to know them, then follows the loan events."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan.state.v1"
    loan: LoanSnapshot

    def issuer(self) -> str | None:
        return self.loan.institution


class LoanActivitySummary(EventPayload):
    """A minimal loan summary on ``net.loan-activity.v1`` for the network activity tab of the other
    institutions: no names, no contact data. Key: the patron's network zone primary id."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.loan-activity.changed.v1"
    primary_id: bounds.EventId = Field(description="The patron's network zone primary id.")
    institution: InstitutionCode
    loan_id: bounds.EventId
    title: bounds.EventTitle
    due_date: AwareDatetime
    status: LoanStatus
    version: int = Field(ge=1)

    def issuer(self) -> str | None:
        return self.institution

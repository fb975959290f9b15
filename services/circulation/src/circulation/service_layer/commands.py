"""Commands, named in the imperative; every one names its institution (the tenant).

Accepted formats: item barcodes are 4 to 32 ASCII letters or digits (what the libraries' Code 128
labels carry, no spaces or punctuation); a patron is named by primary id or card barcode (1 to 64
characters without spaces); instants are ISO 8601 with a UTC offset; days are ``YYYY-MM-DD``.
"""

from __future__ import annotations

from typing import Generic

from pydantic import BaseModel, ConfigDict, Field, model_validator

from circulation.domain import ItemStatus, RenewalOrigin
from circulation.domain.vocabulary import InstitutionCode
from rebub_shared import bounds, messagebus
from rebub_shared.bounds import Barcode as ItemBarcode
from rebub_shared.bounds import Identifier as PatronRef  # a primary id or a card barcode
from rebub_shared.contracts.patrons import IzPatron
from rebub_shared.messagebus import R

from .account_answers import ItemView
from .answers import (
    CheckoutAnswer,
    DueDateAnswer,
    ItemsLoaded,
    PatronBlocks,
    PatronLoans,
    RenewalAnswer,
    RenewalLine,
    ReturnAnswer,
)

__all__ = ["ITEM_BARCODE_PATTERN", "ItemBarcode", "PatronRef"]  # and the commands below

ITEM_BARCODE_PATTERN = bounds.ITEM_BARCODE


class Command(BaseModel, messagebus.Command[R], Generic[R]):
    """Base of the commands: immutable, unknown fields refused, the tenant named; ``R`` is what
    its handler answers (``MessageBus.handle`` returns it, typed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    institution: InstitutionCode


class DeskCommand(Command[R], Generic[R]):
    """A command made at a circulation desk by an operator (the desk may be absent only where a
    command says so, e.g. a patron's own renewal from the discovery interface)."""

    desk: bounds.Code | None
    operator: bounds.Identifier


class Override(BaseModel):
    """Lend or renew despite the blocks, and why (by the command's operator: the token's
    subject)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    reason: bounds.Reason


class CheckOutItem(DeskCommand[CheckoutAnswer]):
    """Lend an item to a patron; ``session_id`` groups the loans of one desk session."""

    patron: PatronRef
    item_barcode: ItemBarcode
    override: Override | None = None
    session_id: bounds.Identifier | None = None


class RenewLoan(DeskCommand[RenewalLine]):
    """Renew one loan, at the desk or by the patron."""

    loan_id: str
    origin: RenewalOrigin = RenewalOrigin.DESK
    override: Override | None = None


class RenewPatronLoans(DeskCommand[RenewalAnswer]):
    """Renew the selected loans of a patron (``loan_ids``), or all of them (``loan_ids=None``)."""

    patron: PatronRef
    loan_ids: tuple[str, ...] | None = None
    origin: RenewalOrigin = RenewalOrigin.DESK
    override: Override | None = None


class NewDueDate(BaseModel):
    """A due instant, or a day (due at the loan library's closing time, next opening day if
    closed): exactly one of the two."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    due_at: bounds.Instant | None = None
    due_date: bounds.Day | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> NewDueDate:
        if (self.due_at is None) == (self.due_date is None):
            raise ValueError("give exactly one of due_at (an instant) and due_date (a day)")
        return self


class ChangeDueDate(DeskCommand[DueDateAnswer]):
    """Staff set a new due date on one loan."""

    loan_id: str
    due: NewDueDate


class ChangePatronDueDates(DeskCommand[DueDateAnswer]):
    """Staff set a new due date on the selected loans of a patron, or on all of them."""

    patron: PatronRef
    loan_ids: tuple[str, ...] | None = None
    due: NewDueDate


class ReturnItem(DeskCommand[ReturnAnswer]):
    """Check an item in at a desk; ``returned_at`` backdates the return (default: now)."""

    item_barcode: ItemBarcode
    returned_at: bounds.Instant | None = None
    session_id: bounds.Identifier | None = None


class ItemRecord(BaseModel):
    """One item as a file line or an API entry gives it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    barcode: ItemBarcode
    title: bounds.Title
    library: bounds.Code
    location: bounds.Code
    item_policy: bounds.Code | None = None
    status: ItemStatus | None = Field(
        default=None,
        description="Set only when named: a reload keeps a known item's status (new: available).",
    )


class LoadItems(Command[ItemsLoaded]):
    """Add or replace items of the institution (all checked before any is written)."""

    items: tuple[ItemRecord, ...] = Field(min_length=1)


class RecordPatronChange(Command[bool]):
    """Keep the newest snapshot of a patron of this institution zone (from ``{inst}.patron.v1``)."""

    patron: IzPatron


class ForgetPatron(Command[int]):
    """A tombstone on ``{inst}.patron.v1``: the snapshot goes; for an erasure (``erasure``) the
    loans (open ones too, with the item's state kept) and requests are anonymised."""

    patron_id: str
    erasure: bool = True


class MergeWaitingAccount(Command[int]):
    """Move a waiting account's loans (and suspension) to the institutional primary id."""

    waiting_id: str
    primary_id: str


class ListPatronLoans(DeskCommand[PatronLoans]):
    """The patron's open loans: all, or those of one desk session."""

    patron: PatronRef
    session_id: str | None = None


class ShowPatronBlocks(DeskCommand[PatronBlocks]):
    """The blocks that stop the patron borrowing now (answered when the patron is identified)."""

    patron: PatronRef


class ShowItem(Command[ItemView]):
    barcode: ItemBarcode


class ChangeItemStatus(DeskCommand[ItemView]):
    """Staff set an item's status, with the reason (audited by the route)."""

    barcode: ItemBarcode
    status: ItemStatus
    reason: bounds.Reason

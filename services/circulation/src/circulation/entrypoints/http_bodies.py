"""Request bodies of the desk API. The desk may come in the body or in the ``X-Desk`` header
(the header wins); the operator is the access token's subject, so an ``operator`` field is
refused (422, extra fields are forbidden)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from circulation.domain import RenewalOrigin
from circulation.service_layer.commands import (
    ItemBarcode,
    ItemRecord,
    NewDueDate,
    Override,
    PatronRef,
)
from circulation.service_layer.loan_commands import Scan
from rebub_shared import bounds


class DeskFields(BaseModel):
    """Where the call comes from, when not given in the header."""

    model_config = ConfigDict(extra="forbid")
    desk: bounds.Code | None = None


class CheckoutBody(DeskFields):
    patron: PatronRef = Field(description="Primary id or card barcode.")
    item_barcode: ItemBarcode = Field(description="4 to 32 ASCII letters or digits.")
    override: Override | None = Field(
        default=None, description="Lend despite overridable blocks: a reason is required."
    )
    session_id: bounds.Identifier | None = Field(
        default=None, description="The desk session (or X-Desk-Session)."
    )


def _renewal_override() -> Override | None:
    return Field(  # type: ignore[no-any-return]
        default=None,
        description="Renew despite the patron's blocks (renewal guards): a reason is required.",
    )


class RenewalBody(DeskFields):
    origin: RenewalOrigin = RenewalOrigin.DESK
    override: Override | None = _renewal_override()


class Selection(DeskFields):
    """The selected loans (``loan_ids``) or ``all: true``: exactly one of the two."""

    loan_ids: list[bounds.Identifier] | None = Field(default=None, min_length=1, max_length=500)
    all: bool = False

    @model_validator(mode="after")
    def _selected_or_all(self) -> Selection:
        if (self.loan_ids is None) != self.all:
            raise ValueError("give either loan_ids (the selected loans) or all: true")
        return self

    @property
    def chosen(self) -> tuple[str, ...] | None:
        return None if self.all else tuple(self.loan_ids or ())


class PatronRenewalBody(Selection):
    origin: RenewalOrigin = RenewalOrigin.DESK
    override: Override | None = _renewal_override()


class DueDateBody(DeskFields, NewDueDate):
    """A new due date: ``due_at`` (an instant) or ``due_date`` (a day, due at closing time)."""


class PatronDueDateBody(Selection, NewDueDate):
    """A new due date for the selected loans or all loans of the patron."""


class ReturnBody(DeskFields):
    item_barcode: ItemBarcode = Field(description="4 to 32 ASCII letters or digits.")
    returned_at: bounds.Instant | None = Field(
        default=None, description="Backdated return (ISO 8601 with offset); default now."
    )
    session_id: bounds.Identifier | None = Field(
        default=None, description="The desk session (or X-Desk-Session)."
    )


class ItemsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[ItemRecord] = Field(min_length=1, max_length=bounds.ITEMS_PER_CALL)


class RequestBody(DeskFields):
    """A hold or digitisation request (no desk: from the discovery interface)."""

    kind: Literal["hold", "digitisation"]
    patron: PatronRef = Field(description="Primary id or card barcode of the requester.")
    item_barcode: ItemBarcode
    pickup_library: bounds.Code | None = Field(
        default=None, description="Default: the desk's library, else the item's library."
    )


class CancelBody(DeskFields):
    reason: bounds.Reason


class DeliveryBody(DeskFields):
    """A digitisation's copy: its link and the last day it works (optional)."""

    document_url: bounds.DocumentUrl
    available_until: bounds.Day | None = None


class NoteBody(DeskFields):
    note: bounds.Note


class ReturnBatchBody(DeskFields):
    scans: list[Scan] = Field(min_length=1, max_length=1000)
    session_id: bounds.Identifier | None = Field(
        default=None, description="The desk session (or header)."
    )


class ExplainBody(DeskFields):
    """Dry run of the rules: which rule, due date and blocks for this patron and item at ``at``."""

    patron: PatronRef
    item_barcode: ItemBarcode
    at: bounds.Instant | None = Field(default=None, description="Default: now.")

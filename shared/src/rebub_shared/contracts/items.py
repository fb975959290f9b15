"""Item events, on ``{inst}.circulation.item.v1`` (key: the item barcode, so one item's changes
stay in order).

Only the statuses staff set by hand are published (available, missing, in process): the others
follow loans and requests, whose own events say so. No personal data: who changed it is in
circulation's audit trail, not in the event.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from rebub_shared import bounds
from rebub_shared.cloudevents import EventPayload
from rebub_shared.tenancy import InstitutionCode

ItemStatus = Literal[
    "available", "on_loan", "in_transit", "on_hold_shelf", "in_process", "lost", "missing"
]


class ItemStatusChanged(EventPayload):
    """Staff changed an item's status at a desk, with the reason (missing found again,
    damaged and sent to processing, in processing back on the shelf)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.item.status-changed.v1"
    institution: InstitutionCode
    item_barcode: bounds.EventCode
    library: bounds.EventCode = Field(description="The item's owning library.")
    previous_status: ItemStatus
    status: ItemStatus
    reason: bounds.EventReason = Field(description="Why, as staff gave it at the desk.")
    changed_at: AwareDatetime = Field(description="When staff changed it.")
    version: int = Field(ge=1, description="Grows with every staff change of this item.")

    def issuer(self) -> str | None:
        return self.institution


ITEM_EVENTS: tuple[type[EventPayload], ...] = (ItemStatusChanged,)

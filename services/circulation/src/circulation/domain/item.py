"""An item as circulation sees it (the catalogue owns the rest of the record), and the staff
change of its status with the event it writes."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from .errors import CirculationError
from .values import ValueModel
from .vocabulary import InstitutionCode, ItemStatus

#: Statuses staff set by hand; on loan, in transit and on the hold shelf follow loans and
#: requests, lost follows the loan's own actions.
STAFF_STATUSES = frozenset({ItemStatus.AVAILABLE, ItemStatus.MISSING, ItemStatus.IN_PROCESS})


class Item(ValueModel):
    """A physical item: where it belongs, its item-level policy and its status.

    ``status_version`` counts staff status changes (each one's event); catalogue loads keep it.
    """

    institution: InstitutionCode
    barcode: str = Field(min_length=1)
    title: str
    library: str = Field(description="code of the owning library")
    location: str = Field(description="code of the location, inside the owning library")
    item_policy: str | None = Field(
        default=None, description="code of an item-level exception, or None for the location rule"
    )
    status: ItemStatus = ItemStatus.AVAILABLE
    status_version: int = 0


class LoadedItem(ValueModel):
    """An item as a catalogue load gives it: ``status`` only when the load names one, so a
    reload never resets a status it does not name (a new item starts available)."""

    institution: InstitutionCode
    barcode: str = Field(min_length=1)
    title: str
    library: str
    location: str
    item_policy: str | None = None
    status: ItemStatus | None = None


class ItemStatusChanged(ValueModel):
    """Staff changed the item's status, with the reason (published on the item topic)."""

    event_id: str
    institution: InstitutionCode
    barcode: str
    library: str
    previous_status: ItemStatus
    status: ItemStatus
    reason: str
    occurred_at: AwareDatetime
    status_version: int


class ItemStatusRefusedError(CirculationError):
    """A status staff may not set, or an item whose open loan decides its status."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(f"{field}={value!r}: {message}")
        self.field = field
        self.value = value


def change_status(
    item: Item, status: ItemStatus, reason: str, *, open_loan_id: str | None, at: datetime
) -> ItemStatusChanged | None:
    """The event of staff setting ``item`` to ``status`` at ``at``: only a staff status, never
    while a loan is open (the return decides); None when the item already has it (a repeated
    click changes nothing and publishes nothing)."""
    if status not in STAFF_STATUSES:
        allowed = ", ".join(sorted(s.value for s in STAFF_STATUSES))
        raise ItemStatusRefusedError("status", status.value, f"staff set one of {allowed}")
    if open_loan_id is not None:
        raise ItemStatusRefusedError(
            "barcode", item.barcode, f"on loan ({open_loan_id}): return it first"
        )
    if status is item.status:
        return None
    version = item.status_version + 1
    return ItemStatusChanged(
        event_id=f"{item.barcode}:status:{version}",
        institution=item.institution,
        barcode=item.barcode,
        library=item.library,
        previous_status=item.status,
        status=status,
        reason=reason,
        occurred_at=at,
        status_version=version,
    )

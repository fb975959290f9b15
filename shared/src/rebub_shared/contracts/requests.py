"""Request events, on ``{inst}.circulation.request.v1`` (key: the requester's patron id, so one
patron's requests stay in order; the item barcode for internal processing, which has no patron).

Each event carries the whole request as it is after the change (``RequestSnapshot``), with a
per-request ``version`` that only grows: a subscriber keeps the newest and ignores repeats.
The notifier consumes ``RequestPlacedOnHoldShelf`` for the hold-available letter: everything the
letter needs is in the event (request id, patron id, item barcode, title, pickup library, expiry).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rebub_shared import bounds
from rebub_shared.cloudevents import EventPayload
from rebub_shared.tenancy import InstitutionCode

RequestKind = Literal["hold", "digitisation", "internal_processing"]
RequestTask = Literal[
    "waiting_for_item",
    "pick_from_shelf",
    "in_transit",
    "on_hold_shelf",
    "digitisation",
    "internal_processing",
    "done",
]
RequestStatus = Literal["active", "cancelled", "closed", "expired"]


class RequestSnapshot(BaseModel):
    """A request as it stands after the change the event reports."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: bounds.EventId = Field(description="Unique within the institution.")
    institution: InstitutionCode
    kind: RequestKind
    patron_id: bounds.EventId | None = Field(
        description="The requester (None for internal processing)."
    )
    item_barcode: bounds.EventCode
    title: bounds.EventTitle
    pickup_library: bounds.EventCode = Field(description="Where the requester collects the item.")
    placed_at: AwareDatetime
    task: RequestTask = Field(description="The request's processing step (Alma: workflow step).")
    status: RequestStatus
    hold_shelf_expiry: date | None = Field(
        default=None, description="Last Paris day the item waits on the hold shelf."
    )
    version: int = Field(ge=1, description="Grows with every change of this request.")


class RequestEvent(EventPayload):
    """Base of the request events: the request after the change."""

    request: RequestSnapshot

    def issuer(self) -> str | None:
        return self.request.institution


class RequestCreated(RequestEvent):
    """A patron (at the desk or in the discovery interface) or staff placed a request."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.request.created.v1"


class RequestRecalled(RequestEvent):
    """The request recalled the item's loan: the borrower must bring it back, no renewal."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.request.recalled.v1"
    loan_id: bounds.EventId
    due_date: AwareDatetime = Field(description="The recalled loan's due date.")


class RequestPlacedOnHoldShelf(RequestEvent):
    """The item waits for the requester on the hold shelf (the hold-available letter)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.request.placed-on-hold-shelf.v1"
    patron_id: bounds.EventId
    item_barcode: bounds.EventCode
    title: bounds.EventTitle
    pickup_library: bounds.EventCode
    hold_shelf_expiry: date = Field(description="Last Paris day the item waits for the patron.")


class RequestHoldShelfExpiring(RequestEvent):
    """The item waits on the hold shelf until ``hold_shelf_expiry``, soon: the requester is
    reminded (once per hold; the institution's ``hold_expiry_notice_days`` before, default 1)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.request.hold-shelf-expiring.v1"
    hold_shelf_expiry: date = Field(description="The last Paris day the item waits.")


class RequestHoldShelfExpired(RequestEvent):
    """The requester did not collect the item from the hold shelf by its last day: the hold
    expired (status ``expired``); the item goes to the next request, or back to its shelf."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.request.hold-shelf-expired.v1"
    hold_shelf_expiry: date = Field(description="The last Paris day the item waited.")


class RequestDigitisationDelivered(RequestEvent):
    """Staff delivered a digitisation request's copy: the requester is sent its link (the
    digitisation-delivered notice); a ``RequestClosed`` follows in the same write."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.request.digitisation-delivered.v1"
    document_url: bounds.DocumentUrl = Field(description="Where the requester reads the copy.")
    available_until: date | None = Field(
        default=None, description="Last Paris day the link works (None: no end given)."
    )


class RequestCancelled(RequestEvent):
    """The request was cancelled (by the patron or staff), with the reason."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.request.cancelled.v1"
    reason: bounds.EventReason


class RequestClosed(RequestEvent):
    """The request is done: the item was lent to the requester, or the work is finished."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.request.closed.v1"
    reason: Literal["fulfilled", "completed"]


REQUEST_EVENTS: tuple[type[RequestEvent], ...] = (
    RequestCreated,
    RequestRecalled,
    RequestPlacedOnHoldShelf,
    RequestHoldShelfExpiring,
    RequestHoldShelfExpired,
    RequestDigitisationDelivered,
    RequestCancelled,
    RequestClosed,
)

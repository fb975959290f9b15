"""Request domain events (past tense), appended to the request's outbox by each change.

``event_id`` is ``{request_id}:{version}``, stable across retries (relays and consumers dedupe).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from .values import ValueModel
from .vocabulary import InstitutionCode


class RequestEventBase(ValueModel):
    """Fields every request event carries: tenant, request, requester, item, time, version."""

    event_id: str
    institution: InstitutionCode
    request_id: str
    patron_id: str | None
    item_barcode: str
    occurred_at: AwareDatetime
    request_version: int


class RequestCreated(RequestEventBase):
    """A request was placed."""

    type: Literal["RequestCreated"] = "RequestCreated"


class RequestRecalled(RequestEventBase):
    """The request recalled the item's loan."""

    type: Literal["RequestRecalled"] = "RequestRecalled"
    loan_id: str
    due_at: AwareDatetime


class RequestInTransit(RequestEventBase):
    """The item travels to the pickup library (internal: not published)."""

    type: Literal["RequestInTransit"] = "RequestInTransit"


class RequestPlacedOnHoldShelf(RequestEventBase):
    """The item waits for the requester on the hold shelf until ``hold_shelf_expiry``."""

    type: Literal["RequestPlacedOnHoldShelf"] = "RequestPlacedOnHoldShelf"
    hold_shelf_expiry: date


class RequestHoldShelfExpiring(RequestEventBase):
    """The hold's last day on the shelf is near: the requester is reminded (once)."""

    type: Literal["RequestHoldShelfExpiring"] = "RequestHoldShelfExpiring"
    hold_shelf_expiry: date


class RequestHoldShelfExpired(RequestEventBase):
    """The requester did not collect the item by ``hold_shelf_expiry``: the hold expired."""

    type: Literal["RequestHoldShelfExpired"] = "RequestHoldShelfExpired"
    hold_shelf_expiry: date


class RequestDigitisationDelivered(RequestEventBase):
    """The digitised copy is delivered at ``document_url`` (until ``available_until``)."""

    type: Literal["RequestDigitisationDelivered"] = "RequestDigitisationDelivered"
    document_url: str
    available_until: date | None


class RequestCancelled(RequestEventBase):
    """The request was cancelled."""

    type: Literal["RequestCancelled"] = "RequestCancelled"
    reason: str


class RequestClosed(RequestEventBase):
    """The request is done: lent to the requester (fulfilled) or the work finished (completed)."""

    type: Literal["RequestClosed"] = "RequestClosed"
    reason: Literal["fulfilled", "completed"]


RequestEvent = Annotated[
    RequestCreated
    | RequestRecalled
    | RequestInTransit
    | RequestPlacedOnHoldShelf
    | RequestHoldShelfExpiring
    | RequestHoldShelfExpired
    | RequestDigitisationDelivered
    | RequestCancelled
    | RequestClosed,
    Field(discriminator="type"),
]
"""Any request event, told apart by its ``type`` field."""

"""Commands about requests: place (at the desk or from the discovery interface), cancel,
complete, deliver a digitisation, and the read-only queue and patron lists."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import model_validator

from circulation.domain.requests import RequestKind, RequestTask
from rebub_shared import bounds

from .account_answers import (
    JobAnswer,
    LibraryRequests,
    PatronRequests,
    RequestAnswer,
    RequestQueue,
    RequestView,
)
from .commands import Command, DeskCommand, ItemBarcode, PatronRef


class PlaceRequest(DeskCommand[RequestAnswer]):
    """A hold or digitisation request for ``patron`` (desk may be None: discovery interface)."""

    kind: RequestKind
    patron: PatronRef
    item_barcode: ItemBarcode
    pickup_library: str | None = None


class PlaceInternalProcessing(DeskCommand[RequestAnswer]):
    """The library works on the item (binding, repair): it is unavailable until completed. The
    item is named by its barcode, or by the loan it is on."""

    loan_id: str | None = None
    item_barcode: ItemBarcode | None = None

    @model_validator(mode="after")
    def _one_item(self) -> PlaceInternalProcessing:
        if (self.loan_id is None) == (self.item_barcode is None):
            raise ValueError("give either loan_id or item_barcode")
        return self


class CancelRequest(DeskCommand[RequestView]):
    request_id: str
    reason: bounds.Reason


class CompleteRequest(DeskCommand[RequestView]):
    """A digitisation or internal processing request is finished."""

    request_id: str


class DeliverDigitisation(DeskCommand[RequestView]):
    """Staff deliver a digitisation request's copy (its link, working until an optional day):
    the requester is told, the request completes."""

    request_id: str
    document_url: bounds.DocumentUrl
    available_until: bounds.Day | None = None


class ShowLoanQueue(DeskCommand[RequestQueue]):
    """The request queue of a loan's item."""

    loan_id: str


ShelfList = Literal["hold-shelf", "expired-holds", "pick-from-shelf", "in-transit"]


class ListLibraryRequests(DeskCommand[LibraryRequests]):
    """One of a library's work lists: its hold shelf (``expired``: past their last day), the
    holds that expired there since ``since``, the requests whose item is to be picked from its
    shelves, the items in transit to it (for its holds, and its own coming home)."""

    library: bounds.Code
    which: ShelfList
    since: date | None = None


class RunHoldShelf(Command[JobAnswer]):
    """Expire the holds not collected by their last day; hand their items on (the job)."""


class ListPatronRequests(DeskCommand[PatronRequests]):
    """The patron's requests, filtered by type and by task (processing status)."""

    patron: PatronRef
    kind: RequestKind | None = None
    task: RequestTask | None = None

"""Answers of the request, patron account, network activity, rules and job commands."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from circulation.domain import Block, DeskNote, Item, ItemStatus
from circulation.domain.requests import Request, RequestKind, RequestStatus, RequestTask
from rebub_shared.contracts.loans import LoanActivitySummary

from .answers import LoanView, ReturnAnswer


class RequestView(BaseModel):
    """A request as the desk and the patron see it; ``position`` in the item's queue (1 = next)."""

    request_id: str
    kind: RequestKind
    patron_id: str | None
    item_barcode: str
    title: str
    pickup_library: str
    placed_at: AwareDatetime
    task: RequestTask
    status: RequestStatus
    hold_shelf_expiry: date | None
    recalled_loan_id: str | None
    position: int | None = None

    @classmethod
    def of(cls, request: Request, position: int | None = None) -> RequestView:
        fields = request.model_dump(
            exclude={"pending_events", "institution", "version", "operator"}
        )
        return cls(**fields, position=position)


class RequestAnswer(BaseModel):
    request: RequestView
    recalled_loan: LoanView | None = None


class RequestQueue(BaseModel):
    item_barcode: str
    requests: list[RequestView]


class ReturnError(BaseModel):
    """Why one scan of a bulk return failed (the others went on)."""

    error: str
    field: str | None
    value: object
    message: str


class ReturnBatchLine(BaseModel):
    item_barcode: str
    returned: ReturnAnswer | None = None
    failure: ReturnError | None = None


class ReturnBatchAnswer(BaseModel):
    done: int
    failed: int
    lines: list[ReturnBatchLine]


class PatronReturns(BaseModel):
    patron_id: str
    returns: list[LoanView]


class PatronRequests(BaseModel):
    patron_id: str
    requests: list[RequestView]


class PatronAccount(BaseModel):
    """The patron account's tabs and notes. Notes and contact data live on the user record
    (patron-sync, which edits them); the notes arrive here with the patron's snapshot."""

    patron_id: str
    name: str
    user_group: str
    can_borrow: bool
    blocks: list[Block]
    loans: list[LoanView]
    returns: list[LoanView]
    requests: list[RequestView]
    notes: list[DeskNote] = Field(
        default=[], description="the account's notes (patron-sync edits them); at_desk: pop-up"
    )
    notes_and_contact: str


class ItemHistory(BaseModel):
    item_barcode: str
    since: AwareDatetime
    loans: list[LoanView]


class NetworkActivity(BaseModel):
    """The patron's loans in the other institutions (minimal summaries, read only)."""

    patron_id: str
    loans: list[LoanActivitySummary]


class ItemToReceive(BaseModel):
    """An item on its way to a library: for a hold there (``request_id``), or coming home."""

    barcode: str
    title: str
    library: str = Field(description="the owning library")
    location: str
    request_id: str | None = Field(description="the hold it travels to; None: back home")

    @classmethod
    def of(cls, item: Item, request_id: str | None) -> ItemToReceive:
        fields = item.model_dump(include={"barcode", "title", "library", "location"})
        return cls(**fields, request_id=request_id)


class LibraryRequests(BaseModel):
    """A library's work list: the requests, oldest first, each with its item's status."""

    library: str
    which: str
    requests: list[RequestView]
    expired: list[str] = Field(
        default=[], description="hold-shelf: the requests past their last day (the job's next)"
    )
    items: list[ItemToReceive] = Field(
        default=[],
        description="in-transit: every item to receive at this library, for its holds (as in "
        "``requests``) and home with no hold (returned elsewhere, or an expired hold's)",
    )


class JobAnswer(BaseModel):
    job: str
    ran_at: AwareDatetime
    changed: int
    ids: list[str] = []


class ItemView(BaseModel):
    """An item as the desk sees it: ``status`` is ``on_loan`` while a loan is open."""

    model_config = ConfigDict(frozen=True)
    barcode: str
    title: str
    library: str
    location: str
    item_policy: str | None
    status: ItemStatus
    loan: LoanView | None
    requests: list[RequestView]

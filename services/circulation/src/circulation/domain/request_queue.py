"""Placing a request on an item and reading the item's queue (oldest request first).

A hold on an item on loan recalls the loan (only an active loan: a recalled one stays recalled,
a lost or claimed-returned one is in dispute). A blocked patron may place requests; the blocks
apply when they come to borrow the item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .errors import CirculationError
from .item import Item
from .loan import Loan
from .requests import Request, RequestKind, RequestTask
from .values import ValueModel
from .vocabulary import InstitutionCode, ItemStatus, LoanStatus


class RequestRefusedError(CirculationError):
    """The request cannot be placed (the message names the field and the value)."""


class Placement(ValueModel):
    """A new request, and whether it recalled the item's loan (then changed in place)."""

    request: Request
    recalled: bool


def queue_of(requests: Sequence[Request]) -> list[Request]:
    """The item's active requests in queue order (placed first, served first)."""
    active = [r for r in requests if r.is_active]
    return sorted(active, key=lambda r: (r.placed_at, r.request_id))


def head_hold(requests: Sequence[Request]) -> Request | None:
    """The hold the item goes to next: the oldest active hold not yet on the hold shelf."""
    return next((r for r in queue_of(requests) if r.is_waiting_hold), None)


def on_shelf_for(requests: Sequence[Request]) -> Request | None:
    """The hold whose item is on the hold shelf now, if any."""
    shelf = RequestTask.ON_HOLD_SHELF
    return next((r for r in queue_of(requests) if r.task is shelf), None)


def place_request(
    *,
    request_id: str,
    institution: InstitutionCode,
    kind: RequestKind,
    patron_id: str | None,
    item: Item,
    pickup_library: str,
    item_loan: Loan | None,
    queue: Sequence[Request],
    now: datetime,
    operator: str | None = None,
) -> Placement:
    """Place the request; a hold on an actively loaned item recalls that loan (``item_loan``)."""
    check_requester(kind, patron_id, item_loan, queue)
    task = _first_task(kind, item, item_loan)
    request = Request.place(
        request_id=request_id,
        institution=institution,
        kind=kind,
        patron_id=patron_id,
        item_barcode=item.barcode,
        title=item.title,
        pickup_library=pickup_library,
        task=task,
        now=now,
        operator=operator,
    )
    recalled = (
        kind is RequestKind.HOLD and item_loan is not None and item_loan.status is LoanStatus.ACTIVE
    )
    if recalled:
        assert item_loan is not None
        item_loan.recall(now=now, request_id=request_id)
        request.record_recall(loan_id=item_loan.loan_id, due_at=item_loan.due_at, now=now)
    return Placement(request=request, recalled=recalled)


def check_requester(
    kind: RequestKind, patron_id: str | None, item_loan: Loan | None, queue: Sequence[Request]
) -> None:
    """A patron request names its patron; nobody holds an item they have, or holds it twice."""
    internal = kind is RequestKind.INTERNAL_PROCESSING
    if internal != (patron_id is None):
        need = "no patron" if internal else "a patron"
        raise RequestRefusedError(f"patron={patron_id!r}: a {kind.value} request has {need}")
    if kind is not RequestKind.HOLD:
        return
    if item_loan is not None and item_loan.patron_id == patron_id:
        raise RequestRefusedError(f"patron={patron_id!r}: the item is on loan to this patron")
    if any(r.kind is RequestKind.HOLD and r.patron_id == patron_id for r in queue_of(queue)):
        raise RequestRefusedError(f"patron={patron_id!r}: already holds this item")


def _first_task(kind: RequestKind, item: Item, item_loan: Loan | None) -> RequestTask:
    if kind is RequestKind.DIGITISATION:
        return RequestTask.DIGITISATION
    if kind is RequestKind.INTERNAL_PROCESSING:
        return RequestTask.INTERNAL_PROCESSING
    if item_loan is None and item.status is ItemStatus.AVAILABLE:
        return RequestTask.PICK_FROM_SHELF
    return RequestTask.WAITING_FOR_ITEM

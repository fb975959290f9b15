"""Requests: place (hold, digitisation, internal processing), cancel, complete.

The request is written first, then the recalled loan: a crash in between leaves a request whose
loan was not recalled, which the desk sees (``recalled_loan_id`` empty) and can place again.
"""

from __future__ import annotations

from circulation.domain import Item, ItemStatus
from circulation.domain.request_queue import place_request as place
from circulation.domain.requests import Request, RequestKind, RequestTask

from .account_answers import RequestAnswer, RequestView
from .answers import LoanView
from .context import Context, find_patron
from .errors import LoanNotFoundError, RequestNotFoundError, UnknownItemError
from .ports import StoredLoan, UnitOfWork
from .request_commands import (
    CancelRequest,
    CompleteRequest,
    DeliverDigitisation,
    PlaceInternalProcessing,
    PlaceRequest,
)


async def place_request(cmd: PlaceRequest, uow: UnitOfWork, ctx: Context) -> RequestAnswer:
    """A hold or digitisation request; a hold on an actively loaned item recalls the loan."""
    ctx.check_tenant(cmd.institution)
    desk_library = ctx.desk_library(cmd.desk) if cmd.desk is not None else None
    record = await find_patron(uow, ctx, cmd.patron, open_only=True)
    item = await _item(uow, ctx, cmd.item_barcode)
    pickup = cmd.pickup_library or desk_library or item.library
    ctx.policy.library(pickup)  # an unknown pickup library is refused, naming the code
    return await _place(uow, ctx, cmd.kind, record.patron.patron_id, item, pickup, cmd.operator)


async def place_internal_processing(
    cmd: PlaceInternalProcessing, uow: UnitOfWork, ctx: Context
) -> RequestAnswer:
    """The item (or the loan's) goes to internal processing: unavailable until the request is
    completed."""
    ctx.check_tenant(cmd.institution)
    ctx.desk_library(cmd.desk)
    barcode = cmd.item_barcode
    if cmd.loan_id is not None:
        stored = await uow.loans.get(ctx.institution, cmd.loan_id)
        if stored is None:
            raise LoanNotFoundError("loan_id", cmd.loan_id, f"no such loan in {ctx.institution}")
        barcode = stored.loan.item_barcode
    assert barcode is not None  # the command names one or the other
    item = await _item(uow, ctx, barcode)
    await uow.items.set_statuses(ctx.institution, {item.barcode: ItemStatus.IN_PROCESS})
    kind = RequestKind.INTERNAL_PROCESSING
    return await _place(uow, ctx, kind, None, item, item.library, cmd.operator)


async def cancel_request(cmd: CancelRequest, uow: UnitOfWork, ctx: Context) -> RequestView:
    """Cancel; an item waiting on the hold shelf for it goes back to the shelves (available)."""
    request = await _request(uow, ctx, cmd.institution, cmd.desk, cmd.request_id)
    was_on_shelf = request.task is RequestTask.ON_HOLD_SHELF
    request.cancel(now=ctx.now(), reason=cmd.reason)
    if was_on_shelf or request.kind is RequestKind.INTERNAL_PROCESSING:
        await uow.items.set_statuses(ctx.institution, {request.item_barcode: ItemStatus.AVAILABLE})
    await uow.requests.save(ctx.institution, request)
    return RequestView.of(request)


async def complete_request(cmd: CompleteRequest, uow: UnitOfWork, ctx: Context) -> RequestView:
    """A digitisation or internal processing is finished (the item is available again)."""
    request = await _request(uow, ctx, cmd.institution, cmd.desk, cmd.request_id)
    request.complete(now=ctx.now())
    if request.kind is RequestKind.INTERNAL_PROCESSING:
        await uow.items.set_statuses(ctx.institution, {request.item_barcode: ItemStatus.AVAILABLE})
    await uow.requests.save(ctx.institution, request)
    return RequestView.of(request)


async def deliver_digitisation(
    cmd: DeliverDigitisation, uow: UnitOfWork, ctx: Context
) -> RequestView:
    """The copy is delivered: its notice and the request's completion are one write."""
    request = await _request(uow, ctx, cmd.institution, cmd.desk, cmd.request_id)
    request.deliver(
        now=ctx.now(), document_url=cmd.document_url, available_until=cmd.available_until
    )
    await uow.requests.save(ctx.institution, request)
    return RequestView.of(request)


async def _place(
    uow: UnitOfWork,
    ctx: Context,
    kind: RequestKind,
    patron_id: str | None,
    item: Item,
    pickup: str,
    operator: str,
) -> RequestAnswer:
    item_loan = await uow.loans.open_for_item(ctx.institution, item.barcode)
    queues = await uow.requests.active_for_items(ctx.institution, [item.barcode])
    queue = queues.get(item.barcode, [])
    placement = place(
        request_id=ctx.new_loan_id(),
        institution=ctx.institution,
        kind=kind,
        patron_id=patron_id,
        item=item,
        pickup_library=pickup,
        item_loan=item_loan.loan if item_loan else None,
        queue=queue,
        now=ctx.now(),
        operator=operator,
    )
    await uow.requests.add(ctx.institution, placement.request)
    recalled: StoredLoan | None = None
    if placement.recalled and item_loan is not None:
        await uow.loans.save(ctx.institution, item_loan)
        recalled = item_loan
    return RequestAnswer(
        request=RequestView.of(placement.request, position=len(queue) + 1),
        recalled_loan=LoanView.of(recalled) if recalled else None,
    )


async def _item(uow: UnitOfWork, ctx: Context, barcode: str) -> Item:
    item = await uow.items.get(ctx.institution, barcode)
    if item is None:
        raise UnknownItemError("item_barcode", barcode, f"no such item in {ctx.institution}")
    return item


async def _request(
    uow: UnitOfWork, ctx: Context, institution: str, desk: str | None, request_id: str
) -> Request:
    ctx.check_tenant(institution)
    if desk is not None:
        ctx.desk_library(desk)
    request = await uow.requests.get(ctx.institution, request_id)
    if request is None:
        raise RequestNotFoundError(
            "request_id", request_id, f"no such request in {ctx.institution}"
        )
    return request

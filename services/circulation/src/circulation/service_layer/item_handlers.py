"""Items at the desk: the lookup (status, current loan, request queue) and a staff status change
with its reason (missing found again, damaged, in processing), written with its event."""

from __future__ import annotations

from circulation.domain import Item, ItemStatus, change_status
from circulation.domain.request_queue import queue_of

from .account_answers import ItemView, RequestView
from .answers import LoanView
from .commands import ChangeItemStatus, ShowItem
from .context import Context
from .errors import UnknownItemError
from .ports import UnitOfWork


async def show_item(cmd: ShowItem, uow: UnitOfWork, ctx: Context) -> ItemView:
    ctx.check_tenant(cmd.institution)
    return await _view(uow, ctx, await _item(uow, ctx, cmd.barcode))


async def change_item_status(cmd: ChangeItemStatus, uow: UnitOfWork, ctx: Context) -> ItemView:
    """The domain's rule (a staff status, no open loan) decides; the status and its
    ``ItemStatusChanged`` are one write (the item's outbox). The same status again writes
    nothing."""
    ctx.check_tenant(cmd.institution)
    item = await _item(uow, ctx, cmd.barcode)
    view = await _view(uow, ctx, item)
    open_loan = view.loan.loan_id if view.loan else None
    event = change_status(item, cmd.status, cmd.reason, open_loan_id=open_loan, at=ctx.clock.now())
    if event is not None:
        await uow.items.change_status(ctx.institution, event)
    return view.model_copy(update={"status": cmd.status})


async def _item(uow: UnitOfWork, ctx: Context, barcode: str) -> Item:
    item = await uow.items.get(ctx.institution, barcode)
    if item is None:
        raise UnknownItemError("barcode", barcode, f"no such item in {ctx.institution}")
    return item


async def _view(uow: UnitOfWork, ctx: Context, item: Item) -> ItemView:
    barcode = item.barcode
    stored = await uow.loans.open_for_item(ctx.institution, barcode)
    queue = queue_of(
        (await uow.requests.active_for_items(ctx.institution, [barcode])).get(barcode, [])
    )
    return ItemView(
        **item.model_dump(exclude={"institution", "status", "status_version"}),
        status=ItemStatus.ON_LOAN if stored else item.status,
        loan=LoanView.of(stored) if stored else None,
        requests=[RequestView.of(r, position) for position, r in enumerate(queue, start=1)],
    )

"""Items at the desk: the lookup (status, current loan, request queue) and a staff status change
with its reason (missing found again, damaged, in processing)."""

from __future__ import annotations

from circulation.domain import ItemStatus
from circulation.domain.request_queue import queue_of

from .account_answers import ItemView, RequestView
from .answers import LoanView
from .commands import ChangeItemStatus, ShowItem
from .context import Context
from .errors import InputError, UnknownItemError
from .ports import UnitOfWork

#: Statuses staff set by hand; on loan, in transit and on the hold shelf follow loans and
#: requests, lost follows the loan's own actions.
STAFF_STATUSES = frozenset({ItemStatus.AVAILABLE, ItemStatus.MISSING, ItemStatus.IN_PROCESS})


async def show_item(cmd: ShowItem, uow: UnitOfWork, ctx: Context) -> ItemView:
    ctx.check_tenant(cmd.institution)
    return await _view(uow, ctx, cmd.barcode)


async def change_item_status(cmd: ChangeItemStatus, uow: UnitOfWork, ctx: Context) -> ItemView:
    """Refuses a status that follows loans or requests, and any change while a loan is open."""
    ctx.check_tenant(cmd.institution)
    if cmd.status not in STAFF_STATUSES:
        allowed = ", ".join(sorted(s.value for s in STAFF_STATUSES))
        raise InputError("status", cmd.status.value, f"staff set one of {allowed}")
    view = await _view(uow, ctx, cmd.barcode)
    if view.loan is not None:
        raise InputError("barcode", cmd.barcode, f"on loan ({view.loan.loan_id}): return it first")
    await uow.items.set_statuses(ctx.institution, {cmd.barcode: cmd.status})
    return view.model_copy(update={"status": cmd.status})


async def _view(uow: UnitOfWork, ctx: Context, barcode: str) -> ItemView:
    item = await uow.items.get(ctx.institution, barcode)
    if item is None:
        raise UnknownItemError("barcode", barcode, f"no such item in {ctx.institution}")
    stored = await uow.loans.open_for_item(ctx.institution, barcode)
    queue = queue_of(
        (await uow.requests.active_for_items(ctx.institution, [barcode])).get(barcode, [])
    )
    return ItemView(
        **item.model_dump(exclude={"institution", "status"}),
        status=ItemStatus.ON_LOAN if stored else item.status,
        loan=LoanView.of(stored) if stored else None,
        requests=[RequestView.of(r, position) for position, r in enumerate(queue, start=1)],
    )

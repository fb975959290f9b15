"""Checkout at a desk: one read of the patron's loans, one write of the new loan and its event."""

from __future__ import annotations

from circulation.domain import Item, ItemStatus, OverrideRequest, check_out
from circulation.domain.request_queue import on_shelf_for
from circulation.domain.requests import Request

from .answers import CheckoutAnswer, LoanView
from .commands import CheckOutItem
from .context import Context, find_patron
from .errors import UnknownItemError
from .ports import StoredLoan, UnitOfWork


async def _hold_for(uow: UnitOfWork, ctx: Context, item: Item, patron_id: str) -> Request | None:
    """The patron's request whose item waits on the hold shelf, if this item is theirs."""
    if item.status is not ItemStatus.ON_HOLD_SHELF:
        return None
    queues = await uow.requests.active_for_items(ctx.institution, [item.barcode])
    held = on_shelf_for(queues.get(item.barcode, []))
    return held if held is not None and held.patron_id == patron_id else None


async def check_out_item(cmd: CheckOutItem, uow: UnitOfWork, ctx: Context) -> CheckoutAnswer:
    """Lend the item, or raise CheckoutBlockedError with every block at once.

    An item with an open loan is answered as the block "item not loanable (on loan)"; two desks
    lending it at the same instant are stopped by the store (ItemOnLoanError).
    """
    ctx.check_tenant(cmd.institution)
    ctx.desk_library(cmd.desk)
    now = ctx.now()
    record = await find_patron(uow, ctx, cmd.patron, open_only=True)
    item = await uow.items.get(ctx.institution, cmd.item_barcode)
    if item is None:
        raise UnknownItemError(
            "item_barcode", cmd.item_barcode, f"no such item in {ctx.institution}"
        )
    patron_loans, item_loan = await uow.loans.open_for_patron(
        ctx.institution, record.patron.patron_id, item.barcode
    )
    if item_loan is not None:
        item = item.model_copy(update={"status": ItemStatus.ON_LOAN})
    held = await _hold_for(uow, ctx, item, record.patron.patron_id)
    if held is not None:  # the requester collects the item: lendable to them alone
        item = item.model_copy(update={"status": ItemStatus.AVAILABLE})
    override = None
    if cmd.override is not None:
        override = OverrideRequest(operator=cmd.operator, reason=cmd.override.reason)
    checkout = check_out(
        loan_id=ctx.new_loan_id(),
        policy=ctx.policy,
        patron=record.patron,
        item=item,
        patron_loans=[stored.loan for stored in patron_loans],
        now=now,
        override=override,
    )
    stored = StoredLoan(checkout.loan, circ_desk=cmd.desk, session_id=cmd.session_id)
    await uow.loans.add(ctx.institution, stored)
    if held is not None:
        # After the loan: a crash in between leaves the hold on the shelf, closed by hand.
        held.fulfil(now=now)
        await uow.items.set_statuses(ctx.institution, {item.barcode: ItemStatus.AVAILABLE})
        await uow.requests.save(ctx.institution, held)
    return CheckoutAnswer(
        loan=LoanView.of(stored),
        due_date_steps=[step.description for step in checkout.due_date.steps],
        rule=checkout.decision.explanation,
        overridden_blocks=list(checkout.overridden_blocks),
    )

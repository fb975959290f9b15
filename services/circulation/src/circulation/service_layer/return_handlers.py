"""Returns at a desk: maybe backdated; the next step; a late return's suspension where it applies."""

from __future__ import annotations

from circulation.domain import Item, Loan, Patron, check_in_loan

from .answers import LoanView, ReturnAnswer
from .commands import ReturnItem
from .context import Context
from .errors import ItemNotOnLoanError, UnknownItemError
from .ports import UnitOfWork


async def return_item(cmd: ReturnItem, uow: UnitOfWork, ctx: Context) -> ReturnAnswer:
    """Check the item in at the desk's library.

    The suspension is written before the loan: it is idempotent (a longer one is kept), so a
    crash in between leaves a return that can simply be made again.
    """
    ctx.check_tenant(cmd.institution)
    library = ctx.desk_library(cmd.desk)
    now = ctx.now()
    item = await uow.items.get(ctx.institution, cmd.item_barcode)
    stored = await uow.loans.open_for_item(ctx.institution, cmd.item_barcode)
    if stored is None:
        error = ItemNotOnLoanError if item else UnknownItemError
        raise error("item_barcode", cmd.item_barcode, "no open loan for this item")
    loan = stored.loan
    record = await uow.patrons.find(ctx.institution, loan.patron_id)
    # The return never waits for the patron projection: without it, no running suspension known.
    patron = (
        record.patron
        if record
        else Patron(institution=ctx.institution, patron_id=loan.patron_id, user_group="unknown")
    )
    outcome = check_in_loan(
        loan,
        item=item or _item_of_loan(ctx, loan),
        patron=patron,
        policy=ctx.policy,
        returned_at=cmd.returned_at or now,
        now=now,
        library=library,
        desk=str(cmd.desk),
    )
    until = outcome.suspended_until
    if until is not None and until != patron.suspended_until:
        await uow.patrons.extend_suspension(ctx.institution, loan.patron_id, until)
    stored.return_desk = cmd.desk
    await uow.loans.save(ctx.institution, stored)
    return ReturnAnswer(
        loan=LoanView.of(stored),
        days_late=outcome.days_late,
        suspended_until=until,
        next_step=outcome.next_step,
        next_step_text=outcome.next_step.describe(),
    )


def _item_of_loan(ctx: Context, loan: Loan) -> Item:
    """An item missing from the catalogue goes back where it was lent from."""
    return Item(
        institution=ctx.institution,
        barcode=loan.item_barcode,
        title=loan.title,
        library=loan.library,
        location=loan.location,
    )

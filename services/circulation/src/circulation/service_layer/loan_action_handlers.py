"""Actions on a loan: lost, claimed returned, item found, delete; notes. Each changes the item's
status too (written first: idempotent, so a crash before the loan's write can be redone)."""

from __future__ import annotations

from circulation.domain import ItemStatus, Loan

from .answers import LoanDetails, LoanView
from .context import Context
from .errors import LoanNotFoundError
from .loan_commands import ActOnLoan, AddLoanNote
from .ports import StoredLoan, UnitOfWork

# The item's status after each action (None: unchanged; claimed returned is being checked).
ITEM_STATUS_AFTER: dict[str, ItemStatus | None] = {
    "lost": ItemStatus.LOST,
    "claimed_returned": None,
    "found": ItemStatus.AVAILABLE,  # back to normal: the open loan shows it on loan
    "delete": ItemStatus.MISSING,
}


def _apply(loan: Loan, action: str, ctx: Context) -> None:
    now = ctx.now()
    match action:
        case "lost":
            loan.declare_lost(now=now)
        case "claimed_returned":
            loan.claim_returned(now=now)
        case "found":
            loan.item_found(now=now)
        case "delete":
            loan.delete(now=now)


async def act_on_loan(cmd: ActOnLoan, uow: UnitOfWork, ctx: Context) -> LoanView:
    """Apply the action (LoanStatusError when the loan's status does not allow it)."""
    stored = await get_loan(uow, ctx, cmd.institution, cmd.desk, cmd.loan_id)
    _apply(stored.loan, cmd.action, ctx)  # checks the status before anything is written
    status = ITEM_STATUS_AFTER[cmd.action]
    if status is not None:
        await uow.items.set_statuses(ctx.institution, {stored.loan.item_barcode: status})
    await uow.loans.save(ctx.institution, stored)
    return LoanView.of(stored)


async def add_loan_note(cmd: AddLoanNote, uow: UnitOfWork, ctx: Context) -> LoanDetails:
    stored = await get_loan(uow, ctx, cmd.institution, cmd.desk, cmd.loan_id)
    await uow.loans.add_note(ctx.institution, cmd.loan_id, f"{cmd.operator}: {cmd.note}")
    stored.notes.append(f"{cmd.operator}: {cmd.note}")
    return LoanDetails.of(stored)


async def get_loan(
    uow: UnitOfWork, ctx: Context, institution: str, desk: str | None, loan_id: str
) -> StoredLoan:
    """The loan (after the tenant and desk checks), or LoanNotFoundError."""
    ctx.check_tenant(institution)
    if desk is not None:
        ctx.desk_library(desk)
    stored = await uow.loans.get(ctx.institution, loan_id)
    if stored is None:
        raise LoanNotFoundError("loan_id", loan_id, f"no such loan in {ctx.institution}")
    return stored

"""Read-only answers for the desk: the patron's loans and blocks."""

from __future__ import annotations

from circulation.domain import patron_blocks

from .answers import LoanView, PatronBlocks, PatronLoans
from .commands import ListPatronLoans, ShowPatronBlocks
from .context import Context, find_patron
from .ports import UnitOfWork


async def list_patron_loans(cmd: ListPatronLoans, uow: UnitOfWork, ctx: Context) -> PatronLoans:
    """Open loans, soonest due first; only those of ``session_id`` when given."""
    ctx.check_tenant(cmd.institution)
    ctx.desk_library(cmd.desk)
    record = await find_patron(uow, ctx, cmd.patron, field="patron_id")
    loans, _ = await uow.loans.open_for_patron(ctx.institution, record.patron.patron_id)
    if cmd.session_id is not None:
        loans = [stored for stored in loans if stored.session_id == cmd.session_id]
    loans.sort(key=lambda stored: (stored.loan.due_at, stored.loan.loan_id))
    return PatronLoans(
        patron_id=record.patron.patron_id, loans=[LoanView.of(stored) for stored in loans]
    )


async def show_patron_blocks(cmd: ShowPatronBlocks, uow: UnitOfWork, ctx: Context) -> PatronBlocks:
    """Every block against a new loan for the patron now (item blocks come at checkout)."""
    ctx.check_tenant(cmd.institution)
    ctx.desk_library(cmd.desk)
    record = await find_patron(uow, ctx, cmd.patron, field="patron_id")
    loans, _ = await uow.loans.open_for_patron(ctx.institution, record.patron.patron_id)
    blocks = patron_blocks(
        policy=ctx.policy,
        patron=record.patron,
        patron_loans=[stored.loan for stored in loans],
        now=ctx.now(),
    )
    return PatronBlocks(
        patron_id=record.patron.patron_id,
        can_borrow=not blocks,
        blocks=blocks,
        desk_notes=[note for note in record.patron.notes if note.at_desk],
    )

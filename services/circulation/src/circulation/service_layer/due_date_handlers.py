"""Change due date: one loan, the selected loans or all loans of a patron; never in the past.

Every change is made in memory first: a refused line (a date in the past, a closed loan) refuses
the whole command and nothing is written.
"""

from __future__ import annotations

from datetime import datetime

from circulation.domain import LibraryCalendar

from .answers import DueDateAnswer, DueDateLine
from .commands import ChangeDueDate, ChangePatronDueDates, NewDueDate
from .context import Context, find_patron
from .errors import LoanNotFoundError
from .ports import StoredLoan, UnitOfWork


async def change_due_date(cmd: ChangeDueDate, uow: UnitOfWork, ctx: Context) -> DueDateAnswer:
    """Set the due date of one loan."""
    ctx.check_tenant(cmd.institution)
    ctx.desk_library(cmd.desk)
    stored = await uow.loans.get(ctx.institution, cmd.loan_id)
    if stored is None:
        raise LoanNotFoundError("loan_id", cmd.loan_id, f"no such loan in {ctx.institution}")
    return await _change(uow, ctx, [stored], cmd.due, cmd.operator)


async def change_patron_due_dates(
    cmd: ChangePatronDueDates, uow: UnitOfWork, ctx: Context
) -> DueDateAnswer:
    """Set the due date of the selected (or all changeable) open loans of a patron."""
    ctx.check_tenant(cmd.institution)
    ctx.desk_library(cmd.desk)
    record = await find_patron(uow, ctx, cmd.patron, field="patron_id")
    loans, _ = await uow.loans.open_for_patron(ctx.institution, record.patron.patron_id)
    if cmd.loan_ids is None:
        # "all loans": those whose status allows a new due date (not lost, not disputed)
        chosen = [s for s in loans if s.loan.status.value in ("active", "recalled")]
    else:
        by_id = {stored.loan.loan_id: stored for stored in loans}
        missing = [loan_id for loan_id in cmd.loan_ids if loan_id not in by_id]
        if missing:
            raise LoanNotFoundError("loan_ids", missing, "not open loans of this patron")
        chosen = [by_id[loan_id] for loan_id in dict.fromkeys(cmd.loan_ids)]
    return await _change(uow, ctx, chosen, cmd.due, cmd.operator)


async def _change(
    uow: UnitOfWork, ctx: Context, chosen: list[StoredLoan], due: NewDueDate, operator: str
) -> DueDateAnswer:
    now, lines = ctx.now(), []
    for stored in chosen:
        loan = stored.loan
        previous = loan.due_at
        loan.change_due_date(due_at=_due_at(ctx, loan.library, due), now=now, operator=operator)
        lines.append(
            DueDateLine(loan_id=loan.loan_id, previous_due_at=previous, due_at=loan.due_at)
        )
    for stored in chosen:
        await uow.loans.save(ctx.institution, stored)
    return DueDateAnswer(lines=lines)


def _due_at(ctx: Context, library: str, due: NewDueDate) -> datetime:
    """The instant asked, or the closing time of the day asked (next opening day if closed)."""
    if due.due_at is not None:
        return due.due_at
    assert due.due_date is not None  # NewDueDate holds exactly one
    calendar = LibraryCalendar.of(ctx.policy, library)
    day, _ = calendar.next_opening_day(due.due_date)
    return calendar.closing_at(day)

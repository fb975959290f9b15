"""Returns at a desk, one item or a bulk of scans of many patrons: maybe backdated; the next step
(reshelve, transit, or the hold shelf of the first waiting request); a late return's suspension.

Bulk returns read everything in a few queries, decide each line in memory (a failure on one line
never stops the others), then write: suspensions (idempotent, a longer one is kept), item
statuses, the requests the items now serve, then the loans in one batch.
"""

from __future__ import annotations

from circulation.domain.errors import CirculationError

from .account_answers import ReturnBatchAnswer, ReturnBatchLine, ReturnError
from .answers import ReturnAnswer
from .commands import ReturnItem
from .context import Context
from .errors import ConcurrentUpdateError
from .loan_commands import ReturnItems, Scan
from .ports import UnitOfWork
from .return_batch import ReturnBatch


async def return_item(cmd: ReturnItem, uow: UnitOfWork, ctx: Context) -> ReturnAnswer:
    """Check one item in at the desk's library (a refusal is raised)."""
    ctx.check_tenant(cmd.institution)
    batch = ReturnBatch(uow, ctx, ctx.desk_library(cmd.desk), str(cmd.desk), cmd.session_id)
    scan = Scan(item_barcode=cmd.item_barcode, returned_at=cmd.returned_at)
    await batch.read([scan])
    answer = batch.check_in(scan)
    await batch.write()
    if batch.failed_loans:
        raise ConcurrentUpdateError("item_barcode", cmd.item_barcode, "changed since it was read")
    return answer


async def return_items(cmd: ReturnItems, uow: UnitOfWork, ctx: Context) -> ReturnBatchAnswer:
    """Bulk returns: one answer line per scan, in the order scanned."""
    ctx.check_tenant(cmd.institution)
    batch = ReturnBatch(uow, ctx, ctx.desk_library(cmd.desk), str(cmd.desk), cmd.session_id)
    await batch.read(cmd.scans)
    lines: list[ReturnBatchLine] = []
    for scan in cmd.scans:
        try:
            lines.append(
                ReturnBatchLine(item_barcode=scan.item_barcode, returned=batch.check_in(scan))
            )
        except CirculationError as error:
            lines.append(ReturnBatchLine(item_barcode=scan.item_barcode, failure=_failure(error)))
    await batch.write()
    for line in lines:
        loan = line.returned.loan if line.returned else None
        if loan is not None and loan.loan_id in batch.failed_loans:
            conflict = ConcurrentUpdateError("loan_id", loan.loan_id, "changed since it was read")
            line.returned, line.failure = None, _failure(conflict)
    done = sum(1 for line in lines if line.returned is not None)
    return ReturnBatchAnswer(done=done, failed=len(lines) - done, lines=lines)


def _failure(error: CirculationError) -> ReturnError:
    return ReturnError(
        error=type(error).__name__.removesuffix("Error"),
        field=getattr(error, "field", None),
        value=getattr(error, "value", None),
        message=str(error),
    )

"""Read-only answers of the patron account (returns, requests, the whole account), of a loan
(details, queue, item history) and of the network activity tab."""

from __future__ import annotations

from datetime import datetime, timedelta

from circulation.domain import patron_blocks
from circulation.domain.request_queue import queue_of

from .account_answers import (
    ItemHistory,
    NetworkActivity,
    PatronAccount,
    PatronRequests,
    PatronReturns,
    RequestQueue,
    RequestView,
)
from .answers import LoanDetails, LoanView
from .context import Context, find_patron
from .loan_action_handlers import get_loan
from .loan_commands import (
    ListPatronReturns,
    ShowItemHistory,
    ShowLoan,
    ShowNetworkActivity,
    ShowPatronAccount,
)
from .ports import StoredLoan, UnitOfWork
from .request_commands import ListPatronRequests, ShowLoanQueue

NOTES_AND_CONTACT = (
    "Notes and contact data live on the user record, owned by patron-sync [{inst}]: "
    "GET/PATCH /patrons/{patron_id} and POST/PATCH/DELETE /patrons/{patron_id}/notes there."
)


def _since(ctx: Context, now: datetime) -> datetime:
    return now - timedelta(days=ctx.policy.history_days)


def _desk(ctx: Context, institution: str, desk: str | None) -> None:
    ctx.check_tenant(institution)
    if desk is not None:
        ctx.desk_library(desk)


async def list_patron_returns(
    cmd: ListPatronReturns, uow: UnitOfWork, ctx: Context
) -> PatronReturns:
    """Returns of the last year (newest first): all, or those of one desk session."""
    _desk(ctx, cmd.institution, cmd.desk)
    record = await find_patron(uow, ctx, cmd.patron, field="patron_id")
    returns = await _returns(uow, ctx, record.patron.patron_id, cmd.session_id)
    return PatronReturns(patron_id=record.patron.patron_id, returns=returns)


async def _returns(
    uow: UnitOfWork, ctx: Context, patron_id: str, session_id: str | None
) -> list[LoanView]:
    closed = await uow.loans.closed_for_patron(ctx.institution, patron_id, _since(ctx, ctx.now()))
    if session_id is not None:
        closed = [s for s in closed if s.return_session_id == session_id]
    closed.sort(key=lambda s: s.loan.returned_at or s.loan.loaned_at, reverse=True)
    return [LoanView.of(s) for s in closed]


async def list_patron_requests(
    cmd: ListPatronRequests, uow: UnitOfWork, ctx: Context
) -> PatronRequests:
    """The patron's requests, oldest first, filtered by type and task when given."""
    _desk(ctx, cmd.institution, cmd.desk)
    record = await find_patron(uow, ctx, cmd.patron, field="patron_id")
    requests = await _requests(uow, ctx, record.patron.patron_id)
    chosen = [
        r
        for r in requests
        if (cmd.kind is None or r.kind is cmd.kind) and (cmd.task is None or r.task is cmd.task)
    ]
    return PatronRequests(patron_id=record.patron.patron_id, requests=chosen)


async def _requests(uow: UnitOfWork, ctx: Context, patron_id: str) -> list[RequestView]:
    requests = await uow.requests.for_patron(ctx.institution, patron_id)
    requests.sort(key=lambda r: (r.placed_at, r.request_id))
    return [RequestView.of(r) for r in requests]


async def show_patron_account(
    cmd: ShowPatronAccount, uow: UnitOfWork, ctx: Context
) -> PatronAccount:
    """Every tab at once, blocks computed now (the "refresh blocks" action)."""
    _desk(ctx, cmd.institution, cmd.desk)
    record = await find_patron(uow, ctx, cmd.patron, field="patron_id")
    patron_id = record.patron.patron_id
    loans, _ = await uow.loans.open_for_patron(ctx.institution, patron_id)
    if cmd.session_id is not None:
        loans = [s for s in loans if s.session_id == cmd.session_id]
    blocks = patron_blocks(
        policy=ctx.policy, patron=record.patron, patron_loans=[s.loan for s in loans], now=ctx.now()
    )
    return PatronAccount(
        patron_id=patron_id,
        name=record.name,
        user_group=record.patron.user_group,
        can_borrow=not blocks,
        blocks=blocks,
        loans=[LoanView.of(s) for s in sorted(loans, key=lambda s: s.loan.due_at)],
        returns=await _returns(uow, ctx, patron_id, cmd.session_id),
        requests=await _requests(uow, ctx, patron_id),
        notes=list(record.patron.notes),
        notes_and_contact=NOTES_AND_CONTACT.format(inst=ctx.institution, patron_id=patron_id),
    )


async def show_loan(cmd: ShowLoan, uow: UnitOfWork, ctx: Context) -> LoanDetails:
    """The loan with its hidden details and notes."""
    return LoanDetails.of(await get_loan(uow, ctx, cmd.institution, cmd.desk, cmd.loan_id))


async def show_loan_queue(cmd: ShowLoanQueue, uow: UnitOfWork, ctx: Context) -> RequestQueue:
    """The active requests on the loan's item, in queue order (position 1 is served next)."""
    stored = await get_loan(uow, ctx, cmd.institution, cmd.desk, cmd.loan_id)
    barcode = stored.loan.item_barcode
    queues = await uow.requests.active_for_items(ctx.institution, [barcode])
    ordered = queue_of(queues.get(barcode, []))
    views = [RequestView.of(r, position=i) for i, r in enumerate(ordered, 1)]
    return RequestQueue(item_barcode=barcode, requests=views)


async def show_item_history(cmd: ShowItemHistory, uow: UnitOfWork, ctx: Context) -> ItemHistory:
    """The item's loans of the last year, newest first (anonymised ones have no patron)."""
    _desk(ctx, cmd.institution, cmd.desk)
    since = _since(ctx, ctx.now())
    loans: list[StoredLoan] = await uow.loans.for_item(ctx.institution, cmd.item_barcode, since)
    loans.sort(key=lambda s: s.loan.loaned_at, reverse=True)
    return ItemHistory(
        item_barcode=cmd.item_barcode, since=since, loans=[LoanView.of(s) for s in loans]
    )


async def show_network_activity(
    cmd: ShowNetworkActivity, uow: UnitOfWork, ctx: Context
) -> NetworkActivity:
    """The patron's open loans in the other institutions (their summaries), soonest due first."""
    _desk(ctx, cmd.institution, cmd.desk)
    record = await find_patron(uow, ctx, cmd.patron, field="patron_id")
    summaries = await uow.network.for_patron(ctx.institution, record.patron.patron_id)
    open_ones = [s for s in summaries if s.status not in ("returned", "deleted")]
    open_ones.sort(key=lambda s: (s.due_date, s.institution, s.loan_id))
    return NetworkActivity(patron_id=record.patron.patron_id, loans=open_ones)

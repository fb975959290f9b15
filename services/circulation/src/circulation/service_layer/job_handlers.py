"""Jobs: aged to lost (loans past the litigation delay become lost, by the job) and retention
(loans and returns older than the history delay are anonymised; no TTL index: not on every store)."""

from __future__ import annotations

from datetime import timedelta

from circulation.domain import ItemStatus
from circulation.domain.aged_to_lost import age_to_lost

from .account_answers import JobAnswer
from .context import Context
from .loan_commands import RunAgedToLost, RunRetention
from .ports import UnitOfWork


async def run_aged_to_lost(cmd: RunAgedToLost, uow: UnitOfWork, ctx: Context) -> JobAnswer:
    """Declare lost (declared_by="aged_to_lost_job") every loan aged past the delay; items lost."""
    ctx.check_tenant(cmd.institution)
    now = ctx.now()
    # The store narrows by due date (a day of margin for the Paris calendar); the domain decides.
    before = now - timedelta(days=ctx.policy.litigation_after_days - 1)
    candidates = await uow.loans.open_due_before(ctx.institution, before)
    aged = {loan.loan_id for loan in age_to_lost([s.loan for s in candidates], ctx.policy, now)}
    changed = [s for s in candidates if s.loan.loan_id in aged]
    if changed:
        statuses = {s.loan.item_barcode: ItemStatus.LOST for s in changed}
        await uow.items.set_statuses(ctx.institution, statuses)
        failed = await uow.loans.save_many(ctx.institution, changed)
        changed = [s for s in changed if s.loan.loan_id not in failed]  # next run retries them
    ids = sorted(s.loan.loan_id for s in changed)
    return JobAnswer(job="aged_to_lost", ran_at=now, changed=len(ids), ids=ids)


async def run_retention(cmd: RunRetention, uow: UnitOfWork, ctx: Context) -> JobAnswer:
    """Anonymise loans closed, and requests no longer active placed, more than the policy's
    ``history`` period ago (strictly older); drop old network summaries."""
    ctx.check_tenant(cmd.institution)
    now = ctx.now()
    before = ctx.policy.history.cutoff(now)
    loans = await uow.loans.anonymise_closed_before(ctx.institution, before)
    # A request no longer active, placed more than the history delay ago, loses its requester:
    # only the account's Requests tab needs them, and that keeps the same year as loans.
    requests = await uow.requests.anonymise(ctx.institution, placed_before=before)
    summaries = await uow.network.purge_closed_before(ctx.institution, before)
    return JobAnswer(job="retention", ran_at=now, changed=loans + requests + summaries)

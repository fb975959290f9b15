"""Renewals: one loan, the selected loans or all loans of a patron; each line renewed or refused."""

from __future__ import annotations

from datetime import datetime

from circulation.domain import (
    Item,
    LibraryCalendar,
    Loan,
    OverrideRecord,
    OverrideRequest,
    Patron,
    RenewalOrigin,
    resolve_rule,
)
from circulation.domain.errors import CirculationError, LoanNotRenewableError
from circulation.domain.renewal_guards import check_renewal_allowed

from .answers import RenewalAnswer, RenewalLine
from .commands import Override, RenewLoan, RenewPatronLoans
from .context import Context, find_patron
from .errors import LoanNotFoundError, UnknownItemError
from .ports import StoredLoan, UnitOfWork


async def renew_loan(cmd: RenewLoan, uow: UnitOfWork, ctx: Context) -> RenewalLine:
    """Renew one loan; a refusal is raised (RecalledLoanNotRenewableError...)."""
    _check_caller(cmd.institution, cmd.desk, cmd.origin, ctx)
    stored = await uow.loans.get(ctx.institution, cmd.loan_id)
    if stored is None:
        raise LoanNotFoundError("loan_id", cmd.loan_id, f"no such loan in {ctx.institution}")
    record = await find_patron(uow, ctx, stored.loan.patron_id, field="loan_id")
    loans, _ = await uow.loans.open_for_patron(ctx.institution, record.patron.patron_id)
    override = _guarded(record.patron, [s.loan for s in loans], ctx, cmd.operator, cmd.override)
    item = await uow.items.get(ctx.institution, stored.loan.item_barcode)
    line = _renew(stored, item, record.patron, ctx, ctx.now(), cmd.origin, override)
    await uow.loans.save(ctx.institution, stored)
    return line


async def renew_patron_loans(cmd: RenewPatronLoans, uow: UnitOfWork, ctx: Context) -> RenewalAnswer:
    """Renew the selected (or all) open loans of the patron: every line answered."""
    _check_caller(cmd.institution, cmd.desk, cmd.origin, ctx)
    record = await find_patron(uow, ctx, cmd.patron, field="patron_id")
    loans, _ = await uow.loans.open_for_patron(ctx.institution, record.patron.patron_id)
    by_id = {stored.loan.loan_id: stored for stored in loans}
    wanted = list(by_id) if cmd.loan_ids is None else list(dict.fromkeys(cmd.loan_ids))
    items = await uow.items.get_many(
        ctx.institution, [stored.loan.item_barcode for stored in loans]
    )
    now, lines = ctx.now(), []
    guarded: OverrideRecord | CirculationError | None
    try:
        guarded = _guarded(record.patron, [s.loan for s in loans], ctx, cmd.operator, cmd.override)
    except CirculationError as refusal:
        guarded = refusal  # every selected line is refused for it
    for loan_id in wanted:
        stored = by_id.get(loan_id)
        try:
            if stored is None:
                raise LoanNotFoundError("loan_ids", loan_id, "not an open loan of this patron")
            if isinstance(guarded, CirculationError):
                raise guarded
            item = items.get(stored.loan.item_barcode)
            line = _renew(stored, item, record.patron, ctx, now, cmd.origin, guarded)
            await uow.loans.save(ctx.institution, stored)
        except CirculationError as refusal:
            line = RenewalLine(
                loan_id=loan_id,
                renewed=False,
                refusal=type(refusal).__name__.removesuffix("Error"),
                reason=str(refusal),
            )
        lines.append(line)
    return RenewalAnswer(lines=lines)


def _check_caller(institution: str, desk: str | None, origin: RenewalOrigin, ctx: Context) -> None:
    # The patron renews from the discovery interface, at no desk; staff always work at one.
    ctx.check_tenant(institution)
    if origin is RenewalOrigin.DESK or desk is not None:
        ctx.desk_library(desk)


def _guarded(
    patron: Patron,
    loans: list[Loan],
    ctx: Context,
    operator: str,
    override: Override | None,
) -> OverrideRecord | None:
    """The renewal guards of the policy: raises RenewalBlockedError, or answers the accepted
    override (None when no guard refuses)."""
    request = (
        None if override is None else OverrideRequest(operator=operator, reason=override.reason)
    )
    return check_renewal_allowed(
        policy=ctx.policy, patron=patron, patron_loans=loans, now=ctx.now(), override=request
    )


def _renew(
    stored: StoredLoan,
    item: Item | None,
    patron: Patron,
    ctx: Context,
    now: datetime,
    origin: RenewalOrigin,
    override: OverrideRecord | None = None,
) -> RenewalLine:
    """Renew in memory under the rule that governs the loan now (item and patron's group)."""
    loan = stored.loan
    if item is None:
        raise UnknownItemError("item_barcode", loan.item_barcode, "the loan's item is not known")
    decision = resolve_rule(ctx.policy, item, patron.user_group)
    if not decision.renewable or decision.period is None:
        raise LoanNotRenewableError(
            f"loan {loan.loan_id}: rule {', '.join(decision.rule_names)} does not allow renewal"
        )
    previous = loan.due_at
    explained = loan.renew(
        now=now,
        loan_period=decision.period,
        renewal_period=ctx.policy.renewal_period,
        calendar=LibraryCalendar.of(ctx.policy, loan.library),
        origin=origin,
        override=override,
    )
    return RenewalLine(
        loan_id=loan.loan_id,
        renewed=True,
        due_at=explained.due_at,
        previous_due_at=previous,
        steps=[step.description for step in explained.steps],
        overridden_blocks=[kind.value for kind in override.blocks] if override else [],
    )

""" "Check the rules" of a loan, and the dry run of a checkout (patron, item, desk, date)."""

from __future__ import annotations

from circulation.domain import ItemStatus
from circulation.domain.explanation import (
    LoanRuleExplanation,
    RuleExplanation,
    explain_checkout,
    explain_loan,
)

from .context import Context, find_patron
from .errors import UnknownItemError
from .loan_action_handlers import get_loan
from .loan_commands import ExplainLoanRules, ExplainRules
from .ports import UnitOfWork
from .return_batch import item_of_loan


async def explain_loan_rules(
    cmd: ExplainLoanRules, uow: UnitOfWork, ctx: Context
) -> LoanRuleExplanation:
    """The loan's rule recomputed from its loan instant: does it reproduce the stored due date?"""
    stored = await get_loan(uow, ctx, cmd.institution, cmd.desk, cmd.loan_id)
    loan = stored.loan
    record = await find_patron(uow, ctx, loan.patron_id, field="loan_id")
    item = await uow.items.get(ctx.institution, loan.item_barcode) or item_of_loan(ctx, loan)
    loans, _ = await uow.loans.open_for_patron(ctx.institution, loan.patron_id)
    return explain_loan(
        policy=ctx.policy,
        loan=loan,
        patron=record.patron,
        item=item,
        patron_loans=[s.loan for s in loans],
        now=ctx.now(),
    )


async def explain_rules(cmd: ExplainRules, uow: UnitOfWork, ctx: Context) -> RuleExplanation:
    """Dry run at ``cmd.at`` (default now): nothing is written."""
    ctx.check_tenant(cmd.institution)
    ctx.desk_library(cmd.desk)
    record = await find_patron(uow, ctx, cmd.patron)
    item = await uow.items.get(ctx.institution, cmd.item_barcode)
    if item is None:
        raise UnknownItemError(
            "item_barcode", cmd.item_barcode, f"no such item in {ctx.institution}"
        )
    loans, item_loan = await uow.loans.open_for_patron(
        ctx.institution, record.patron.patron_id, item.barcode
    )
    if item_loan is not None:
        item = item.model_copy(update={"status": ItemStatus.ON_LOAN})
    return explain_checkout(
        policy=ctx.policy,
        patron=record.patron,
        item=item,
        patron_loans=[s.loan for s in loans],
        at=cmd.at or ctx.now(),
    )

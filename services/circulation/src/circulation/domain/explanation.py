""" "Check the rules": which policy applied, through which criteria, the due date step by step,
the renewal cap, and the blocks that would apply. For a stored loan, or as a dry run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pydantic import AwareDatetime

from rebub_shared.clock import as_utc, paris_date

from .blocks import Block, checkout_blocks, patron_blocks
from .due_dates import DueDateExplanation, due_at_for_loan
from .item import Item
from .library_calendar import LibraryCalendar
from .loan import Loan
from .patron import Patron
from .policy import InstitutionPolicy
from .rules import RuleDecision, resolve_rule
from .values import ValueModel


class RenewalCap(ValueModel):
    """The latest day a renewal can reach: the due date fixed at loan time + renewal period."""

    renewal_period: str
    original_due_day: date
    cap_day: date
    renewable: bool


class RuleExplanation(ValueModel):
    """The rule decision, the loan-time due date explained, the renewal cap, the blocks."""

    decision: RuleDecision
    loaned_at: AwareDatetime
    due_date: DueDateExplanation | None
    renewal_cap: RenewalCap | None
    blocks: list[Block]


class LoanRuleExplanation(RuleExplanation):
    """For a stored loan: also whether today's rules reproduce what was stored."""

    stored_rule_names: tuple[str, ...]
    same_rule: bool
    stored_original_due_at: AwareDatetime
    current_due_at: AwareDatetime
    reproduces_due_date: bool


def explain_checkout(
    *,
    policy: InstitutionPolicy,
    patron: Patron,
    item: Item,
    patron_loans: Sequence[Loan],
    at: datetime,
) -> RuleExplanation:
    """Dry run: what a checkout of ``item`` to ``patron`` at ``at`` would decide (no loan made)."""
    at = as_utc("at", at)
    decision = resolve_rule(policy, item, patron.user_group)
    blocks = checkout_blocks(
        policy=policy,
        patron=patron,
        patron_loans=patron_loans,
        item=item,
        decision=decision,
        now=at,
    )
    return _explained(policy, item, decision, at, blocks)


def explain_loan(
    *,
    policy: InstitutionPolicy,
    loan: Loan,
    patron: Patron,
    item: Item,
    patron_loans: Sequence[Loan],
    now: datetime,
) -> LoanRuleExplanation:
    """The rules of a stored loan, recomputed from its loan instant with today's policy."""
    decision = resolve_rule(policy, item, patron.user_group)
    blocks = patron_blocks(policy=policy, patron=patron, patron_loans=patron_loans, now=now)
    base = _explained(policy, item, decision, loan.loaned_at, blocks)
    computed = base.due_date.due_at if base.due_date else None
    return LoanRuleExplanation(
        **dict(base),
        stored_rule_names=loan.rule_names,
        same_rule=decision.rule_names == loan.rule_names,
        stored_original_due_at=loan.original_due_at,
        current_due_at=loan.due_at,
        reproduces_due_date=computed == loan.original_due_at,
    )


def _explained(
    policy: InstitutionPolicy,
    item: Item,
    decision: RuleDecision,
    at: datetime,
    blocks: list[Block],
) -> RuleExplanation:
    due_date, cap = None, None
    if decision.loanable and decision.period is not None:
        due_date = due_at_for_loan(at, decision.period, LibraryCalendar.of(policy, item.library))
        fixed = paris_date(due_date.due_at)
        cap = RenewalCap(
            renewal_period=str(policy.renewal_period),
            original_due_day=fixed,
            cap_day=policy.renewal_period.add_to(fixed),
            renewable=decision.renewable,
        )
    return RuleExplanation(
        decision=decision, loaned_at=at, due_date=due_date, renewal_cap=cap, blocks=blocks
    )

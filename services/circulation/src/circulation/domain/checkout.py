"""Checkout: lend an item to a patron, after the rules and every block have been checked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .blocks import Block, checkout_blocks
from .due_dates import DueDateExplanation, due_at_for_loan
from .errors import CheckoutBlockedError, TenantMismatchError
from .item import Item
from .library_calendar import LibraryCalendar
from .loan import Loan
from .overrides import OverrideRequest, check_override
from .patron import Patron
from .policy import InstitutionPolicy
from .rules import RuleDecision, resolve_rule
from .values import ValueModel


class Checkout(ValueModel):
    """What a checkout produced: the new loan, the rule decision and the due date explained."""

    loan: Loan
    decision: RuleDecision
    due_date: DueDateExplanation
    overridden_blocks: tuple[Block, ...] = ()


def check_out(
    *,
    loan_id: str,
    policy: InstitutionPolicy,
    patron: Patron,
    item: Item,
    patron_loans: Sequence[Loan],
    now: datetime,
    override: OverrideRequest | None = None,
) -> Checkout:
    """Lend ``item`` to ``patron`` at ``now``.

    Raises CheckoutBlockedError with every block when there is any and no override; with an
    override, BlockNotOverridableError / OverrideIncompleteError when it cannot be accepted.
    The due date uses the calendar of the item's (owning) library.
    """
    check_same_tenant(policy, patron, item)
    decision = resolve_rule(policy, item, patron.user_group)
    blocks = checkout_blocks(
        policy=policy,
        patron=patron,
        patron_loans=patron_loans,
        item=item,
        decision=decision,
        now=now,
    )
    if blocks and override is None:
        raise CheckoutBlockedError(blocks)
    record = check_override(blocks, override, now) if blocks and override else None
    assert decision.period is not None  # not loanable is a non-overridable block
    due_date = due_at_for_loan(now, decision.period, LibraryCalendar.of(policy, item.library))
    loan = Loan.lend(
        loan_id=loan_id,
        institution=policy.institution,
        patron_id=patron.patron_id,
        item_barcode=item.barcode,
        title=item.title,
        library=item.library,
        location=item.location,
        due_at=due_date.due_at,
        rule_names=decision.rule_names,
        now=now,
        override=record,
    )
    return Checkout(
        loan=loan, decision=decision, due_date=due_date, overridden_blocks=tuple(blocks)
    )


def check_same_tenant(policy: InstitutionPolicy, patron: Patron, item: Item) -> None:
    """Patron and item must belong to the policy's institution (tenant isolation)."""
    for field, value in (
        ("patron.institution", patron.institution),
        ("item.institution", item.institution),
    ):
        if value != policy.institution:
            raise TenantMismatchError(f"{field}={value!r} but policy is {policy.institution!r}")

"""Checkout blocks: every reason a loan is refused, all answered at once (never only the first)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime

from pydantic import Field

from rebub_shared.clock import as_utc, paris_date

from .item import Item
from .loan import Loan
from .paris_time import days_late
from .patron import LocalBlock, Patron
from .policy import InstitutionPolicy
from .rules import RuleDecision
from .values import ValueModel
from .vocabulary import BlockKind, ItemStatus, LoanStatus


class Block(ValueModel):
    """One reason to refuse the checkout, and whether the policy lets staff override it."""

    kind: BlockKind
    message: str
    overridable: bool
    until: date | None = Field(
        default=None, description="last blocked Paris day, when the block has an end date"
    )
    staff_block: LocalBlock | None = Field(
        default=None, description="a block staff set: its type, reason, days and author"
    )


def checkout_blocks(
    *,
    policy: InstitutionPolicy,
    patron: Patron,
    patron_loans: Sequence[Loan],
    item: Item,
    decision: RuleDecision,
    now: datetime,
) -> list[Block]:
    """All blocks against lending ``item`` to ``patron`` at ``now`` (empty list: no block).

    ``patron_loans`` are the patron's loans in this institution (closed ones are ignored).
    A claimed-returned loan counts toward the loan limit but not as overdue while disputed.
    """
    now = as_utc("now", now)
    found = list(_patron_blocks(policy, patron, patron_loans, now))
    found += _item_blocks(item, decision)
    return _as_blocks(policy.overridable_blocks, found)


def patron_blocks(
    *, policy: InstitutionPolicy, patron: Patron, patron_loans: Sequence[Loan], now: datetime
) -> list[Block]:
    """The blocks that concern the patron alone (shown when the patron is identified at a desk)."""
    found = _patron_blocks(policy, patron, patron_loans, as_utc("now", now))
    return _as_blocks(policy.overridable_blocks, found)


def renewal_blocks(
    *, policy: InstitutionPolicy, patron: Patron, patron_loans: Sequence[Loan], now: datetime
) -> list[Block]:
    """The patron's blocks that refuse a renewal under the policy's ``renewal_guards``, each
    overridable or not as the guards say (empty list: the patron may renew)."""
    guards = policy.renewal_guards
    found = _patron_blocks(policy, patron, patron_loans, as_utc("now", now))
    return _as_blocks(guards.overridable, (f for f in found if f[0] in guards.refusing))


_Found = (
    tuple[BlockKind, str]
    | tuple[BlockKind, str, date | None]
    | tuple[BlockKind, str, date | None, LocalBlock]
)


def _as_blocks(overridable: Collection[BlockKind], found: Iterable[_Found]) -> list[Block]:
    return [
        Block(
            kind=entry[0],
            message=entry[1],
            overridable=entry[0] in overridable,
            until=entry[2] if len(entry) >= 3 else None,
            staff_block=entry[3] if len(entry) == 4 else None,
        )
        for entry in found
    ]


def _patron_blocks(
    policy: InstitutionPolicy, patron: Patron, loans: Sequence[Loan], now: datetime
) -> Iterator[_Found]:
    today = paris_date(now)
    open_loans = [loan for loan in loans if loan.is_open]
    late = [
        loan
        for loan in open_loans
        if loan.status is not LoanStatus.CLAIMED_RETURNED and loan.due_at < now
    ]
    if late:
        yield BlockKind.OVERDUE, f"{len(late)} loan(s) overdue: {_barcodes(late)}"
    if patron.suspended_until is not None and today <= patron.suspended_until:
        yield (
            BlockKind.SUSPENSION,
            f"suspended_until={patron.suspended_until}",
            patron.suspended_until,
        )
    limit_days = policy.litigation_after_days
    litigious = [loan for loan in late if days_late(loan.due_at, now) > limit_days]
    if litigious:
        yield (
            BlockKind.LITIGATION,
            f"loan(s) over {limit_days} days overdue: {_barcodes(litigious)}",
        )
    limit = policy.loan_limit_for(patron.user_group)
    if len(open_loans) >= limit:
        yield (
            BlockKind.LOAN_LIMIT,
            (
                f"loan limit {limit} for user_group={patron.user_group!r} "
                f"reached ({len(open_loans)} open loans)"
            ),
        )
    if patron.expires_on is not None and patron.expires_on < today:
        yield BlockKind.EXPIRED_ACCOUNT, f"expires_on={patron.expires_on}"
    for block in patron.local_blocks:
        if block.active_on(today):
            message = f"local block {block.code!r}: {block.note}"
            yield BlockKind.LOCAL_BLOCK, message, block.until, block


def _item_blocks(item: Item, decision: RuleDecision) -> list[_Found]:
    found: list[_Found] = []
    if not decision.loanable:
        found.append((BlockKind.ITEM_NOT_LOANABLE, f"item {item.barcode}: {decision.explanation}"))
    if item.status is not ItemStatus.AVAILABLE:
        found.append(
            (BlockKind.ITEM_NOT_LOANABLE, f"item {item.barcode}: status={item.status.value!r}")
        )
    return found


def _barcodes(loans: Sequence[Loan]) -> str:
    return ", ".join(loan.item_barcode for loan in loans)

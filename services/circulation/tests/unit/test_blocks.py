"""Checkout blocks: each reason, all reasons at once, overrides (accepted and refused)."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from circulation.domain import (
    BlockKind,
    Checkout,
    InstitutionPolicy,
    Item,
    ItemStatus,
    Loan,
    LocalBlock,
    OverrideRequest,
    Patron,
    check_out,
    checkout_blocks,
    resolve_rule,
)
from circulation.domain.errors import (
    BlockNotOverridableError,
    CheckoutBlockedError,
    OverrideIncompleteError,
    TenantMismatchError,
)
from circulation.domain.events import LoanCreated

MakeItem = Callable[..., Item]
MakePatron = Callable[..., Patron]
MakeLoan = Callable[..., Loan]

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)  # Tue 10 Nov 2026, 11:00 CET
NOT_DUE = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)


def _kinds(
    inp: InstitutionPolicy, patron: Patron, loans: list[Loan], item: Item
) -> list[BlockKind]:
    decision = resolve_rule(inp, item, patron.user_group)
    blocks = checkout_blocks(
        policy=inp, patron=patron, patron_loans=loans, item=item, decision=decision, now=NOW
    )
    return [block.kind for block in blocks]


def _lend(
    inp: InstitutionPolicy,
    patron: Patron,
    item: Item,
    patron_loans: list[Loan],
    override: OverrideRequest | None = None,
) -> Checkout:
    return check_out(
        loan_id="L-1",
        policy=inp,
        patron=patron,
        item=item,
        patron_loans=patron_loans,
        now=NOW,
        override=override,
    )


def test_no_block_lends_with_due_date_and_rule(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem
) -> None:
    checkout = _lend(inp, make_patron(), make_item(), [])
    # L: 1 month -> Thu 10 Dec 2026, ENSEIRB closes 18:30 CET
    assert checkout.loan.due_at == datetime(2026, 12, 10, 17, 30, tzinfo=UTC)
    assert checkout.loan.rule_names == ("inp-empruntable-1-mois",)
    assert isinstance(checkout.loan.pending_events[0], LoanCreated)


def test_overdue_block(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem, make_loan: MakeLoan
) -> None:
    late = make_loan(datetime(2026, 11, 2, 17, 30, tzinfo=UTC))  # 8 days overdue
    assert _kinds(inp, make_patron(), [late], make_item()) == [BlockKind.OVERDUE]


def test_returned_loans_do_not_block(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem, make_loan: MakeLoan
) -> None:
    loan = make_loan(datetime(2026, 11, 2, 17, 30, tzinfo=UTC))
    loan.delete(now=datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    assert _kinds(inp, make_patron(), [loan], make_item()) == []


def test_suspension_block_until_its_last_day(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem
) -> None:
    suspended = make_patron(suspended_until=date(2026, 11, 10))
    assert _kinds(inp, suspended, [], make_item()) == [BlockKind.SUSPENSION]
    ended = make_patron(suspended_until=date(2026, 11, 9))
    assert _kinds(inp, ended, [], make_item()) == []


def test_litigation_block_after_more_than_35_days(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem, make_loan: MakeLoan
) -> None:
    day_35 = make_loan(datetime(2026, 10, 6, 16, 30, tzinfo=UTC), barcode="A")  # due 6 Oct
    day_36 = make_loan(datetime(2026, 10, 5, 16, 30, tzinfo=UTC), barcode="B")  # due 5 Oct
    assert _kinds(inp, make_patron(), [day_35], make_item()) == [BlockKind.OVERDUE]
    assert _kinds(inp, make_patron(), [day_36], make_item()) == [
        BlockKind.OVERDUE,
        BlockKind.LITIGATION,
    ]


def test_loan_limit_block_per_user_group(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem, make_loan: MakeLoan
) -> None:
    loans = [make_loan(NOT_DUE, barcode=f"INP{n}") for n in range(3)]
    external = make_patron(user_group="LECTEUR_EXTERIEUR")  # inp limit 3
    assert _kinds(inp, external, loans, make_item()) == [BlockKind.LOAN_LIMIT]
    assert _kinds(inp, make_patron(user_group="L"), loans, make_item()) == []  # limit 10


def test_expired_account_block(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem
) -> None:
    expired = make_patron(expires_on=date(2026, 11, 9))
    assert _kinds(inp, expired, [], make_item()) == [BlockKind.EXPIRED_ACCOUNT]


def test_item_not_loanable_block(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem
) -> None:
    reading_room = make_item(item_policy="sur-place")
    on_loan = make_item(status=ItemStatus.ON_LOAN)
    assert _kinds(inp, make_patron(), [], reading_room) == [BlockKind.ITEM_NOT_LOANABLE]
    assert _kinds(inp, make_patron(), [], on_loan) == [BlockKind.ITEM_NOT_LOANABLE]


def test_all_blocks_at_once(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem, make_loan: MakeLoan
) -> None:
    loans = [make_loan(datetime(2026, 9, 1, 16, 30, tzinfo=UTC), barcode=f"X{n}") for n in range(3)]
    patron = make_patron(
        user_group="LECTEUR_EXTERIEUR",
        suspended_until=date(2026, 11, 20),
        expires_on=date(2026, 10, 31),
        local_blocks=[LocalBlock(code="carte-perdue", note="carte déclarée perdue")],
    )
    item = make_item(location="ENSEIRB-RAPPORTS", status=ItemStatus.MISSING)
    with pytest.raises(CheckoutBlockedError) as caught:
        _lend(inp, patron, item, loans)
    assert [block.kind for block in caught.value.blocks] == [
        BlockKind.OVERDUE,
        BlockKind.SUSPENSION,
        BlockKind.LITIGATION,
        BlockKind.LOAN_LIMIT,
        BlockKind.EXPIRED_ACCOUNT,
        BlockKind.LOCAL_BLOCK,
        BlockKind.ITEM_NOT_LOANABLE,
        BlockKind.ITEM_NOT_LOANABLE,
    ]
    assert "status='missing'" in str(caught.value)


def test_override_lends_and_records_who_why_when(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem, make_loan: MakeLoan
) -> None:
    late = make_loan(datetime(2026, 11, 2, 17, 30, tzinfo=UTC))
    checkout = _lend(
        inp,
        make_patron(),
        make_item(),
        [late],
        OverrideRequest(operator="mdupont", reason="retour promis ce soir"),
    )
    record = checkout.loan.override
    assert record is not None
    assert (record.operator, record.reason) == ("mdupont", "retour promis ce soir")
    assert (record.overridden_at, record.blocks) == (NOW, (BlockKind.OVERDUE,))
    created = checkout.loan.pending_events[0]
    assert isinstance(created, LoanCreated)
    assert created.override == record


def test_override_refused_for_a_non_overridable_block(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem
) -> None:
    suspended = make_patron(suspended_until=date(2026, 11, 20))
    with pytest.raises(BlockNotOverridableError, match="suspension"):
        _lend(
            inp, suspended, make_item(), [], OverrideRequest(operator="mdupont", reason="urgence")
        )


def test_override_needs_a_reason(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem, make_loan: MakeLoan
) -> None:
    late = make_loan(datetime(2026, 11, 2, 17, 30, tzinfo=UTC))
    with pytest.raises(OverrideIncompleteError, match="reason=' '"):
        _lend(
            inp, make_patron(), make_item(), [late], OverrideRequest(operator="mdupont", reason=" ")
        )


def test_patron_of_another_institution_is_refused(
    inp: InstitutionPolicy, make_patron: MakePatron, make_item: MakeItem
) -> None:
    with pytest.raises(TenantMismatchError, match=r"patron\.institution='ub'"):
        _lend(inp, make_patron(institution="ub"), make_item(), [])

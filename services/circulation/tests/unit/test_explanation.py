"""Check the rules: a loan's explanation reproduces its due date and names its rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from circulation.domain import InstitutionPolicy, Item, Patron, check_out
from circulation.domain.explanation import explain_checkout, explain_loan

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def test_the_explanation_reproduces_the_due_date_of_the_loan(
    inp: InstitutionPolicy, make_item: Callable[..., Item], make_patron: Callable[..., Patron]
) -> None:
    item, patron = make_item(), make_patron(user_group="D")
    lent = check_out(
        loan_id="L1", policy=inp, patron=patron, item=item, patron_loans=[], now=THU_1_OCT
    )
    later = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    explained = explain_loan(
        policy=inp, loan=lent.loan, patron=patron, item=item, patron_loans=[lent.loan], now=later
    )
    assert explained.reproduces_due_date
    assert explained.same_rule
    assert explained.decision.rule_names == lent.loan.rule_names
    assert explained.due_date is not None
    assert explained.due_date.due_at == lent.loan.due_at
    assert explained.renewal_cap is not None
    assert explained.renewal_cap.cap_day == inp.renewal_period.add_to(
        explained.renewal_cap.original_due_day
    )


def test_the_dry_run_lists_the_blocks_that_would_apply(
    inp: InstitutionPolicy, make_item: Callable[..., Item], make_patron: Callable[..., Patron]
) -> None:
    patron = make_patron(suspended_until="2026-10-03")
    dry = explain_checkout(
        policy=inp, patron=patron, item=make_item(), patron_loans=[], at=THU_1_OCT
    )
    assert [(b.kind.value, str(b.until)) for b in dry.blocks] == [("suspension", "2026-10-03")]

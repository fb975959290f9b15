"""Renewal guards: the patron blocks the policy names refuse a renewal (with the reason); a
manager's override with a reason passes and is recorded on the renewal's event."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from circulation.domain import (
    InstitutionPolicy,
    LibraryCalendar,
    Loan,
    OverrideRequest,
    Patron,
    RenewalOrigin,
)
from circulation.domain.errors import BlockNotOverridableError, RenewalBlockedError
from circulation.domain.events import LoanRenewed
from circulation.domain.period import Period
from circulation.domain.policy import RenewalGuards
from circulation.domain.renewal_guards import check_renewal_allowed
from circulation.domain.vocabulary import BlockKind

MakePatron = Callable[..., Patron]
MakeLoan = Callable[..., Loan]

# Tue 10 Nov 2026, 11:00 in Paris; the loan is due on 3 Dec, nothing overdue.
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)


def test_a_suspended_inp_patron_cannot_renew_and_the_reason_is_given(
    inp: InstitutionPolicy, make_patron: MakePatron, make_loan: MakeLoan
) -> None:
    patron = make_patron(suspended_until=date(2026, 11, 20))
    with pytest.raises(RenewalBlockedError, match="suspended_until=2026-11-20") as refused:
        check_renewal_allowed(policy=inp, patron=patron, patron_loans=[make_loan(DUE)], now=NOW)
    assert [(b.kind, b.overridable) for b in refused.value.blocks] == [(BlockKind.SUSPENSION, True)]
    # The day after the last suspended day, the renewal is allowed again.
    after = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert check_renewal_allowed(policy=inp, patron=patron, patron_loans=[], now=after) is None


def test_a_manager_overrides_the_suspension_and_the_renewal_records_it(
    inp: InstitutionPolicy, make_patron: MakePatron, make_loan: MakeLoan
) -> None:
    patron = make_patron(suspended_until=date(2026, 11, 20))
    loan = make_loan(DUE)
    record = check_renewal_allowed(
        policy=inp,
        patron=patron,
        patron_loans=[loan],
        now=NOW,
        override=OverrideRequest(operator="inp-manager", reason="mémoire à rendre"),
    )
    assert record is not None
    assert (record.operator, record.blocks) == ("inp-manager", (BlockKind.SUSPENSION,))
    loan.renew(
        now=NOW,
        loan_period=Period.parse("P2M"),
        renewal_period=inp.renewal_period,
        calendar=LibraryCalendar.of(inp, "ENSEIRB"),
        origin=RenewalOrigin.DESK,
        override=record,
    )
    (renewed,) = [e for e in loan.pending_events if isinstance(e, LoanRenewed)]
    assert renewed.override == record
    assert renewed.override.reason == "mémoire à rendre"


def test_litigation_refuses_a_renewal_and_cannot_be_overridden(
    inp: InstitutionPolicy, make_patron: MakePatron, make_loan: MakeLoan
) -> None:
    # Due 1 Oct 2026: on 10 Nov, 40 days late (over 35: litigation).
    late = make_loan(datetime(2026, 10, 1, 16, 0, tzinfo=UTC))
    with pytest.raises(BlockNotOverridableError, match="litigation"):
        check_renewal_allowed(
            policy=inp,
            patron=make_patron(),
            patron_loans=[late],
            now=NOW,
            override=OverrideRequest(operator="inp-manager", reason="x"),
        )


def test_an_overdue_loan_and_the_loan_limit_do_not_refuse_a_renewal_by_default(
    inp: InstitutionPolicy, make_patron: MakePatron, make_loan: MakeLoan
) -> None:
    late = make_loan(datetime(2026, 11, 2, 16, 0, tzinfo=UTC))  # 8 days late
    loans = [late] + [make_loan(DUE, barcode=f"INP01{n:02}") for n in range(30)]
    assert (
        check_renewal_allowed(policy=inp, patron=make_patron(), patron_loans=loans, now=NOW) is None
    )


def test_the_guards_name_only_blocks_a_renewal_can_have() -> None:
    with pytest.raises(ValidationError, match="refusing\\[0\\]: 'loan_limit' does not concern"):
        RenewalGuards(refusing=[BlockKind.LOAN_LIMIT])
    with pytest.raises(ValidationError, match="overridable\\[0\\]: 'overdue' is not in"):
        RenewalGuards(refusing=[BlockKind.SUSPENSION], overridable=[BlockKind.OVERDUE])

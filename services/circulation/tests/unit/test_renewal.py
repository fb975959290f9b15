"""Renewal: the earlier of (renewal day + loan period) and (fixed due date + renewal period)."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from circulation.domain import (
    DueDateExplanation,
    InstitutionPolicy,
    LibraryCalendar,
    Loan,
    Period,
    RenewalOrigin,
)
from circulation.domain.errors import LoanNotRenewableError, RecalledLoanNotRenewableError
from circulation.domain.events import LoanRenewed

TWO_MONTHS = Period(months=2)
# due Thu 3 Dec 2026 at ENSEIRB closing time, 18:30 CET
DUE_3_DEC = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)


def _renew(
    inp: InstitutionPolicy,
    loan: Loan,
    now: datetime,
    origin: RenewalOrigin,
    loan_period: Period = TWO_MONTHS,
) -> DueDateExplanation:
    """Renew an ENSEIRB (inp) loan with inp's renewal period of one week."""
    return loan.renew(
        now=now,
        loan_period=loan_period,
        renewal_period=inp.renewal_period,
        calendar=LibraryCalendar.of(inp, "ENSEIRB"),
        origin=origin,
    )


@pytest.mark.parametrize(
    ("renewed_at", "expected_due_at"),
    [
        (datetime(2026, 10, 4, 9, 0, tzinfo=UTC), datetime(2026, 12, 4, 17, 30, tzinfo=UTC)),
        (datetime(2026, 10, 8, 9, 0, tzinfo=UTC), datetime(2026, 12, 8, 17, 30, tzinfo=UTC)),
        (datetime(2026, 10, 10, 9, 0, tzinfo=UTC), datetime(2026, 12, 10, 17, 30, tzinfo=UTC)),
        (datetime(2026, 11, 10, 9, 0, tzinfo=UTC), datetime(2026, 12, 10, 17, 30, tzinfo=UTC)),
    ],
)
def test_training_example_loaned_3_oct_due_3_dec(
    inp: InstitutionPolicy,
    make_loan: Callable[..., Loan],
    renewed_at: datetime,
    expected_due_at: datetime,
) -> None:
    # inp: renewal period 1 week; 4, 8 and 10 Dec 2026 are opening days of ENSEIRB
    assert inp.renewal_period == Period(days=7)
    loan = make_loan(DUE_3_DEC, loaned_at=datetime(2026, 10, 3, 9, 0, tzinfo=UTC))
    explained = _renew(inp, loan, renewed_at, RenewalOrigin.PATRON)
    assert loan.due_at == explained.due_at == expected_due_at
    assert loan.original_due_at == DUE_3_DEC
    assert [step.kind for step in explained.steps] == ["loan_period", "renewal_cap", "closing_time"]


def test_renewal_records_origin_count_and_event(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan]
) -> None:
    loan = make_loan(DUE_3_DEC)
    _renew(inp, loan, datetime(2026, 10, 8, 9, 0, tzinfo=UTC), RenewalOrigin.DESK)
    event = loan.pending_events[-1]
    assert isinstance(event, LoanRenewed)
    assert (loan.renewal_count, loan.last_renewal_origin) == (1, RenewalOrigin.DESK)
    assert (event.previous_due_at, event.due_at) == (DUE_3_DEC, loan.due_at)
    assert event.origin is RenewalOrigin.DESK


def test_renewed_due_day_on_christmas_closure_moves_on(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan]
) -> None:
    # due Fri 18 Dec 2026; + 1 week = Fri 25 Dec, inp closed 19 Dec - 3 Jan -> Mon 4 Jan 2027
    loan = make_loan(datetime(2026, 12, 18, 17, 30, tzinfo=UTC))
    _renew(inp, loan, datetime(2026, 12, 15, 9, 0, tzinfo=UTC), RenewalOrigin.PATRON)
    assert loan.due_at == datetime(2027, 1, 4, 17, 30, tzinfo=UTC)


def test_renewal_never_shortens_a_due_date_staff_extended(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan]
) -> None:
    loan = make_loan(DUE_3_DEC)
    later = datetime(2027, 1, 29, 17, 30, tzinfo=UTC)
    loan.change_due_date(
        due_at=later, now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC), operator="mdupont"
    )
    explained = _renew(inp, loan, datetime(2026, 11, 10, 9, 0, tzinfo=UTC), RenewalOrigin.PATRON)
    assert loan.due_at == later
    assert explained.steps[-1].kind == "not_shortened"


def test_recalled_loan_cannot_be_renewed(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan]
) -> None:
    loan = make_loan(DUE_3_DEC)
    loan.recall(now=datetime(2026, 10, 20, 9, 0, tzinfo=UTC), request_id="req-1")
    with pytest.raises(RecalledLoanNotRenewableError, match="status='recalled'"):
        _renew(inp, loan, datetime(2026, 10, 21, 9, 0, tzinfo=UTC), RenewalOrigin.PATRON)
    assert (loan.due_at, loan.renewal_count, loan.version) == (DUE_3_DEC, 0, 2)


def test_hour_loans_cannot_be_renewed(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan]
) -> None:
    loan = make_loan(datetime(2026, 10, 5, 6, 30, tzinfo=UTC))
    with pytest.raises(LoanNotRenewableError, match="PT12H"):
        _renew(
            inp, loan, datetime(2026, 10, 4, 9, 0, tzinfo=UTC), RenewalOrigin.DESK, Period(hours=12)
        )

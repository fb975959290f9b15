"""Returns: backdated returns, days late, suspension (inp yes, ub no), next step."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from circulation.domain import InstitutionPolicy, Item, Loan, Patron, check_in_loan
from circulation.domain.errors import ReturnInFutureError
from circulation.domain.events import LoanReturned
from circulation.domain.vocabulary import LoanStatus

DUE_3_DEC = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)  # Thu 3 Dec 2026, 18:30 CET
RETURNED_7_DEC = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Mon 7 Dec 2026, 09:00 CET
RECORDED_8_DEC = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # entered the next day, backdated


ReturnLine = tuple[int, date | None, str]


@pytest.fixture
def give_back(
    make_item: Callable[..., Item], make_patron: Callable[..., Patron]
) -> Callable[..., ReturnLine]:
    """Return ``loan`` at ``library`` (recorded on 8 Dec); (days late, suspension, next step)."""

    def give(
        policy: InstitutionPolicy,
        loan: Loan,
        returned_at: datetime = RETURNED_7_DEC,
        library: str = "ENSEIRB",
        **patron_fields: object,
    ) -> ReturnLine:
        item = make_item(policy.institution, loan.library, loan.location)
        outcome = check_in_loan(
            loan,
            item=item,
            patron=make_patron(policy.institution, **patron_fields),
            policy=policy,
            returned_at=returned_at,
            now=RECORDED_8_DEC,
            library=library,
            desk=f"{library}-PRET",
        )
        return outcome.days_late, outcome.suspended_until, outcome.next_step.describe()

    return give


def test_backdated_late_return_suspends_in_inp(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan], give_back: Callable[..., ReturnLine]
) -> None:
    loan = make_loan(DUE_3_DEC)
    # 4 days late (3 -> 7 Dec): suspended 7, 8, 9 and 10 Dec
    assert give_back(inp, loan) == (
        4,
        date(2026, 12, 10),
        "reshelve at ENSEIRB/ENSEIRB-LA",
    )
    assert (loan.status, loan.returned_at) == (LoanStatus.RETURNED, RETURNED_7_DEC)
    event = loan.pending_events[-1]
    assert isinstance(event, LoanReturned)
    assert (event.days_late, event.suspended_until, event.occurred_at) == (
        4,
        date(2026, 12, 10),
        RECORDED_8_DEC,
    )


def test_late_return_does_not_suspend_in_ub(
    ub: InstitutionPolicy, make_loan: Callable[..., Loan], give_back: Callable[..., ReturnLine]
) -> None:
    loan = make_loan(DUE_3_DEC, institution="ub", library="BUST", location="BUST-LA")
    days_late, suspended_until, _ = give_back(ub, loan, library="BUST")
    assert (days_late, suspended_until) == (4, None)


def test_longer_running_suspension_is_not_shortened(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan], give_back: Callable[..., ReturnLine]
) -> None:
    loan = make_loan(DUE_3_DEC)
    assert give_back(inp, loan, suspended_until=date(2027, 1, 15))[1] == date(2027, 1, 15)


def test_shorter_running_suspension_is_extended(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan], give_back: Callable[..., ReturnLine]
) -> None:
    loan = make_loan(DUE_3_DEC)
    assert give_back(inp, loan, suspended_until=date(2026, 12, 8))[1] == date(2026, 12, 10)


def test_return_on_the_due_day_after_closing_is_zero_days_late(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan], give_back: Callable[..., ReturnLine]
) -> None:
    evening = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)  # 22:00 CET, book drop
    result = give_back(inp, make_loan(DUE_3_DEC), returned_at=evening)
    assert result[:2] == (0, None)


def test_return_at_another_library_goes_in_transit(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan], give_back: Callable[..., ReturnLine]
) -> None:
    result = give_back(inp, make_loan(DUE_3_DEC), library="ENSCBP")
    assert result[2] == "transit to ENSEIRB"


def test_return_in_the_future_is_refused(
    inp: InstitutionPolicy, make_loan: Callable[..., Loan], give_back: Callable[..., ReturnLine]
) -> None:
    loan = make_loan(DUE_3_DEC)
    tomorrow = datetime(2026, 12, 9, 8, 0, tzinfo=UTC)
    with pytest.raises(ReturnInFutureError, match="returned_at='2026-12-09T08:00:00"):
        give_back(inp, loan, returned_at=tomorrow)
    assert (loan.status, len(loan.pending_events)) == (LoanStatus.ACTIVE, 1)

"""The Loan aggregate: guarded actions, version, outbox of pending events, round trip."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from circulation.domain import Loan, LoanStatus
from circulation.domain.errors import DueDateInPastError, LoanStatusError
from circulation.domain.events import (
    LoanClaimedReturned,
    LoanCreated,
    LoanDeleted,
    LoanDueDateChanged,
    LoanItemFound,
    LoanLost,
    LoanRecalled,
)
from rebub_shared.clock import NaiveDatetimeError

DUE_3_DEC = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


def test_lending_records_loan_created_as_version_1(make_loan: Callable[..., Loan]) -> None:
    loan = make_loan(DUE_3_DEC)
    (event,) = loan.pending_events
    assert isinstance(event, LoanCreated)
    assert (loan.version, event.loan_version, event.event_id) == (1, 1, "loan-INP0100:1")
    assert (event.institution, event.due_at, event.rule_names) == (
        "inp",
        DUE_3_DEC,
        ("inp-empruntable-2-mois",),
    )


def test_change_due_date_to_the_past_is_refused(make_loan: Callable[..., Loan]) -> None:
    loan = make_loan(DUE_3_DEC)
    with pytest.raises(DueDateInPastError, match="due_at='2026-11-09"):
        loan.change_due_date(
            due_at=datetime(2026, 11, 9, 17, 30, tzinfo=UTC), now=NOW, operator="mdupont"
        )
    assert (loan.due_at, loan.version) == (DUE_3_DEC, 1)


def test_change_due_date_records_the_operator(make_loan: Callable[..., Loan]) -> None:
    loan = make_loan(DUE_3_DEC)
    new_due = datetime(2026, 12, 17, 17, 30, tzinfo=UTC)
    loan.change_due_date(due_at=new_due, now=NOW, operator="mdupont")
    event = loan.pending_events[-1]
    assert isinstance(event, LoanDueDateChanged)
    assert (loan.due_at, loan.original_due_at) == (new_due, DUE_3_DEC)
    assert (event.previous_due_at, event.operator, event.loan_version) == (DUE_3_DEC, "mdupont", 2)


def test_recall_may_only_bring_the_due_date_forward(make_loan: Callable[..., Loan]) -> None:
    loan = make_loan(DUE_3_DEC)
    loan.recall(now=NOW, request_id="req-1", due_at=datetime(2026, 11, 24, 17, 30, tzinfo=UTC))
    assert loan.status is LoanStatus.RECALLED
    assert loan.due_at == datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
    assert isinstance(loan.pending_events[-1], LoanRecalled)


def test_lost_then_found_then_deleted(make_loan: Callable[..., Loan]) -> None:
    loan = make_loan(DUE_3_DEC)
    loan.declare_lost(now=NOW)
    loan.item_found(now=NOW)
    loan.claim_returned(now=NOW)
    loan.delete(now=NOW)
    assert loan.status is LoanStatus.DELETED
    assert [type(e) for e in loan.pending_events[1:]] == [
        LoanLost,
        LoanItemFound,
        LoanClaimedReturned,
        LoanDeleted,
    ]
    assert [e.loan_version for e in loan.pending_events] == [1, 2, 3, 4, 5]


def test_closed_loan_refuses_actions_and_names_the_status(make_loan: Callable[..., Loan]) -> None:
    loan = make_loan(DUE_3_DEC)
    loan.delete(now=NOW)
    with pytest.raises(LoanStatusError, match="cannot recall when status='deleted'"):
        loan.recall(now=NOW, request_id="req-1")


def test_found_needs_a_lost_or_claimed_returned_loan(make_loan: Callable[..., Loan]) -> None:
    with pytest.raises(LoanStatusError, match="cannot item_found when status='active'"):
        make_loan(DUE_3_DEC).item_found(now=NOW)


def test_naive_datetime_is_refused(make_loan: Callable[..., Loan]) -> None:
    loan = make_loan(DUE_3_DEC)
    with pytest.raises(NaiveDatetimeError, match="due_at='2026-12-20T18:00:00'"):
        loan.change_due_date(due_at=datetime(2026, 12, 20, 18, 0), now=NOW, operator="mdupont")


def test_loan_and_outbox_round_trip_through_a_document(make_loan: Callable[..., Loan]) -> None:
    loan = make_loan(DUE_3_DEC)
    loan.recall(now=NOW, request_id="req-1")
    document = loan.model_dump(mode="json")
    assert [e["type"] for e in document["pending_events"]] == ["LoanCreated", "LoanRecalled"]
    assert Loan.model_validate(document) == loan

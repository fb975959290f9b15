"""Loan and Request record their changes the same way (``domain.aggregate``): each change bumps
the version, names its event ``<id>:<version>`` and keeps it pending until a save; the version a
save is guarded by is the one before the pending events."""

from collections.abc import Callable
from datetime import UTC, datetime

from circulation.domain import Loan
from circulation.domain.events import LoanCreated, LoanDueDateChanged
from circulation.domain.request_events import RequestCreated, RequestInTransit
from circulation.domain.requests import Request, RequestKind, RequestTask

OCT_5 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
OCT_6 = datetime(2026, 10, 6, 9, 0, tzinfo=UTC)
DUE_3_DEC = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)


def test_a_request_records_like_a_loan() -> None:
    request = Request.place(
        task=RequestTask.PICK_FROM_SHELF,
        now=OCT_5,
        request_id="req-7",
        institution="inp",
        kind=RequestKind.HOLD,
        patron_id="P-7",
        item_barcode="INP0100",
        title="Chimie organique",
        pickup_library="ENSEIRB",
    )
    assert [type(e) for e in request.pending_events] == [RequestCreated]
    request.pending_events = []  # as a save leaves it
    request.send_in_transit(now=OCT_6)
    (event,) = request.pending_events
    assert isinstance(event, RequestInTransit)
    assert (request.version, request.saved_version) == (2, 1)
    assert (event.event_id, event.request_version, event.occurred_at) == ("req-7:2", 2, OCT_6)
    assert (event.request_id, event.patron_id, event.item_barcode) == ("req-7", "P-7", "INP0100")


def test_a_loan_keeps_every_change_pending_until_it_is_saved(
    make_loan: Callable[..., Loan],
) -> None:
    loan = make_loan(DUE_3_DEC)
    loan.change_due_date(
        due_at=datetime(2026, 12, 10, 17, 30, tzinfo=UTC),
        now=datetime(2026, 11, 10, 10, 0, tzinfo=UTC),
        operator="mdupont",
    )
    assert [type(e) for e in loan.pending_events] == [LoanCreated, LoanDueDateChanged]
    assert [e.event_id for e in loan.pending_events] == ["loan-INP0100:1", "loan-INP0100:2"]
    assert (loan.version, loan.saved_version) == (2, 0)

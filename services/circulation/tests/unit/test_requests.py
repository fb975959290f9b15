"""Requests in the domain: a hold recalls an active loan, queue order, hold shelf expiry,
refusals; hold routing of a returned item; aged to lost after 35 days, not before; a
digitisation delivered with its link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from circulation.domain import InstitutionPolicy, Item, Loan, LoanStatus
from circulation.domain.aged_to_lost import age_to_lost
from circulation.domain.hold_routing import route_item
from circulation.domain.request_events import RequestClosed, RequestDigitisationDelivered
from circulation.domain.request_queue import RequestRefusedError, head_hold, place_request
from circulation.domain.requests import (
    RequestDeliveryError,
    RequestKind,
    RequestStateError,
    RequestStatus,
    RequestTask,
)

OCT_5 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
DUE_NOV_2 = datetime(2026, 11, 2, 17, 30, tzinfo=UTC)


def _hold(item: Item, loan: Loan | None, patron: str = "P-7", queue: list | None = None):  # type: ignore[no-untyped-def, type-arg]
    return place_request(
        request_id=f"req-{patron}",
        institution="inp",
        kind=RequestKind.HOLD,
        patron_id=patron,
        item=item,
        pickup_library="ENSEIRB",
        item_loan=loan,
        queue=queue or [],
        now=OCT_5,
    )


def test_a_hold_on_an_active_loan_recalls_it(
    make_item: Callable[..., Item], make_loan: Callable[..., Loan]
) -> None:
    loan = make_loan(DUE_NOV_2, barcode="INP0001")
    placement = _hold(make_item(), loan)
    assert placement.recalled
    assert loan.status is LoanStatus.RECALLED
    assert loan.pending_events[-1].request_id == "req-P-7"  # type: ignore[union-attr]
    assert placement.request.task is RequestTask.WAITING_FOR_ITEM
    assert placement.request.recalled_loan_id == loan.loan_id


def test_a_second_hold_queues_without_recalling_again(
    make_item: Callable[..., Item], make_loan: Callable[..., Loan]
) -> None:
    loan = make_loan(DUE_NOV_2, barcode="INP0001")
    first = _hold(make_item(), loan).request
    second = _hold(make_item(), loan, patron="P-8", queue=[first])
    assert not second.recalled
    assert head_hold([second.request, first]) is first


def test_the_borrower_cannot_hold_their_own_item_nor_a_patron_twice(
    make_item: Callable[..., Item], make_loan: Callable[..., Loan]
) -> None:
    loan = make_loan(DUE_NOV_2, barcode="INP0001")
    with pytest.raises(RequestRefusedError, match="patron='P-42': the item is on loan"):
        _hold(make_item(), loan, patron="P-42")
    first = _hold(make_item(), None).request
    with pytest.raises(RequestRefusedError, match="already holds"):
        _hold(make_item(), None, queue=[first])


def test_an_available_item_is_picked_from_the_shelf_then_waits_7_days(
    make_item: Callable[..., Item], inp: InstitutionPolicy
) -> None:
    request = _hold(make_item(), None).request
    assert request.task is RequestTask.PICK_FROM_SHELF
    routing = route_item(
        item=make_item(), library="ENSEIRB", queue=[request], policy=inp, now=OCT_5
    )
    assert routing.next_step.kind == "hold_shelf"
    assert str(request.hold_shelf_expiry) == "2026-10-12"  # 7 days after 5 Oct: its last day
    request.cancel(now=OCT_5, reason="no longer needed")
    with pytest.raises(
        RequestStateError, match="cannot cancel when kind='hold', status='cancelled'"
    ):
        request.cancel(now=OCT_5, reason="twice")


def test_an_item_returned_elsewhere_travels_to_the_pickup_library(
    make_item: Callable[..., Item], inp: InstitutionPolicy
) -> None:
    request = _hold(make_item(), None).request
    routing = route_item(item=make_item(), library="ENSCBP", queue=[request], policy=inp, now=OCT_5)
    assert (routing.next_step.kind, routing.next_step.library) == ("transit", "ENSEIRB")
    assert request.task is RequestTask.IN_TRANSIT


def test_aged_to_lost_after_35_days_overdue_not_before(
    make_loan: Callable[..., Loan], inp: InstitutionPolicy
) -> None:
    loan = make_loan(DUE_NOV_2)
    assert age_to_lost([loan], inp, datetime(2026, 12, 7, 10, 0, tzinfo=UTC)) == []  # 35 days
    assert age_to_lost([loan], inp, datetime(2026, 12, 8, 10, 0, tzinfo=UTC)) == [loan]
    assert loan.status is LoanStatus.LOST
    assert loan.pending_events[-1].declared_by == "aged_to_lost_job"  # type: ignore[union-attr]


def test_a_digitisation_delivered_tells_its_link_and_completes(
    make_item: Callable[..., Item],
) -> None:
    """Delivered on 10 March 2027 (10:00 in Paris): a link working until the 10th is taken, one
    that stopped on the 9th is refused; a delivered request cannot be delivered again."""
    placement = place_request(
        request_id="req-dig",
        institution="inp",
        kind=RequestKind.DIGITISATION,
        patron_id="P-7",
        item=make_item(),
        pickup_library="ENSEIRB",
        item_loan=None,
        queue=[],
        now=OCT_5,
    )
    request = placement.request
    assert request.task is RequestTask.DIGITISATION
    mar_10 = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
    url = "https://numerique.bordeaux-inp.fr/copies/req-dig.pdf"
    with pytest.raises(RequestDeliveryError, match="2027-03-09"):
        request.deliver(now=mar_10, document_url=url, available_until=date(2027, 3, 9))
    request.deliver(now=mar_10, document_url=url, available_until=date(2027, 3, 10))
    delivered, closed = request.pending_events[-2:]
    assert isinstance(delivered, RequestDigitisationDelivered)
    assert (delivered.document_url, delivered.available_until) == (url, date(2027, 3, 10))
    assert isinstance(closed, RequestClosed)
    assert closed.reason == "completed"
    assert (request.status, request.task) == (RequestStatus.CLOSED, RequestTask.DONE)
    with pytest.raises(RequestStateError):
        request.deliver(now=mar_10, document_url=url, available_until=None)


def test_only_a_digitisation_is_delivered(
    make_item: Callable[..., Item], make_loan: Callable[..., Loan]
) -> None:
    hold = _hold(make_item(), make_loan(DUE_NOV_2, barcode="INP0001")).request
    with pytest.raises(RequestStateError, match="deliver"):
        hold.deliver(now=OCT_5, document_url="https://x.fr/a.pdf", available_until=None)

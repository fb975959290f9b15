"""Handlers through the bus with the in-memory fakes (wired by ``bootstrap``): no network."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from circulation.adapters.memory import MemoryStore
from circulation.domain.errors import CheckoutBlockedError, DueDateInPastError
from circulation.domain.events import LoanCreated, LoanRenewed, LoanReturned
from circulation.domain.requests import RequestKind
from circulation.service_layer import commands as cmd
from circulation.service_layer.errors import (
    ItemNotOnLoanError,
    UnknownDeskError,
    UnknownPatronError,
)
from circulation.service_layer.loan_commands import RunRetention
from circulation.service_layer.messagebus import MessageBus
from circulation.service_layer.ports import ANONYMOUS
from circulation.service_layer.request_commands import CancelRequest, PlaceRequest
from rebub_shared.clock import MovableClock

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
DESK = {"institution": "inp", "desk": "ENSEIRB-PRET", "operator": "agent-7"}


async def test_checkout_by_card_barcode_writes_the_loan_and_its_event(
    bus_and_store: tuple[MessageBus, MemoryStore, MovableClock],
) -> None:
    bus, store, _ = bus_and_store
    answer = await bus.handle(cmd.CheckOutItem(**DESK, patron="CARD42", item_barcode="INP0001"))
    # Thu 1 Oct + 1 month = Sun 1 Nov (Toussaint) -> Mon 2 Nov at 18:30 CET
    assert answer.loan.due_at == datetime(2026, 11, 2, 17, 30, tzinfo=UTC)
    assert [type(e) for e in store.published] == [LoanCreated]
    again = cmd.CheckOutItem(**DESK, patron="P-42", item_barcode="INP0001")
    with pytest.raises(CheckoutBlockedError) as blocked:
        await bus.handle(again)
    assert [b.kind.value for b in blocked.value.blocks] == ["item_not_loanable"]


async def test_renewal_then_late_return_suspends_and_says_where_the_item_goes(
    bus_and_store: tuple[MessageBus, MemoryStore, MovableClock],
) -> None:
    bus, store, clock = bus_and_store
    loan = (await bus.handle(cmd.CheckOutItem(**DESK, patron="P-42", item_barcode="INP0001"))).loan
    clock.set(datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
    line = await bus.handle(cmd.RenewLoan(**DESK, loan_id=loan.loan_id))
    assert line.due_at == datetime(2026, 11, 9, 17, 30, tzinfo=UTC)  # cap: 2 Nov + 7 days
    clock.set(datetime(2026, 11, 12, 9, 0, tzinfo=UTC))  # Thu 12 Nov: 3 days late
    back = await bus.handle(cmd.ReturnItem(**DESK, item_barcode="INP0001"))
    assert (back.days_late, back.suspended_until) == (3, date(2026, 11, 14))
    assert back.next_step_text == "reshelve at ENSEIRB/ENSEIRB-LA"
    assert store.suspensions[("inp", "P-42")] == date(2026, 11, 14)
    assert [type(e) for e in store.published] == [LoanCreated, LoanRenewed, LoanReturned]
    with pytest.raises(ItemNotOnLoanError):
        await bus.handle(cmd.ReturnItem(**DESK, item_barcode="INP0001"))


async def test_change_due_date_of_selected_loans_refuses_the_past_whole(
    bus_and_store: tuple[MessageBus, MemoryStore, MovableClock],
) -> None:
    bus, store, _ = bus_and_store
    for code in ("INP0001", "INP0002"):
        await bus.handle(cmd.CheckOutItem(**DESK, patron="P-42", item_barcode=code))
    past = cmd.NewDueDate(due_at=datetime(2026, 9, 30, 8, 0, tzinfo=UTC))
    with pytest.raises(DueDateInPastError):
        await bus.handle(cmd.ChangePatronDueDates(**DESK, patron="P-42", due=past))
    assert len(store.published) == 2  # the two LoanCreated only: nothing written


async def test_an_unknown_desk_is_refused_before_anything_is_read(
    bus_and_store: tuple[MessageBus, MemoryStore, MovableClock],
) -> None:
    bus, _, _ = bus_and_store
    command = cmd.ReturnItem(**(DESK | {"desk": "BUST-PRET"}), item_barcode="INP0001")
    with pytest.raises(UnknownDeskError) as refused:
        await bus.handle(command)
    assert (refused.value.field, refused.value.value) == ("desk", "BUST-PRET")


async def test_retention_anonymises_loans_closed_more_than_a_year_ago_not_later_ones(
    bus_and_store: tuple[MessageBus, MemoryStore, MovableClock],
) -> None:
    """Rule (DOMAIN.md section 8, issue 21): loan history is kept 1 year (``history``:
    365), then the loan keeps its item and dates but no patron, session or notes."""
    bus, store, clock = bus_and_store
    for barcode in ("INP0001", "INP0002"):
        await bus.handle(cmd.CheckOutItem(**DESK, patron="P-42", item_barcode=barcode))
    clock.set(datetime(2026, 10, 12, 8, 0, tzinfo=UTC))  # returned Mon 12 Oct 2026
    await bus.handle(cmd.ReturnItem(**DESK, item_barcode="INP0001"))
    clock.set(datetime(2026, 10, 14, 8, 0, tzinfo=UTC))  # returned Wed 14 Oct 2026
    await bus.handle(cmd.ReturnItem(**DESK, item_barcode="INP0002"))

    def patrons() -> dict[str, str]:
        return {s.loan.item_barcode: s.loan.patron_id for s in store.loans.values()}

    clock.set(datetime(2027, 10, 12, 7, 0, tzinfo=UTC))  # 364 days after the first return
    assert (await bus.handle(RunRetention(institution="inp"))).changed == 0
    clock.set(datetime(2027, 10, 13, 9, 0, tzinfo=UTC))  # 366 days after, 364 after the second
    assert (await bus.handle(RunRetention(institution="inp"))).changed == 1
    assert patrons() == {"INP0001": ANONYMOUS, "INP0002": "P-42"}
    clock.set(datetime(2027, 10, 15, 9, 0, tzinfo=UTC))
    assert (await bus.handle(RunRetention(institution="inp"))).changed == 1
    assert patrons() == {"INP0001": ANONYMOUS, "INP0002": ANONYMOUS}


async def test_an_erased_patron_is_forgotten_and_their_loans_anonymised_open_ones_too(
    bus_and_store: tuple[MessageBus, MemoryStore, MovableClock],
) -> None:
    """Erasure (issue 21): the open loan stays open (the item's state is kept) but names nobody;
    staff's notes on the loans are dropped."""
    bus, store, clock = bus_and_store
    for barcode in ("INP0001", "INP0002"):
        await bus.handle(cmd.CheckOutItem(**DESK, patron="P-42", item_barcode=barcode))
    clock.set(datetime(2026, 10, 12, 8, 0, tzinfo=UTC))
    await bus.handle(cmd.ReturnItem(**DESK, item_barcode="INP0001"))
    for stored in store.loans.values():
        stored.notes.append("appelée le 12 octobre")  # a staff note names the person at times
    assert await bus.handle(cmd.ForgetPatron(institution="inp", patron_id="P-42")) == 2
    loans = {
        s.loan.item_barcode: (s.loan.patron_id, s.loan.is_open, s.notes)
        for s in store.loans.values()
    }
    assert loans == {"INP0001": (ANONYMOUS, False, []), "INP0002": (ANONYMOUS, True, [])}
    assert ("inp", "P-42") not in store.snapshots
    with pytest.raises(UnknownPatronError):  # nobody holds the card any more
        await bus.handle(cmd.CheckOutItem(**DESK, patron="CARD42", item_barcode="INP0001"))
    assert await bus.handle(cmd.ForgetPatron(institution="inp", patron_id="P-42")) == 0


async def test_retention_drops_the_requester_of_old_requests_no_longer_active(
    bus_and_store: tuple[MessageBus, MemoryStore, MovableClock],
) -> None:
    """Rule (issue 21): a request no longer active, placed more than ``history`` (365 days)
    ago, keeps its item and dates but no requester; an active one keeps its requester."""
    bus, store, clock = bus_and_store
    place = {"kind": RequestKind.HOLD, "patron": "P-42", "pickup_library": "ENSEIRB"}
    done = await bus.handle(PlaceRequest(**DESK, **place, item_barcode="INP0001"))
    await bus.handle(PlaceRequest(**DESK, **place, item_barcode="INP0002"))  # stays active
    cancel = CancelRequest(**DESK, request_id=done.request.request_id, reason="plus besoin")
    await bus.handle(cancel)

    def requesters() -> dict[str, str | None]:
        return {r.item_barcode: r.patron_id for r in store.requests.values()}

    clock.set(datetime(2027, 10, 1, 7, 0, tzinfo=UTC))  # 364 days after Thu 1 Oct 2026 8:00
    await bus.handle(RunRetention(institution="inp"))
    assert requesters() == {"INP0001": "P-42", "INP0002": "P-42"}
    clock.set(datetime(2027, 10, 2, 9, 0, tzinfo=UTC))  # 366 days after
    await bus.handle(RunRetention(institution="inp"))
    assert requesters() == {"INP0001": None, "INP0002": "P-42"}

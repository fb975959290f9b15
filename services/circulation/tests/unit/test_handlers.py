"""Handlers through the bus with the in-memory fakes (wired by ``bootstrap``): no network."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from circulation.adapters.memory import MemoryStore
from circulation.domain.errors import CheckoutBlockedError, DueDateInPastError
from circulation.domain.events import LoanCreated, LoanRenewed, LoanReturned
from circulation.service_layer import commands as cmd
from circulation.service_layer.errors import ItemNotOnLoanError, UnknownDeskError
from circulation.service_layer.messagebus import MessageBus
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

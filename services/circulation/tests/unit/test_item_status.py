"""Staff status changes of an item: the rule (a staff status, never while a loan is open, the
same status twice writes nothing) and, through the handlers, the change and its event written
together, a catalogue reload keeping both the status and the changes' version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from circulation.adapters.memory import MemoryStore
from circulation.domain import Item, ItemStatus, ItemStatusRefusedError, change_status
from circulation.service_layer import commands as cmd
from circulation.service_layer.messagebus import MessageBus
from rebub_shared.clock import MovableClock

MAR_10 = datetime(2027, 3, 10, 9, 30, tzinfo=UTC)
AT_ENSEIRB = {"institution": "inp", "desk": "ENSEIRB-PRET", "operator": "agent-7"}


def test_a_missing_item_found_again_is_one_event_with_its_reason_and_version(
    make_item: Callable[..., Item],
) -> None:
    item = make_item(status=ItemStatus.MISSING).model_copy(update={"status_version": 2})
    event = change_status(
        item, ItemStatus.AVAILABLE, "retrouvé en salle B", open_loan_id=None, at=MAR_10
    )
    assert event is not None
    assert (event.event_id, event.previous_status, event.status, event.status_version) == (
        "INP0001:status:3",
        ItemStatus.MISSING,
        ItemStatus.AVAILABLE,
        3,
    )
    assert (event.reason, event.occurred_at, event.library) == (
        "retrouvé en salle B",
        MAR_10,
        "ENSEIRB",
    )


@pytest.mark.parametrize("status", [ItemStatus.ON_LOAN, ItemStatus.LOST, ItemStatus.IN_TRANSIT])
def test_a_status_that_follows_loans_or_requests_is_refused(
    make_item: Callable[..., Item], status: ItemStatus
) -> None:
    with pytest.raises(ItemStatusRefusedError) as refused:
        change_status(make_item(), status, "x", open_loan_id=None, at=MAR_10)
    assert refused.value.field == "status"


def test_an_item_on_loan_keeps_its_status_and_the_same_status_twice_is_no_change(
    make_item: Callable[..., Item],
) -> None:
    with pytest.raises(ItemStatusRefusedError) as refused:
        change_status(make_item(), ItemStatus.MISSING, "x", open_loan_id="loan-1", at=MAR_10)
    assert (refused.value.field, "loan-1" in str(refused.value)) == ("barcode", True)
    same = make_item(status=ItemStatus.MISSING)
    assert change_status(same, ItemStatus.MISSING, "x", open_loan_id=None, at=MAR_10) is None


async def test_changes_are_written_with_their_events_and_a_reload_keeps_them(
    bus_and_store: tuple[MessageBus, MemoryStore, MovableClock],
) -> None:
    bus, store, clock = bus_and_store
    clock.set(MAR_10)
    change = cmd.ChangeItemStatus(
        **AT_ENSEIRB, barcode="INP0001", status=ItemStatus.MISSING, reason="absent du rayon"
    )
    assert (await bus.handle(change)).status is ItemStatus.MISSING
    await bus.handle(change)  # a repeated click: nothing more
    records = (
        cmd.ItemRecord(
            barcode="INP0001", title="Analyse", library="ENSEIRB", location="ENSEIRB-LA"
        ),
    )
    await bus.handle(cmd.LoadItems(institution="inp", items=records))
    clock.set(datetime(2027, 3, 12, 14, 0, tzinfo=UTC))
    found = change.model_copy(update={"status": ItemStatus.AVAILABLE, "reason": "retrouvé"})
    assert (await bus.handle(found)).status is ItemStatus.AVAILABLE
    assert [
        (e.previous_status, e.status, e.status_version, e.occurred_at.day)
        for e in store.published_items
    ] == [
        (ItemStatus.AVAILABLE, ItemStatus.MISSING, 1, 10),
        (ItemStatus.MISSING, ItemStatus.AVAILABLE, 2, 12),
    ]
    await bus.handle(cmd.CheckOutItem(**AT_ENSEIRB, patron="P-42", item_barcode="INP0001"))
    with pytest.raises(ItemStatusRefusedError):
        await bus.handle(change)
    assert len(store.published_items) == 2

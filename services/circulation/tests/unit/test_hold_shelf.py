"""The hold shelf over time (through the handlers, in-memory fakes): a hold placed on the shelf
on 1 March 2027 with inp's 7 days waits until the 8th (its requester reminded on the 7th),
expires on the 9th's pass and the next
requester's hold takes the item (their hold-available event); the last one reshelves it; an
item in transit home is received at its library (a catalogue reload keeps its status)."""

from __future__ import annotations

from datetime import UTC, datetime

from circulation.adapters.memory import MemoryStore
from circulation.domain import ItemStatus
from circulation.domain.request_events import (
    RequestHoldShelfExpired,
    RequestHoldShelfExpiring,
    RequestPlacedOnHoldShelf,
)
from circulation.domain.requests import RequestStatus, RequestTask
from circulation.service_layer import commands as cmd
from circulation.service_layer import request_commands as rc
from circulation.service_layer.messagebus import MessageBus
from rebub_shared.clock import MovableClock

AT_ENSEIRB = {"institution": "inp", "desk": "ENSEIRB-PRET", "operator": "agent-7"}
AT_ENSCBP = {"institution": "inp", "desk": "ENSCBP-PRET", "operator": "agent-9"}


def _at(day: int, hour: int = 8) -> datetime:
    return datetime(2027, 3, day, hour, 0, tzinfo=UTC)  # 9:00 in Paris (CET)


async def _pass(bus: MessageBus, clock: MovableClock, day: int) -> list[str]:
    clock.set(_at(day, 5))  # the job's early pass: 6:00 in Paris
    return (await bus.handle(rc.RunHoldShelf(institution="inp"))).ids


async def test_a_hold_expires_on_the_9th_pass_and_the_next_requester_gets_the_item(
    bus_and_store: tuple[MessageBus, MemoryStore, MovableClock],
) -> None:
    bus, store, clock = bus_and_store
    clock.set(datetime(2027, 2, 25, 9, 0, tzinfo=UTC))
    await bus.handle(cmd.CheckOutItem(**AT_ENSEIRB, patron="P-42", item_barcode="INP0001"))
    first = await bus.handle(
        rc.PlaceRequest(**AT_ENSEIRB, kind="hold", patron="P-7", item_barcode="INP0001")
    )
    clock.set(datetime(2027, 2, 26, 9, 0, tzinfo=UTC))
    second = await bus.handle(
        rc.PlaceRequest(**AT_ENSEIRB, kind="hold", patron="P-9", item_barcode="INP0001")
    )
    clock.set(_at(1))
    returned = await bus.handle(cmd.ReturnItem(**AT_ENSEIRB, item_barcode="INP0001"))
    assert returned.request_id == first.request.request_id
    shelf = await bus.handle(rc.ListLibraryRequests(**AT_ENSEIRB, library="ENSEIRB",
                                                    which="hold-shelf"))  # fmt: skip
    assert [(r.patron_id, str(r.hold_shelf_expiry)) for r in shelf.requests] == [
        ("P-7", "2027-03-08")
    ]

    assert await _pass(bus, clock, 6) == []
    assert await _pass(bus, clock, 7) == []  # the eve of its last day: P-7 is reminded, once
    assert await _pass(bus, clock, 8) == []  # the 8th is its last day on the shelf
    reminded = [e for e in store.published_requests if isinstance(e, RequestHoldShelfExpiring)]
    assert [(e.patron_id, e.occurred_at) for e in reminded] == [("P-7", _at(7, 5))]
    assert await _pass(bus, clock, 9) == [first.request.request_id]

    expired = store.requests[("inp", first.request.request_id)]
    assert (expired.status, expired.task) == (RequestStatus.EXPIRED, RequestTask.DONE)
    served = store.requests[("inp", second.request.request_id)]
    assert (served.task, str(served.hold_shelf_expiry)) == (RequestTask.ON_HOLD_SHELF, "2027-03-16")
    told = [e for e in store.published_requests if isinstance(e, RequestPlacedOnHoldShelf)]
    assert [e.patron_id for e in told] == ["P-7", "P-9"]  # the next requester is notified
    assert [e.request_id for e in store.published_requests
            if isinstance(e, RequestHoldShelfExpired)] == [first.request.request_id]  # fmt: skip
    assert store.items[("inp", "INP0001")].status is ItemStatus.ON_HOLD_SHELF
    listed = await bus.handle(rc.ListLibraryRequests(**AT_ENSEIRB, library="ENSEIRB",
                                                     which="expired-holds"))  # fmt: skip
    assert [r.patron_id for r in listed.requests] == ["P-7"]

    assert await _pass(bus, clock, 17) == [second.request.request_id]  # nobody else waits
    assert store.items[("inp", "INP0001")].status is ItemStatus.AVAILABLE  # reshelved


async def test_an_item_returned_elsewhere_travels_home_and_is_received_there(
    bus_and_store: tuple[MessageBus, MemoryStore, MovableClock],
) -> None:
    bus, store, clock = bus_and_store
    clock.set(_at(1))
    await bus.handle(cmd.CheckOutItem(**AT_ENSEIRB, patron="P-42", item_barcode="INP0002"))
    away = await bus.handle(cmd.ReturnItem(**AT_ENSCBP, item_barcode="INP0002"))
    assert (away.next_step.kind, away.next_step.library) == ("transit", "ENSEIRB")
    assert store.items[("inp", "INP0002")].status is ItemStatus.IN_TRANSIT
    # The night's catalogue load names no status: it leaves the item in transit.
    record = cmd.ItemRecord(barcode="INP0002", title="Analyse", library="ENSEIRB",
                            location="ENSEIRB-LA")  # fmt: skip
    await bus.handle(cmd.LoadItems(institution="inp", items=(record,)))
    assert store.items[("inp", "INP0002")].status is ItemStatus.IN_TRANSIT
    clock.set(_at(2))
    home = await bus.handle(cmd.ReturnItem(**AT_ENSEIRB, item_barcode="INP0002"))
    assert (home.loan, home.next_step.kind) == (None, "reshelve")
    assert store.items[("inp", "INP0002")].status is ItemStatus.AVAILABLE

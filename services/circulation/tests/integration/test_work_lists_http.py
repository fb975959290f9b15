"""A library's pick and transit lists over HTTP on the real store: a hold on an item on the
shelves is to be picked at the item's library (not at the pickup library); once scanned it is in
transit to the pickup library (its list names the hold); an item returned elsewhere with no
hold is in transit home and is on its library's list until received there."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .conftest import Desk, StartApp

MON_1_MARCH = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
FRI_5_MARCH = datetime(2027, 3, 5, 10, 0, tzinfo=UTC)
MON_8_MARCH = datetime(2027, 3, 8, 10, 0, tzinfo=UTC)
AT_ENSCBP = {"X-Desk": "ENSCBP-PRET"}
AT_ENSEIRB = {"X-Desk": "ENSEIRB-PRET"}


async def work_list(desk: Desk, library: str, which: str) -> dict[str, Any]:
    answer = await desk.client.get(f"/libraries/{library}/requests/{which}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def received(listed: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(i["barcode"], i["request_id"]) for i in listed["items"]]


async def test_pick_from_shelf_and_in_transit_lists_follow_the_items(start_app: StartApp) -> None:
    async with start_app(at=MON_1_MARCH) as desk:
        await desk.add_patron("P-42")
        await desk.add_patron("P-7")
        await desk.add_items(
            ("INP0010", "ENSEIRB", "ENSEIRB-LA", None), ("INP0011", "ENSEIRB", "ENSEIRB-LA", None)
        )
        await desk.lend("P-42", "INP0010")
        body = {"kind": "hold", "patron": "P-7", "item_barcode": "INP0011"}
        placed = await desk.client.post("/requests", json=body, headers=AT_ENSCBP)
        hold = placed.json()["request"]
        assert (hold["pickup_library"], hold["task"]) == ("ENSCBP", "pick_from_shelf")
        # Picked where the item is shelved, whatever the pickup library.
        picks = await work_list(desk, "ENSEIRB", "pick-from-shelf")
        assert [r["request_id"] for r in picks["requests"]] == [hold["request_id"]]
        assert (await work_list(desk, "ENSCBP", "pick-from-shelf"))["requests"] == []

        await desk.set_clock(FRI_5_MARCH)
        # INP0010 comes back at ENSCBP with no hold: in transit home to ENSEIRB.
        back = await desk.client.post(
            "/returns", json={"item_barcode": "INP0010"}, headers=AT_ENSCBP
        )
        assert back.json()["next_step"]["kind"] == "transit", back.text
        # INP0011 is picked and scanned at ENSEIRB: in transit to the hold at ENSCBP.
        picked = await desk.client.post(
            "/returns", json={"item_barcode": "INP0011"}, headers=AT_ENSEIRB
        )
        assert picked.json()["request_id"] == hold["request_id"], picked.text
        assert (await work_list(desk, "ENSEIRB", "pick-from-shelf"))["requests"] == []
        to_enscbp = await work_list(desk, "ENSCBP", "in-transit")
        assert [r["request_id"] for r in to_enscbp["requests"]] == [hold["request_id"]]
        assert received(to_enscbp) == [("INP0011", hold["request_id"])]
        to_enseirb = await work_list(desk, "ENSEIRB", "in-transit")
        assert (to_enseirb["requests"], received(to_enseirb)) == ([], [("INP0010", None)])

        await desk.set_clock(MON_8_MARCH)
        home = await desk.client.post(
            "/returns", json={"item_barcode": "INP0010"}, headers=AT_ENSEIRB
        )
        assert home.json()["next_step"]["kind"] == "reshelve", home.text
        assert received(await work_list(desk, "ENSEIRB", "in-transit")) == []
        item = (await desk.client.get("/items/INP0010")).json()
        assert item["status"] == "available"
        arrived = await desk.client.post(
            "/returns", json={"item_barcode": "INP0011"}, headers=AT_ENSCBP
        )
        assert arrived.json()["next_step"]["kind"] == "hold_shelf", arrived.text
        assert received(await work_list(desk, "ENSCBP", "in-transit")) == []
        shelf = await work_list(desk, "ENSCBP", "hold-shelf")
        assert [(r["request_id"], r["hold_shelf_expiry"]) for r in shelf["requests"]] == [
            (hold["request_id"], "2027-03-15")
        ]

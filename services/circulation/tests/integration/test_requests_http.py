"""Requests against the real broker and store: a hold recalls the loan, the return sends the item
to the hold shelf and tells the requester (the notifier's event); a blocked requester cannot
borrow it, nor can anyone else; unblocked, the requester borrows it and the request closes. A
digitisation delivered with its link: the delivered event (the notifier's notice) and the
request closed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from .conftest import StartApp, header, read_topic

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
THU_8_OCT = datetime(2026, 10, 8, 9, 0, tzinfo=UTC)


async def test_hold_recalls_the_loan_and_the_return_fills_the_hold_shelf(
    start_app: StartApp,
) -> None:
    async with start_app(at=THU_1_OCT) as desk:
        await desk.add_patron("P-42")
        dette = {"block_id": "b-1", "block_type": "DETTE", "reason": "amende", "ends_on": "2027-03-15",
                 "starts_on": "2026-09-01", "created_by": "inp-patrons"}  # fmt: skip
        notes = [{"note_id": "n-1", "text": "caution versée", "at_desk": True},
                 {"note_id": "n-2", "text": "thèse en cours"}]  # fmt: skip
        await desk.add_patron("P-7", local_blocks=[dette], notes=notes)  # may still request
        await desk.add_patron("P-9")
        await desk.add_items(("INP0001", "ENSEIRB", "ENSEIRB-LA", None))
        loan = await desk.lend("P-42", "INP0001")

        placed = await desk.client.post(
            "/requests", json={"kind": "hold", "patron": "P-7", "item_barcode": "INP0001"}
        )
        assert placed.status_code == 201, placed.text
        request = placed.json()["request"]
        assert (request["task"], request["position"]) == ("waiting_for_item", 1)
        assert placed.json()["recalled_loan"]["status"] == "recalled"
        refused = await desk.client.post(f"/loans/{loan['loan_id']}/renewal")
        assert refused.status_code == 409
        assert refused.json()["title"] == "RecalledLoanNotRenewable"
        queue = (await desk.client.get(f"/loans/{loan['loan_id']}/requests")).json()
        assert [r["patron_id"] for r in queue["requests"]] == ["P-7"]

        await desk.set_clock(THU_8_OCT)
        returned = await desk.client.post("/returns", json={"item_barcode": "INP0001"})
        line = returned.json()
        assert line["next_step"] == {"kind": "hold_shelf", "library": "ENSEIRB", "location": None}
        assert line["request_id"] == request["request_id"]

        blocked = await desk.client.post(
            "/loans", json={"patron": "P-7", "item_barcode": "INP0001"}
        )
        assert blocked.status_code == 409
        assert [b["kind"] for b in blocked.json()["blocks"]] == ["local_block"]
        identified = (await desk.client.get("/patrons/P-7/blocks")).json()
        assert [n["text"] for n in identified["desk_notes"]] == ["caution versée"]
        account = (await desk.client.get("/patrons/P-7/account")).json()
        assert [n["note_id"] for n in account["notes"]] == ["n-1", "n-2"]
        shown = identified["blocks"]
        assert [
            (b["until"], b["staff_block"]["note"], b["staff_block"]["set_by"]) for b in shown
        ] == [("2027-03-15", "amende", "inp-patrons")]
        other = await desk.client.post("/loans", json={"patron": "P-9", "item_barcode": "INP0001"})
        assert other.status_code == 409
        assert "on_hold_shelf" in other.json()["detail"]

        await desk.add_patron("P-7", version=2)  # the block is lifted
        await desk.lend("P-7", "INP0001")
        tab = await desk.client.get("/patrons/P-7/requests", params={"type": "hold"})
        assert [(r["status"], r["task"]) for r in tab.json()["requests"]] == [("closed", "done")]
        waiting = await desk.client.get("/patrons/P-7/requests", params={"task": "on_hold_shelf"})
        assert waiting.json()["requests"] == []  # the task filter

    bootstrap = desk.namespace.backends.kafka_bootstrap
    topic = desk.namespace.topics.request("inp")
    records = await read_topic(bootstrap, topic, expected=4)
    assert [header(r, "ce_type").split(".")[-2] for r in records] == [
        "created",
        "recalled",
        "placed-on-hold-shelf",
        "closed",
    ]
    assert {r.key for r in records} == {b"P-7"}
    letter = json.loads(records[2].value)
    assert {k: letter[k] for k in letter if k != "request"} == {
        "patron_id": "P-7",
        "item_barcode": "INP0001",
        "title": "Titre INP0001",
        "pickup_library": "ENSEIRB",
        "hold_shelf_expiry": "2026-10-15",  # 7 Paris days after 8 Oct: the last day
    }
    loan_records = await read_topic(bootstrap, desk.namespace.topics.loan("inp"), expected=4)
    recalled = [
        json.loads(r.value) for r in loan_records if header(r, "ce_type").endswith("recalled.v1")
    ]
    assert [r["request_id"] for r in recalled] == [request["request_id"]]


async def test_a_digitisation_delivered_over_http_publishes_its_link(start_app: StartApp) -> None:
    async with start_app(at=datetime(2027, 3, 10, 9, 0, tzinfo=UTC)) as desk:
        await desk.add_patron("P-7")
        await desk.add_items(("INP0003", "ENSEIRB", "ENSEIRB-LA", None))
        placed = await desk.client.post(
            "/requests", json={"kind": "digitisation", "patron": "P-7", "item_barcode": "INP0003"}
        )
        assert placed.status_code == 201, placed.text
        request_id = placed.json()["request"]["request_id"]
        deliver = f"/requests/{request_id}/deliver"
        url = "https://numerique.bordeaux-inp.fr/copies/INP0003.pdf"
        plain = await desk.client.post(deliver, json={"document_url": "http://x.fr/a.pdf"})
        assert (plain.status_code, plain.json()["errors"][0]["field"]) == (422, "document_url")
        late = {"document_url": url, "available_until": "2027-03-09"}
        stale = await desk.client.post(deliver, json=late)
        assert (stale.status_code, stale.json()["errors"][0]["field"]) == (422, "available_until")
        done = await desk.client.post(deliver, json=late | {"available_until": "2027-03-24"})
        assert (done.json()["status"], done.json()["task"]) == ("closed", "done"), done.text
        again = await desk.client.post(deliver, json={"document_url": url})
        assert again.status_code == 409

    bootstrap = desk.namespace.backends.kafka_bootstrap
    records = await read_topic(bootstrap, desk.namespace.topics.request("inp"), expected=3)
    assert [header(r, "ce_type").split(".")[-2] for r in records] == [
        "created",
        "digitisation-delivered",
        "closed",
    ]
    delivered = json.loads(records[1].value)
    assert (delivered["document_url"], delivered["available_until"]) == (url, "2027-03-24")

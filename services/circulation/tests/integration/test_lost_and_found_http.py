"""Aged to lost (36 days overdue, not 35), the litigation block, item found; delete loan makes
the item missing. The development clock moves, then the job runs from its endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from .conftest import StartApp, header, read_topic

UB_DESK = {"X-Desk": "BUST-PRET"}
THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
MON_7_DEC = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # due Mon 2 Nov: 35 days overdue
TUE_8_DEC = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # 36 days overdue


async def test_the_job_declares_lost_after_35_days_and_item_found_ends_it(
    start_app: StartApp,
) -> None:
    async with start_app("ub", at=THU_1_OCT, headers=UB_DESK) as desk:
        await desk.add_patron("U-42")
        await desk.add_items(("UB000001", "BUST", "BUST-LA", None))
        loan = await desk.lend("U-42", "UB000001")  # due Mon 2 Nov 2026, 19:00 CET
        await desk.set_clock(MON_7_DEC)
        assert (await desk.client.post("/_dev/jobs/aged-to-lost")).json()["changed"] == 0

        await desk.set_clock(TUE_8_DEC)
        ran = (await desk.client.post("/_dev/jobs/aged-to-lost")).json()
        assert ran["ids"] == [loan["loan_id"]]
        details = (await desk.client.get(f"/loans/{loan['loan_id']}")).json()
        assert details["status"] == "lost"
        assert (await desk.db["items"].find_one({"_id": "UB000001"}) or {})["status"] == "lost"
        blocks = (await desk.client.post("/patrons/U-42/blocks/refresh")).json()["blocks"]
        assert "litigation" in [b["kind"] for b in blocks]

        found = await desk.client.post(f"/loans/{loan['loan_id']}/found")
        assert found.json()["status"] == "active"
        assert (await desk.db["items"].find_one({"_id": "UB000001"}) or {})["status"] == "available"
        await desk.client.post("/returns", json={"item_barcode": "UB000001"})
        blocks = (await desk.client.get("/patrons/U-42/blocks")).json()["blocks"]
        assert blocks == []  # litigation ends with the return

    records = await read_topic(
        desk.namespace.backends.kafka_bootstrap, desk.namespace.topics.loan("ub"), expected=4
    )
    lost = [json.loads(r.value) for r in records if header(r, "ce_type").endswith(".lost.v1")]
    assert [event["declared_by"] for event in lost] == ["aged_to_lost_job"]


async def test_a_claim_ends_with_item_found_and_delete_loan_makes_the_item_missing(
    start_app: StartApp,
) -> None:
    async with start_app("ub", at=THU_1_OCT, headers=UB_DESK) as desk:
        await desk.add_patron("U-42")
        await desk.add_items(("UB000002", "BUST", "BUST-LA", None))
        loan = await desk.lend("U-42", "UB000002")
        claimed = await desk.client.post(f"/loans/{loan['loan_id']}/claimed-returned")
        assert claimed.json()["status"] == "claimed_returned", claimed.text
        found = await desk.client.post(f"/loans/{loan['loan_id']}/found")
        assert found.json()["status"] == "active"  # "item found" ends the claim too
        await desk.client.post(f"/loans/{loan['loan_id']}/lost")
        deleted = await desk.client.delete(f"/loans/{loan['loan_id']}")
        assert deleted.json()["status"] == "deleted"
        assert (await desk.db["items"].find_one({"_id": "UB000002"}) or {})["status"] == "missing"
        history = (await desk.client.get("/items/UB000002/loans")).json()["loans"]
        assert [(h["loan_id"], h["status"]) for h in history] == [(loan["loan_id"], "deleted")]
        again = await desk.client.post(
            "/loans", json={"patron": "U-42", "item_barcode": "UB000002"}
        )
        assert again.status_code == 409
        assert "missing" in again.json()["detail"]

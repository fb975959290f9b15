"""Returns at a desk: backdated, late; suspension where the institution applies it (inp, not ub)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from .conftest import StartApp, header, read_topic

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
RECORDED_SAT_7_NOV = datetime(2026, 11, 7, 9, 0, tzinfo=UTC)  # the next day
RETURNED_FRI_6_NOV = "2026-11-06T10:00:00+01:00"  # backdated: found in the return box


async def test_backdated_late_return_suspends_in_inp(start_app: StartApp) -> None:
    async with start_app(at=THU_1_OCT) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(("INP0001", "ENSEIRB", "ENSEIRB-LA", None))
        loan = await desk.lend("P-42", "INP0001")  # due Mon 2 Nov 2026, 18:30 CET
        await desk.set_clock(RECORDED_SAT_7_NOV)
        answer = await desk.client.post(
            "/returns",
            json={"item_barcode": "INP0001", "returned_at": RETURNED_FRI_6_NOV},
            headers={"X-Desk": "ENSCBP-PRET"},  # returned at another library of inp
        )
        assert answer.status_code == 200, answer.text
        line = answer.json()
        # 4 days late (2 -> 6 Nov): suspended 6, 7, 8 and 9 Nov
        assert (line["days_late"], line["suspended_until"]) == (4, "2026-11-09")
        assert line["next_step"] == {"kind": "transit", "library": "ENSEIRB", "location": None}
        patron = await desk.db["patrons"].find_one({"_id": "P-42"})
        assert patron is not None
        assert patron["suspended_until"] == "2026-11-09"
        doc = await desk.db["loans"].find_one({"_id": loan["loan_id"]})
        assert doc is not None
        assert (doc["status"], doc["returned_at"], doc["return_desk"], doc["is_open"]) == (
            "returned",
            datetime(2026, 11, 6, 9, 0, tzinfo=UTC),
            "ENSCBP-PRET",
            False,
        )
        blocks = (await desk.client.get("/patrons/P-42/blocks")).json()["blocks"]
        assert [block["kind"] for block in blocks] == ["suspension"]
        # The loan-state topic (compacted, key = loan id): the open loan, then its tombstone.
        topic = desk.namespace.topics.loan_state("inp")
        bootstrap = desk.namespace.backends.kafka_bootstrap
        records = await read_topic(bootstrap, topic, expected=2)
        assert [r.key for r in records] == [loan["loan_id"].encode()] * 2
        assert json.loads(records[0].value)["loan"]["status"] == "active"
        assert header(records[0], "ce_type") == "fr.bordeaux.rebub.loan.state.v1"
        assert records[1].value is None
        assert header(records[1], "ce_tenant") == "inp"


async def test_late_return_does_not_suspend_in_ub(start_app: StartApp) -> None:
    ub_desk = {"X-Desk": "BUST-PRET"}
    async with start_app("ub", at=THU_1_OCT, headers=ub_desk) as desk:
        await desk.add_patron("U-42")
        await desk.add_items(("UB000001", "BUST", "BUST-LA", None))
        await desk.lend("U-42", "UB000001")  # due Mon 2 Nov 2026 at 19:00 CET
        await desk.set_clock(RECORDED_SAT_7_NOV)
        answer = await desk.client.post(
            "/returns", json={"item_barcode": "UB000001", "returned_at": RETURNED_FRI_6_NOV}
        )
        line = answer.json()
        assert (line["days_late"], line["suspended_until"]) == (4, None)
        assert line["next_step_text"] == "reshelve at BUST/BUST-LA"
        patron = await desk.db["patrons"].find_one({"_id": "U-42"})
        assert patron is not None
        assert "suspended_until" not in patron

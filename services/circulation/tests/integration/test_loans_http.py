"""Renewals (with inp's renewal guards and a manager's override) and due date changes through
the desk API and the real store (Bordeaux INP)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from circulation.domain import LoanStatus
from rebub.identity import DevTokens
from rebub.testing.tokens import bearer

from .conftest import StartApp, eventually, header, read_topic

ITEMS = (
    ("INP0001", "ENSEIRB", "ENSEIRB-LA", None),
    ("INP0002", "ENSEIRB", "ENSEIRB-LA", None),
)
THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)  # 10:00 CEST


async def test_renewal_takes_the_earlier_of_period_and_cap_and_a_suspension_refuses_it(
    start_app: StartApp, dev_tokens: DevTokens
) -> None:
    async with start_app(at=THU_1_OCT) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(*ITEMS)
        # 1 month: Sun 1 Nov (Toussaint, closed) -> Mon 2 Nov, 18:30 CET = 17:30 UTC
        loan = await desk.lend("P-42", "INP0001")
        assert loan["due_at"] == "2026-11-02T17:30:00Z"
        # Renewed Wed 14 Oct: 14 Oct + 1 month = 14 Nov; cap 2 Nov + 7 days = Mon 9 Nov: earlier
        await desk.set_clock(datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
        answer = await desk.client.post(f"/loans/{loan['loan_id']}/renewal")
        assert answer.status_code == 200, answer.text
        line = answer.json()
        assert (line["renewed"], line["due_at"]) == (True, "2026-11-09T17:30:00Z")
        stored = await desk.db["loans"].find_one({"_id": loan["loan_id"]})
        assert stored is not None
        assert (stored["due_at"], stored["renewal_count"], stored["version"]) == (
            datetime(2026, 11, 9, 17, 30, tzinfo=UTC),
            1,
            2,
        )

        # Suspended until Fri 30 Oct (a late return elsewhere): inp's guards refuse renewals.
        uow = desk.bus.uow_factory()
        await uow.patrons.extend_suspension("inp", "P-42", date(2026, 10, 30))
        await desk.set_clock(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
        refused = await desk.client.post(f"/loans/{loan['loan_id']}/renewal")
        assert refused.status_code == 409, refused.text
        assert refused.json()["title"] == "Renewal blocked"
        assert "suspended_until=2026-10-30" in refused.json()["detail"]
        assert [b["kind"] for b in refused.json()["blocks"]] == ["suspension"]
        override = {"override": {"reason": "mémoire à rendre"}}
        desk_agent = bearer(dev_tokens.user("inp-desk"))
        forbidden = await desk.client.post(
            f"/loans/{loan['loan_id']}/renewal", json=override, headers=desk_agent
        )
        assert forbidden.status_code == 403
        assert forbidden.json()["permission"] == "blocks:override"
        passed = await desk.client.post(f"/loans/{loan['loan_id']}/renewal", json=override)
        assert passed.status_code == 200, passed.text
        assert passed.json()["overridden_blocks"] == ["suspension"]
        records = (await desk.client.get("/audit", params={"action": "renewal-override"})).json()
        (record,) = records["records"]
        assert (record["operator"], record["targets"]) == (
            "inp-manager",
            {"loan_id": loan["loan_id"]},
        )

        async def relayed() -> bool:
            doc = await desk.db["loans"].find_one({"_id": loan["loan_id"]})
            return doc is not None and not doc["outbox"] and not doc["outbox_pending"]

        assert await eventually(relayed)
        topic = desk.namespace.topics.loan("inp")
        sent = await read_topic(desk.namespace.backends.kafka_bootstrap, topic, expected=3)
        renewed = [json.loads(r.value) for r in sent if header(r, "ce_type").endswith("renewed.v1")]
        assert renewed[0]["override"] is None
        assert renewed[-1]["override"] | {"overridden_at": "-"} == {
            "operator": "inp-manager",
            "reason": "mémoire à rendre",
            "overridden_at": "-",
            "blocks": "suspension",
        }


async def test_renewing_all_loans_answers_each_line_and_refuses_the_recalled(
    start_app: StartApp,
) -> None:
    async with start_app(at=THU_1_OCT) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(*ITEMS)
        first = await desk.lend("P-42", "INP0001")
        recalled = await desk.lend("P-42", "INP0002")
        uow = desk.bus.uow_factory()
        stored = await uow.loans.get("inp", recalled["loan_id"])
        assert stored is not None
        stored.loan.recall(now=THU_1_OCT, request_id="req-1")  # recalled in the store
        await uow.loans.save("inp", stored)
        await desk.set_clock(datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
        answer = await desk.client.post(
            "/patrons/CARDP-42/renewals", json={"all": True, "origin": "patron"}
        )
        lines = {line["loan_id"]: line for line in answer.json()["lines"]}
        assert lines[first["loan_id"]]["due_at"] == "2026-11-09T17:30:00Z"
        assert lines[recalled["loan_id"]]["renewed"] is False
        assert lines[recalled["loan_id"]]["refusal"] == "RecalledLoanNotRenewable"
        doc = await desk.db["loans"].find_one({"_id": first["loan_id"]})
        assert doc is not None
        assert doc["last_renewal_origin"] == "patron"
        single = await desk.client.post(f"/loans/{recalled['loan_id']}/renewal")
        assert single.status_code == 409
        assert "recalled" in single.json()["detail"]
        # The selected loans only: renewed again on 20 Oct, capped at 9 Nov (2 Nov + 7 days).
        await desk.set_clock(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
        selected = await desk.client.post(
            "/patrons/P-42/renewals", json={"loan_ids": [first["loan_id"], "nope"]}
        )
        assert [(line["renewed"], line.get("refusal")) for line in selected.json()["lines"]] == [
            (True, None),
            (False, "LoanNotFound"),
        ]


async def test_a_due_date_in_the_past_is_refused_and_nothing_is_written(
    start_app: StartApp,
) -> None:
    async with start_app(at=THU_1_OCT) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(*ITEMS)
        loan = await desk.lend("P-42", "INP0001")

        async def relayed() -> dict[str, Any] | None:
            doc = await desk.db["loans"].find_one({"_id": loan["loan_id"]})
            return doc if doc and not doc["outbox"] and not doc["outbox_pending"] else None

        before = await eventually(relayed)  # the relay removes what it published a moment later
        answer = await desk.client.put(
            f"/loans/{loan['loan_id']}/due-date", json={"due_at": "2026-09-30T10:00:00+02:00"}
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "due_at"
        assert await desk.db["loans"].find_one({"_id": loan["loan_id"]}) == before


async def test_due_dates_of_all_loans_move_to_a_day_at_closing_time(start_app: StartApp) -> None:
    async with start_app(at=THU_1_OCT) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(*ITEMS)
        loans = [await desk.lend("P-42", code) for code, *_ in ITEMS]
        # Sat 21 Nov 2026 is closed at ENSEIRB: due Mon 23 Nov at 18:30 CET
        answer = await desk.client.post(
            "/patrons/P-42/due-date", json={"all": True, "due_date": "2026-11-21"}
        )
        assert answer.status_code == 200, answer.text
        assert [line["due_at"] for line in answer.json()["lines"]] == ["2026-11-23T17:30:00Z"] * 2
        async for doc in desk.db["loans"].find({}):
            assert doc["due_at"] == datetime(2026, 11, 23, 17, 30, tzinfo=UTC)
            assert doc["status"] == LoanStatus.ACTIVE
        assert len(loans) == 2
        # A selection: only the first moves, to Sat 28 Nov -> Mon 30 Nov, 18:30 CET.
        answer = await desk.client.post(
            "/patrons/P-42/due-date",
            json={"loan_ids": [loans[0]["loan_id"]], "due_date": "2026-11-28"},
        )
        assert [line["due_at"] for line in answer.json()["lines"]] == ["2026-11-30T17:30:00Z"]
        other = await desk.db["loans"].find_one({"_id": loans[1]["loan_id"]})
        assert other is not None
        assert other["due_at"] == datetime(2026, 11, 23, 17, 30, tzinfo=UTC)

"""Network activity: a patron with loans in ub and bsa sees the other institution's loan in each;
each database holds its own loans and only the other's minimal summaries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rebub.testing.isolation import assert_only_tenant_databases, tenant_databases

from .conftest import Desk, StartApp, eventually

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
UB_DESK = {"X-Desk": "BUST-PRET"}
BSA_DESK = {"X-Desk": "BSA-PRET"}


async def _network(desk: Desk) -> list[dict[str, Any]]:
    answer = await desk.client.get("/patrons/NZ-1/network-activity")
    assert answer.status_code == 200, answer.text
    loans: list[dict[str, Any]] = answer.json()["loans"]
    return loans


async def test_each_institution_sees_the_others_loans_and_keeps_only_summaries(
    start_app: StartApp,
) -> None:
    on = {"consume_network_activity": True}
    async with (
        start_app("ub", at=THU_1_OCT, headers=UB_DESK, **on) as ub,
        start_app("bsa", at=THU_1_OCT, headers=BSA_DESK, **on) as bsa,
    ):
        for desk in (ub, bsa):
            await desk.add_patron("NZ-1")
        await ub.add_items(("UB000001", "BUST", "BUST-LA", None))
        await bsa.add_items(("BSA00001", "BSA", "BSA-LA", None))
        ub_loan = await ub.lend("NZ-1", "UB000001")
        bsa_loan = await bsa.lend("NZ-1", "BSA00001")

        seen_in_ub = await eventually(lambda: _network(ub))
        seen_in_bsa = await eventually(lambda: _network(bsa))
        assert [(s["institution"], s["loan_id"], s["status"]) for s in seen_in_ub] == [
            ("bsa", bsa_loan["loan_id"], "active")
        ]
        assert [(s["institution"], s["loan_id"]) for s in seen_in_bsa] == [
            ("ub", ub_loan["loan_id"])
        ]
        assert seen_in_ub[0]["title"] == "Titre BSA00001"
        assert set(seen_in_ub[0]) == {
            "primary_id",
            "institution",
            "loan_id",
            "title",
            "due_date",
            "status",
            "version",
        }  # no name, no contact data

        prefix = ub.namespace.database_prefix
        ub_db = ub.db.name
        assert ub_db in tenant_databases("ub", prefix)
        assert_only_tenant_databases([ub_db], "ub", prefix)
        assert await ub.db["loans"].count_documents({"institution": "bsa"}) == 0
        assert await ub.db["loans"].count_documents({"_id": bsa_loan["loan_id"]}) == 0
        summaries = await ub.db["network_activity"].find({}).to_list(length=None)
        assert [(d["institution"], d["loan_id"]) for d in summaries] == [
            ("bsa", bsa_loan["loan_id"])
        ]
        assert not any("name" in key or "contact" in key for d in summaries for key in d)

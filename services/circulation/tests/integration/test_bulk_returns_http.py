"""Bulk returns: 200 scans of 50 patrons' items, 5 of them unknown barcodes: 195 returns done,
5 lines that say which barcode and why; the other lines are unaffected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from circulation.adapters.mongo_uow import MongoUnitOfWork
from circulation.domain import Loan
from circulation.service_layer.ports import StoredLoan

from .conftest import Desk, StartApp

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
MON_5_OCT = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
UNKNOWN = [f"NOSUCH{n:02d}" for n in range(5)]


async def _seed_loans(desk: Desk, barcodes: list[str]) -> None:
    """195 loans written straight through the repository (the checkout is tested elsewhere)."""
    uow = MongoUnitOfWork(desk.db, desk.app.state.runtime.topics)
    for n, barcode in enumerate(barcodes):
        loan = Loan.lend(
            loan_id=f"loan-{n:03d}",
            institution="inp",
            patron_id=f"P-{n % 50:02d}",
            item_barcode=barcode,
            title=f"Titre {barcode}",
            library="ENSEIRB",
            location="ENSEIRB-LA",
            due_at=THU_1_OCT + timedelta(days=32),
            rule_names=("inp-empruntable-1-mois",),
            now=THU_1_OCT,
        )
        await uow.loans.add("inp", StoredLoan(loan, circ_desk="ENSEIRB-PRET"))


async def test_bulk_return_of_200_scans_answers_each_line(start_app: StartApp) -> None:
    # No relay here: publishing is tested elsewhere, and on FerretDB it would double the writes.
    async with start_app(at=THU_1_OCT, relay_enabled=False) as desk:
        barcodes = [f"INP{n:04d}" for n in range(195)]
        for p in range(50):
            await desk.add_patron(f"P-{p:02d}")
        await desk.add_items(*[(b, "ENSEIRB", "ENSEIRB-LA", None) for b in barcodes])
        await _seed_loans(desk, barcodes)
        await desk.set_clock(MON_5_OCT)
        scans = [{"item_barcode": b} for b in barcodes]
        for i, unknown in enumerate(UNKNOWN):
            scans.insert(i * 40, {"item_barcode": unknown})
        answer = await desk.client.post(
            "/returns/batch", json={"scans": scans}, headers={"X-Desk-Session": "S-1"}
        )
        assert answer.status_code == 200, answer.text
        batch = answer.json()
        assert (batch["done"], batch["failed"], len(batch["lines"])) == (195, 5, 200)
        failures = [line for line in batch["lines"] if line["failure"]]
        assert [(f["item_barcode"], f["failure"]["error"]) for f in failures] == [
            (u, "UnknownItem") for u in UNKNOWN
        ]
        assert all(f["failure"]["field"] == "item_barcode" for f in failures)
        done = [line["returned"] for line in batch["lines"] if line["returned"]]
        assert {d["next_step_text"] for d in done} == {"reshelve at ENSEIRB/ENSEIRB-LA"}
        assert len({d["loan"]["patron_id"] for d in done}) == 50
        assert await desk.db["loans"].count_documents({"is_open": True}) == 0
        returns = await desk.client.get(
            "/patrons/P-07/returns", params={"scope": "session"}, headers={"X-Desk-Session": "S-1"}
        )
        assert len(returns.json()["returns"]) == 4  # items 7, 57, 107, 157

"""Checkout through the desk API, the real store and the real broker (Bordeaux INP, ENSEIRB)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from .conftest import StartApp, header, read_topic

ITEMS = (
    ("INP0001", "ENSEIRB", "ENSEIRB-LA", None),  # borrowable: 1 month for L
    ("INP0002", "ENSEIRB", "ENSEIRB-LA", "2-semaines"),  # item exception: 14 days for all
    ("INP0003", "ENSEIRB", "ENSEIRB-RAPPORTS", None),  # reading room only
    ("INP0010", "ENSEIRB", "ENSEIRB-LA", None),
    ("INP0011", "ENSEIRB", "ENSEIRB-LA", None),
    ("INP0012", "ENSEIRB", "ENSEIRB-LA", None),
)


async def test_due_date_on_a_closed_day_moves_to_the_next_opening_day(start_app: StartApp) -> None:
    # Lent Wed 28 Oct 2026 10:00 CET; 14 days = Wed 11 Nov (Armistice, closed) -> Thu 12 Nov
    # at ENSEIRB's closing time 18:30 CET = 17:30 UTC.
    async with start_app(at=datetime(2026, 10, 28, 9, 0, tzinfo=UTC)) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(*ITEMS)
        answer = await desk.client.post(
            "/loans",
            json={"patron": "CARDP-42", "item_barcode": "INP0002"},
            headers={"X-Desk-Session": "s-1"},
        )
        assert answer.status_code == 201, answer.text
        loan = answer.json()["loan"]
        assert loan["due_at"] == "2026-11-12T17:30:00Z"
        assert (loan["patron_id"], loan["circ_desk"], loan["rule_names"]) == (
            "P-42",
            "ENSEIRB-PRET",
            ["item-policy:2-semaines"],
        )
        stored = await desk.db["loans"].find_one({"_id": loan["loan_id"]})
        assert stored is not None
        assert stored["due_at"] == datetime(2026, 11, 12, 17, 30, tzinfo=UTC)
        topic = desk.namespace.topics.loan("inp")
        records = await read_topic(desk.namespace.backends.kafka_bootstrap, topic, expected=1)
        assert [header(r, "ce_type") for r in records] == ["fr.bordeaux.rebub.loan.created.v1"]
        assert records[0].key == b"P-42"
        assert header(records[0], "ce_id") == f"{loan['loan_id']}:1"


async def test_every_block_is_answered_at_once_and_nothing_is_written(
    start_app: StartApp,
) -> None:
    async with start_app(at=datetime(2026, 9, 1, 8, 0, tzinfo=UTC)) as desk:
        # An external reader (inp loan limit 3) whose account expires on 31 Oct 2026.
        await desk.add_patron("P-77", "LECTEUR_EXTERIEUR", expiry_date=date(2026, 10, 31))
        await desk.add_items(*ITEMS)
        for barcode in ("INP0010", "INP0011", "INP0012"):  # lent Tue 1 Sep, due Thu 1 Oct
            await desk.lend("P-77", barcode)
        await desk.bus.uow_factory().patrons.extend_suspension("inp", "P-77", date(2026, 11, 30))
        # Fri 20 Nov 2026: 50 days late (litigation after 35), suspended, limit reached, expired.
        await desk.set_clock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
        answer = await desk.client.post(
            "/loans", json={"patron": "P-77", "item_barcode": "INP0003"}
        )
        assert answer.status_code == 409, answer.text
        problem = answer.json()
        assert answer.headers["content-type"] == "application/problem+json"
        assert sorted(b["kind"] for b in problem["blocks"]) == [
            "expired_account",
            "item_not_loanable",
            "litigation",
            "loan_limit",
            "overdue",
            "suspension",
        ]
        assert await desk.db["loans"].count_documents({}) == 3
        blocks = (await desk.client.get("/patrons/P-77/blocks")).json()
        assert blocks["can_borrow"] is False
        assert len(blocks["blocks"]) == 5  # the patron's own; the item's come at checkout


async def test_an_override_is_recorded_on_the_loan_and_in_its_event(start_app: StartApp) -> None:
    async with start_app(at=datetime(2026, 9, 1, 8, 0, tzinfo=UTC)) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(*ITEMS)
        late = await desk.lend("P-42", "INP0010")  # due Thu 1 Oct 2026
        await desk.set_clock(datetime(2026, 10, 5, 9, 0, tzinfo=UTC))  # 4 days overdue
        refused = await desk.client.post(
            "/loans", json={"patron": "P-42", "item_barcode": "INP0001"}
        )
        assert [b["kind"] for b in refused.json()["blocks"]] == ["overdue"]
        answer = await desk.client.post(
            "/loans",
            json={
                "patron": "P-42",
                "item_barcode": "INP0001",
                "override": {"reason": "retour promis demain"},
            },
        )
        assert answer.status_code == 201, answer.text
        loan_id = answer.json()["loan"]["loan_id"]
        stored = await desk.db["loans"].find_one({"_id": loan_id})
        assert stored is not None
        assert (stored["override"]["operator"], stored["override"]["reason"]) == (
            "inp-manager",
            "retour promis demain",
        )
        assert stored["override"]["blocks"] == ["overdue"]
        topic = desk.namespace.topics.loan("inp")
        records = await read_topic(desk.namespace.backends.kafka_bootstrap, topic, expected=2)
        created = [r for r in records if header(r, "ce_subject") == loan_id]
        assert len(created) == 1
        assert b'"reason":"retour promis demain"' in created[0].value
        assert late["loan_id"] != loan_id


async def test_a_block_the_policy_does_not_let_staff_override_stays(start_app: StartApp) -> None:
    async with start_app(at=datetime(2026, 10, 5, 9, 0, tzinfo=UTC)) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(*ITEMS)
        await desk.bus.uow_factory().patrons.extend_suspension("inp", "P-42", date(2026, 10, 9))
        answer = await desk.client.post(
            "/loans",
            json={"patron": "P-42", "item_barcode": "INP0001", "override": {"reason": "urgent"}},
        )
        assert answer.status_code == 409
        assert "suspension" in answer.json()["detail"]
        assert await desk.db["loans"].count_documents({}) == 0

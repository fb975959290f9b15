"""Check the rules: the explanation of a loan names its rule and reproduces its due date; the dry
run shows the criteria, the calendar moves and the blocks."""

from __future__ import annotations

from datetime import UTC, datetime

from .conftest import StartApp

UB_DESK = {"X-Desk": "BUST-PRET"}
THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


async def test_the_explanation_of_a_loan_names_the_rule_and_reproduces_its_due_date(
    start_app: StartApp,
) -> None:
    async with start_app("ub", at=THU_1_OCT, headers=UB_DESK) as desk:
        await desk.add_patron("U-1", user_group="D")
        await desk.add_items(("UB000001", "BUST", "BUST-LA", None))
        loan = await desk.lend("U-1", "UB000001")
        rules = (await desk.client.get(f"/loans/{loan['loan_id']}/rules")).json()
        assert rules["decision"]["rule_names"] == ["ub-empruntable-2-mois"]
        assert rules["stored_rule_names"] == loan["rule_names"] == ["ub-empruntable-2-mois"]
        assert rules["decision"]["criteria"]["terms_of_use"] == "borrowable"
        assert rules["decision"]["criteria"]["user_group"] == "D"
        assert rules["due_date"]["due_at"] == loan["due_at"]
        assert rules["reproduces_due_date"] is True
        steps = [step["description"] for step in rules["due_date"]["steps"]]
        assert steps[0] == "loan day 2026-10-01 + P2M = 2026-12-01"
        assert rules["renewal_cap"]["cap_day"] == "2026-12-15"  # + the 2-week renewal period


async def test_the_dry_run_shows_item_exception_calendar_moves_and_blocks(
    start_app: StartApp,
) -> None:
    async with start_app("ub", at=THU_1_OCT, headers=UB_DESK) as desk:
        await desk.add_patron("U-2", expiry_date="2026-09-30")  # expired: a block
        await desk.add_items(("UB000003", "BUST", "BUST-LA", "2-semaines"))
        answer = await desk.client.post(
            "/rules/explain",
            json={"patron": "U-2", "item_barcode": "UB000003", "at": "2026-10-18T10:00:00+02:00"},
        )
        assert answer.status_code == 200, answer.text
        dry = answer.json()
        assert dry["decision"]["rule_names"] == ["item-policy:2-semaines"]
        kinds = [step["kind"] for step in dry["due_date"]["steps"]]
        assert kinds == [
            "loan_period",
            "closed_day",
            "closing_time",
        ]  # Sun 1 Nov (Toussaint) -> Mon 2 Nov
        assert [b["kind"] for b in dry["blocks"]] == ["expired_account"]
        assert await desk.db["loans"].count_documents({}) == 0

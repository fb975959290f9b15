"""Check the rules: the explanation of a loan names its rule and reproduces its due date; the dry
run shows the criteria, the calendar moves and the blocks."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from circulation.domain.policies import DEFAULT_POLICIES_DIR
from rebub.testing.waiting import eventually

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


async def test_a_closure_added_to_the_running_service_s_policy_file_moves_due_dates(
    start_app: StartApp, tmp_path: Path
) -> None:
    """The ConfigMap case: the file changes under a running circulation, which puts it in force
    at its next check, without a restart."""
    policy = tmp_path / "ub.yaml"
    shutil.copy(DEFAULT_POLICIES_DIR / "ub.yaml", policy)
    reload = {"policies_dir": tmp_path, "policy_reload_interval_s": 0.05}
    async with start_app("ub", at=THU_1_OCT, headers=UB_DESK, **reload) as desk:
        await desk.add_patron("U-4")
        await desk.add_items(("UB000004", "BUST", "BUST-LA", "2-semaines"))

        async def due_day() -> str:  # lent on Friday 1 June 2029 for 14 days
            body = {"patron": "U-4", "item_barcode": "UB000004", "at": "2029-06-01T10:00:00+02:00"}
            answer = await desk.client.post("/rules/explain", json=body)
            return str(answer.json()["due_date"]["due_at"])[:10]

        assert await due_day() == "2029-06-15"  # a Friday, open
        works = "closed_days:\n  - {date: 2029-06-15, reason: Travaux}\nyearly_closures:\n"
        policy.write_text(policy.read_text().replace("yearly_closures:\n", works, 1))

        async def moved() -> str | None:
            day = await due_day()
            return day if day != "2029-06-15" else None

        assert await eventually(moved) == "2029-06-16"  # BUST opens on Saturdays

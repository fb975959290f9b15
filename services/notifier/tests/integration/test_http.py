"""The HTTP API: letters on request, listings, problems, and a crash left behind."""

from __future__ import annotations

from rebub.testing.tokens import bearer
from rebub_shared.contracts.loans import LoanCreated

from .conftest import Harness, Service, at, patron_changed, snapshot


async def one_loan(service: Service, harness: Harness) -> None:
    """Patron PA (with an email address) and loan LA, due on day 4, consumed."""
    await harness.publish(patron_changed("PA", "pa@example.org"), at(0), "PA")
    await harness.publish(LoanCreated(loan=snapshot("LA", "PA", 4, 1)), at(0, 10), "PA")
    await service.wait_patron("PA")
    await service.wait_loan("LA", 1)


async def test_tomorrows_letters_are_planned_and_a_report_and_a_receipt_emailed_once(
    harness: Harness,
) -> None:
    async with harness.service(at(1)) as service:
        await one_loan(service, harness)

        # Tomorrow's letters, checked on day 1: due on day 4, LA's reminder is planned for
        # day 4 (6 Nov 2026); nothing is recorded, and a desk operator may not ask.
        plan = await service.client.get("/letters/plan", params={"day": "2026-11-06"})
        desk = bearer(harness.tokens.user("ub-desk"))
        refused = await service.client.get(
            "/letters/plan", params={"day": "2026-11-06"}, headers=desk
        )
        planned_nothing = await service.letters(loan_id="LA")

        headers = {"Idempotency-Key": "desk-42"}
        first = await service.client.post("/patrons/PA/activity-report", headers=headers)
        again = await service.client.post("/patrons/PA/activity-report", headers=headers)
        receipt = await service.client.post("/loans/LA/receipt")
        unknown = await service.client.post("/loans/L404/receipt")
        no_filter = await service.client.get("/letters")

    assert plan.json()["by_stage"] == {"reminder": 1}, plan.text
    assert [(p["patron_id"], p["loan_ids"]) for p in plan.json()["letters"]] == [("PA", ["LA"])]
    assert (refused.status_code, refused.json()["permission"]) == (403, "letters:plan")
    assert planned_nothing == []
    assert (first.status_code, first.json()["state"]) == (201, "sent")
    assert again.json() == first.json()
    assert (receipt.json()["kind"], receipt.json()["loan_ids"]) == ("loan_receipt", ["LA"])
    subjects = sorted(str(m["X-Rebub-Letter-Key"]) for m in harness.mailbox.messages())
    assert subjects == ["ub:PA:activity_report:desk-42", receipt.json()["letter_id"]]
    assert (unknown.status_code, unknown.headers["content-type"]) == (
        404,
        "application/problem+json",
    )
    assert "'L404'" in unknown.json()["detail"]
    assert no_filter.status_code == 422


async def test_an_email_a_crash_left_in_flight_is_listed_uncertain_and_never_resent(
    harness: Harness,
) -> None:
    async with harness.service(at(4)) as service:
        await one_loan(service, harness)
        harness.mailbox.stop()
        await service.run_pass()  # recorded and claimed, SMTP down: pending
        [letter] = await service.letters(loan_id="LA")
        # Play the crash: the process died after handing the email to the SMTP server.
        store = service.notifier.store
        await store.letters.update_one(  # type: ignore[attr-defined]
            {"_id": letter["letter_id"]}, {"$set": {"state": "sending"}}
        )
    harness.mailbox.start()

    async with harness.service(at(4)) as service:
        summary = await service.run_pass()
        [after] = await service.letters(patron_id="PA")
        reports = (await service.client.get("/reports")).json()

    assert after["state"] == "uncertain"
    assert summary["states"] == {}
    assert harness.mailbox.files() == []
    assert [(r["kind"], r["loan_ids"]) for r in reports] == [("uncertain", ["LA"])]

"""Who may do what at the desk: the operator is the token's subject, an override needs the
manager's permission, privileged actions are audited per institution (GET /audit)."""

from __future__ import annotations

from datetime import UTC, datetime

from rebub.identity import DevTokens
from rebub.testing.tokens import bearer

from .conftest import StartApp

ITEMS = (("INP0001", "ENSEIRB", "ENSEIRB-LA", None), ("INP0010", "ENSEIRB", "ENSEIRB-LA", None))
OVERRIDE = {"patron": "P-42", "item_barcode": "INP0001", "override": {"reason": "promis"}}


async def test_a_desk_override_is_403_a_manager_s_is_201_with_the_manager_as_operator(
    start_app: StartApp, dev_tokens: DevTokens
) -> None:
    async with start_app(at=datetime(2026, 9, 1, 8, 0, tzinfo=UTC)) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(*ITEMS)
        await desk.lend("P-42", "INP0010")  # due Thu 1 Oct 2026
        await desk.set_clock(datetime(2026, 10, 5, 9, 0, tzinfo=UTC))  # 4 days overdue
        as_desk = bearer(dev_tokens.user("inp-desk"))

        refused = await desk.client.post("/loans", json=OVERRIDE, headers=as_desk)
        assert refused.status_code == 403, refused.text
        assert refused.json()["permission"] == "blocks:override"
        assert await desk.db["loans"].count_documents({"item_barcode": "INP0001"}) == 0

        answer = await desk.client.post("/loans", json=OVERRIDE)  # the client's inp-manager
        assert answer.status_code == 201, answer.text
        loan_id = answer.json()["loan"]["loan_id"]
        stored = await desk.db["loans"].find_one({"_id": loan_id})
        assert stored is not None
        assert stored["override"]["operator"] == "inp-manager"

        audit = (await desk.client.get("/audit", params={"action": "block-override"})).json()
        assert audit["total"] == 1
        record = audit["records"][0]
        assert (record["operator"], record["desk"], record["targets"]["loan_id"]) == (
            "inp-manager",
            "ENSEIRB-PRET",
            loan_id,
        )
        assert record["at"] == "2026-10-05T09:00:00Z"  # the service clock
        assert (await desk.client.get("/audit", headers=as_desk)).status_code == 403


async def test_privileged_loan_actions_are_audited_and_desk_staff_are_refused(
    start_app: StartApp, dev_tokens: DevTokens
) -> None:
    async with start_app(at=datetime(2026, 10, 1, 8, 0, tzinfo=UTC)) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(*ITEMS)
        loan = await desk.lend("P-42", "INP0010")
        as_desk = bearer(dev_tokens.user("inp-desk"))
        path = f"/loans/{loan['loan_id']}"
        for method, url in (("POST", f"{path}/lost"), ("DELETE", path)):
            answer = await desk.client.request(method, url, headers=as_desk)
            assert answer.status_code == 403, (url, answer.text)
        due = {"due_date": "2026-12-01"}
        assert (
            await desk.client.put(f"{path}/due-date", json=due, headers=as_desk)
        ).status_code == 403
        assert (await desk.client.get(path)).json()["status"] == "active"  # nothing changed

        assert (await desk.client.put(f"{path}/due-date", json=due)).status_code == 200
        assert (await desk.client.post(f"{path}/lost")).status_code == 200
        assert (await desk.client.delete(path)).status_code == 200
        audit = (await desk.client.get("/audit")).json()
        # One clock instant (the development clock stands still): the order within it is free.
        assert sorted(r["action"] for r in audit["records"]) == [
            "due-date-change",
            "loan-delete",
            "loan-lost",
        ]
        assert {r["operator"] for r in audit["records"]} == {"inp-manager"}
        paged = (await desk.client.get("/audit", params={"limit": 1, "offset": 1})).json()
        assert (paged["total"], len(paged["records"])) == (3, 1)


async def test_another_institution_s_token_is_refused_naming_both(
    start_app: StartApp, dev_tokens: DevTokens
) -> None:
    async with start_app() as desk:
        answer = await desk.client.get(
            "/patrons/P-42/account", headers=bearer(dev_tokens.user("bsa-manager"))
        )
        assert answer.status_code == 403
        assert (answer.json()["token_institution"], answer.json()["instance_tenant"]) == (
            "bsa",
            "inp",
        )
        anonymous = await desk.client.get("/patrons/P-42/account", headers={"Authorization": ""})
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith("Bearer")

"""The combined account over HTTP on the real store (loans, returns, requests, blocks; the
desk session's only with ``scope=session``), a loan note added, the ``task`` filter matching a
request, and inp's renewal guards on the bulk path (``/patrons/{id}/renewals``): a suspended
patron's renewals refused line by line with the reason, a manager's override passing every line
(a desk operator may not), each recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime

from rebub.identity import DevTokens
from rebub.testing.tokens import bearer

from .conftest import StartApp

THU_1_OCT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
SESSION_1 = {"X-Desk": "ENSEIRB-PRET", "X-Desk-Session": "s-1"}
SESSION_2 = {"X-Desk": "ENSEIRB-PRET", "X-Desk-Session": "s-2"}


async def test_the_account_tabs_a_loan_note_and_the_bulk_renewal_guards(
    start_app: StartApp, dev_tokens: DevTokens
) -> None:
    async with start_app(at=THU_1_OCT) as desk:
        await desk.add_patron("P-42")
        await desk.add_items(
            ("INP0001", "ENSEIRB", "ENSEIRB-LA", None),
            ("INP0002", "ENSEIRB", "ENSEIRB-LA", None),
            ("INP0003", "ENSEIRB", "ENSEIRB-LA", None),
            ("INP0004", "ENSEIRB", "ENSEIRB-LA", None),
        )
        kept = await desk.lend("P-42", "INP0001", session_id="s-1")
        other = await desk.lend("P-42", "INP0004", session_id="s-1")
        back = await desk.client.post(
            "/loans", json={"patron": "P-42", "item_barcode": "INP0002"}, headers=SESSION_2
        )
        assert back.status_code == 201, back.text
        returned = await desk.client.post(
            "/returns", json={"item_barcode": "INP0002"}, headers=SESSION_2
        )
        assert returned.status_code == 200, returned.text
        hold = await desk.client.post(
            "/requests", json={"kind": "hold", "patron": "P-42", "item_barcode": "INP0003"}
        )
        request_id = hold.json()["request"]["request_id"]
        noted = await desk.client.post(
            f"/loans/{kept['loan_id']}/notes", json={"note": "jaquette déchirée au prêt"}
        )
        assert noted.status_code == 201, noted.text
        assert noted.json()["notes"] == ["inp-manager: jaquette déchirée au prêt"]  # signed

        to_pick = await desk.client.get(
            "/patrons/P-42/requests", params={"task": "pick_from_shelf"}
        )
        assert [r["request_id"] for r in to_pick.json()["requests"]] == [request_id]

        # Suspended until Fri 30 Oct 2026 (a late return elsewhere); on 20 Oct inp's guards
        # refuse every renewal of the selection, then a manager's override renews them all.
        uow = desk.bus.uow_factory()
        await uow.patrons.extend_suspension("inp", "P-42", date(2026, 10, 30))
        await desk.set_clock(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
        account = (await desk.client.get("/patrons/P-42/account")).json()
        assert sorted(loan["item_barcode"] for loan in account["loans"]) == ["INP0001", "INP0004"]
        assert [loan["item_barcode"] for loan in account["returns"]] == ["INP0002"]
        assert [r["request_id"] for r in account["requests"]] == [request_id]
        assert [(b["kind"], b["until"]) for b in account["blocks"]] == [
            ("suspension", "2026-10-30")
        ]
        in_session = await desk.client.get(
            "/patrons/P-42/account", params={"scope": "session"}, headers=SESSION_2
        )
        assert [loan["item_barcode"] for loan in in_session.json()["returns"]] == ["INP0002"]
        assert in_session.json()["loans"] == []
        first_session = await desk.client.get(
            "/patrons/P-42/account", params={"scope": "session"}, headers=SESSION_1
        )
        assert sorted(loan["item_barcode"] for loan in first_session.json()["loans"]) == [
            "INP0001",
            "INP0004",
        ]
        assert first_session.json()["returns"] == []

        both = {"all": True}
        refused = await desk.client.post("/patrons/P-42/renewals", json=both)
        assert refused.status_code == 200, refused.text
        lines = refused.json()["lines"]
        assert [(line["renewed"], line["refusal"]) for line in lines] == [
            (False, "RenewalBlocked")
        ] * 2, lines
        assert all("suspended_until=2026-10-30" in line["reason"] for line in lines)
        override = both | {"override": {"reason": "mémoire à rendre"}}
        desk_agent = bearer(dev_tokens.user("inp-desk"))
        forbidden = await desk.client.post(
            "/patrons/P-42/renewals", json=override, headers=desk_agent
        )
        assert (forbidden.status_code, forbidden.json()["permission"]) == (403, "blocks:override")
        passed = await desk.client.post("/patrons/P-42/renewals", json=override)
        assert [
            (line["renewed"], line["overridden_blocks"]) for line in passed.json()["lines"]
        ] == [(True, ["suspension"])] * 2, passed.text
        records = (await desk.client.get("/audit", params={"action": "renewal-override"})).json()
        assert sorted(r["targets"]["loan_id"] for r in records["records"]) == sorted(
            [kept["loan_id"], other["loan_id"]]
        )

"""A waiting account merged on a match staff confirm, over HTTP on the real broker and store:
a desk operator is refused (no ``waiting-accounts:write``) and nothing changes; a patrons
manager merges it into the institutional account of another primary id (its note carried over,
the waiting account closed, ``merged_into`` naming the target), audited with both ids."""

from pathlib import Path
from typing import Any

from rebub.demo.feeds import write_csv_feed
from rebub.identity import DevTokens
from rebub.testing.tokens import bearer

from .conftest import eventually

TARGET = "UB-0000002"


async def test_staff_confirm_a_match_and_the_waiting_account_is_merged(
    instances: Any, tmp_path: Path, dev_tokens: DevTokens
) -> None:
    up = await instances("network", "ub")
    (network, _), (ub, ub_service) = up["network"], up["ub"]
    feed = write_csv_feed(tmp_path / "ub.csv", 3, "ub", seed=3)
    files = {"file": ("ub.csv", feed.path.read_bytes(), "text/csv")}
    assert (await network.post("/imports", params={"source": "ub"}, files=files)).status_code == 200

    async def projected() -> bool:
        return await ub_service.runtime.db["nz_accounts"].count_documents({}) == 3

    await eventually(projected)
    assert (await ub.get(f"/patrons/{TARGET}")).status_code == 200  # opening it links it
    reader = {"last_name": "Martin", "first_name": "Léa", "user_group": "L",
              "expiry_date": "2027-06-30", "emails": [{"address": "lea.martin@example.org"}]}  # fmt: skip
    waiting = (await ub.post("/waiting-accounts", json=reader)).json()["account_id"]
    note = await ub.post(f"/patrons/{waiting}/notes", json={"text": "carte provisoire"})
    assert note.status_code == 201, note.text

    desk = bearer(dev_tokens.user("ub-desk"))
    merge = {"primary_id": TARGET}
    refused = await ub.post(f"/waiting-accounts/{waiting}/merge", json=merge, headers=desk)
    assert (refused.status_code, refused.json()["permission"]) == (403, "waiting-accounts:write")
    assert (await ub.get(f"/patrons/{waiting}")).json()["status"] == "active"

    merged = await ub.post(f"/waiting-accounts/{waiting}/merge", json=merge)  # ub-manager
    assert merged.status_code == 200, merged.text
    assert merged.json()["account_id"] == TARGET
    assert [n["text"] for n in merged.json()["additions"]["notes"]] == ["carte provisoire"]
    closed = (await ub.get(f"/patrons/{waiting}")).json()
    assert (closed["status"], closed["merged_into"]) == ("closed", TARGET)
    records = (await ub.get("/audit")).json()["records"]
    assert [(r["operator"], r["targets"], r["details"]) for r in records
            if r["action"] == "waiting-account-merged"] == [
        ("ub-manager", {"account_id": TARGET}, {"waiting_id": waiting})
    ]  # fmt: skip

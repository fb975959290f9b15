"""Who may import and edit: the network zone takes a feed only from its own institution's feed
loader, ``force`` needs its own permission, and authors are the tokens' subjects."""

from pathlib import Path
from typing import Any

from rebub.demo.feeds import write_csv_feed
from rebub.identity import DevTokens
from rebub.testing.tokens import bearer


def upload(path: Path) -> dict[str, Any]:
    return {"file": (path.name, path.read_bytes(), "text/csv")}


async def test_a_forced_one_record_feed_without_the_force_permission_changes_nothing(
    instances: Any, tmp_path: Path, dev_tokens: DevTokens
) -> None:
    network, service = (await instances("network"))["network"]
    feed = write_csv_feed(tmp_path / "ub.csv", 40, "ub", seed=2)
    assert (
        await network.post("/imports", params={"source": "ub"}, files=upload(feed.path))
    ).json()["created"] == 40
    accounts = service.runtime.db["accounts"]
    before = [doc async for doc in accounts.find({}).sort("_id")]
    one = write_csv_feed(tmp_path / "one.csv", 1, "ub", seed=2)
    params = {"source": "ub", "mode": "full", "force": "true"}

    refused = await network.post(
        "/imports",
        params=params,
        files=upload(one.path),
        headers=bearer(dev_tokens.user("ub-feed")),
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["permission"] == "imports:force"
    assert [doc async for doc in accounts.find({}).sort("_id")] == before

    other = await network.post(
        "/imports",
        params={"source": "scpo"},
        files=upload(one.path),
        headers=bearer(dev_tokens.user("ub-feed-admin")),
    )
    assert other.status_code == 403
    assert (other.json()["token_institution"], other.json()["source"]) == ("ub", "scpo")
    anonymous = await network.post(
        "/imports", params=params, files=upload(one.path), headers={"Authorization": ""}
    )
    assert anonymous.status_code == 401
    observer = bearer(dev_tokens.user("network-observer"))
    as_observer = await network.post(
        "/imports", params=params, files=upload(one.path), headers=observer
    )
    assert as_observer.status_code == 403
    desk = bearer(dev_tokens.user("ub-desk"))
    assert (
        await network.post("/imports", params=params, files=upload(one.path), headers=desk)
    ).status_code == 403
    assert [doc async for doc in accounts.find({}).sort("_id")] == before

    forced = await network.post("/imports", params=params, files=upload(one.path))  # ub-feed-admin
    assert forced.status_code == 200, forced.text
    assert forced.json()["absent"] == 39
    audit = await network.get("/audit", headers=bearer(dev_tokens.user("ub-manager")))
    assert audit.status_code == 200, audit.text
    actions = [(r["action"], r["operator"], r["targets"]) for r in audit.json()["records"]]
    assert ("import-forced", "ub-feed-admin", {"source": "ub"}) in actions
    scpo_view = await network.get("/audit", headers=bearer(dev_tokens.user("scpo-manager")))
    assert scpo_view.json()["records"] == [], scpo_view.json()  # each reads its own records


async def test_notes_and_blocks_are_signed_by_the_token_subject(
    instances: Any, dev_tokens: DevTokens
) -> None:
    ub, _ = (await instances("ub"))["ub"]
    reader = {
        "last_name": "Martin",
        "first_name": "Léa",
        "user_group": "LECTEUR_EXTERIEUR",
        "expiry_date": "2027-06-30",
        "emails": [{"address": "lea.martin@example.org"}],
    }
    created = await ub.post("/waiting-accounts", json=reader | {"user_group": "L"})
    assert created.status_code == 201, created.text
    account = created.json()["account_id"]
    forged = await ub.post(
        f"/patrons/{account}/notes", json={"text": "ok", "created_by": "Chief Librarian"}
    )
    assert forged.status_code == 422
    assert [e["field"] for e in forged.json()["errors"]] == ["created_by"]
    note = await ub.post(f"/patrons/{account}/notes", json={"text": "carte provisoire"})
    assert note.status_code == 201, note.text
    assert note.json()["additions"]["notes"][-1]["created_by"] == "ub-manager"

    desk = bearer(dev_tokens.user("ub-desk"))
    block = {"block_type": "LOCAL", "reason": "amende"}
    assert (
        await ub.post(f"/patrons/{account}/blocks", json=block, headers=desk)
    ).status_code == 403
    patrons = bearer(dev_tokens.user("ub-patrons"))
    added = await ub.post(f"/patrons/{account}/blocks", json=block, headers=patrons)
    assert added.status_code == 201, added.text
    assert added.json()["additions"]["local_blocks"][-1]["created_by"] == "ub-patrons"
    actions = {(r["action"], r["operator"]) for r in (await ub.get("/audit")).json()["records"]}
    assert {("note-added", "ub-manager"), ("block-added", "ub-patrons")} <= actions

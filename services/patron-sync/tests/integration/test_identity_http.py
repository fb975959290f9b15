"""Who may import and edit: the network zone takes a feed only from its own institution's feed
loader, ``force`` needs its own permission, and authors are the tokens' subjects."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rebub.demo.feeds import write_csv_feed
from rebub.identity import DevTokens
from rebub.testing.plugin import Namespace
from rebub.testing.tokens import bearer
from rebub_shared.clock import MovableClock

from .conftest import eventually, topic_records


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
    instances: Any, dev_tokens: DevTokens, namespace: Namespace, clock: MovableClock
) -> None:
    ub, service = (await instances("ub"))["ub"]
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

    # A block with its days, a note shown at the desk; then edited, lifted, deleted (audited).
    days = {"block_type": "AMENDE", "reason": "livre mouillé", "starts_on": "2026-10-05",
            "ends_on": "2027-03-15"}  # fmt: skip
    wrong = await ub.post(f"/patrons/{account}/blocks", json=days | {"ends_on": "2026-10-04"})
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "ends_on"), wrong.text
    blocks = (await ub.post(f"/patrons/{account}/blocks", json=days)).json()
    amende = blocks["additions"]["local_blocks"][-1]
    popup = await ub.post(f"/patrons/{account}/notes", json={"text": "caution", "at_desk": True})
    note_id = popup.json()["additions"]["notes"][-1]["note_id"]
    await _drained(service)
    sent = await topic_records(namespace, namespace.topics.patron("ub"))
    carried = json.loads(sent[-1].value)["patron"]
    assert carried["local_blocks"][-1] == {
        "block_id": amende["block_id"], "block_type": "AMENDE", "reason": "livre mouillé",
        "starts_on": "2026-10-05", "ends_on": "2027-03-15", "created_by": "ub-manager",
    }  # fmt: skip
    assert carried["notes"][-1] == {
        "note_id": note_id,
        "text": "caution",
        "at_desk": True,
        "created_by": "ub-manager",
    }
    # Listed with the account, marked once its last day (15 March 2027) is behind the day.
    clock.set(datetime(2027, 3, 15, 21, 0, tzinfo=UTC))  # 22:00 in Paris: still the 15th
    assert (await ub.get(f"/patrons/{account}")).json()["ended_blocks"] == []
    clock.set(datetime(2027, 3, 15, 23, 30, tzinfo=UTC))  # 16 March in Paris
    assert (await ub.get(f"/patrons/{account}")).json()["ended_blocks"] == [amende["block_id"]]
    edited = await ub.patch(f"/patrons/{account}/notes/{note_id}", json={"text": "caution 50 €"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["additions"]["notes"][-1]["edited_by"] == "ub-manager"
    lifted = await ub.delete(f"/patrons/{account}/blocks/{amende['block_id']}")
    assert amende["block_id"] not in {
        b["block_id"] for b in lifted.json()["additions"]["local_blocks"]
    }
    again = await ub.delete(f"/patrons/{account}/blocks/{amende['block_id']}")
    assert (again.status_code, again.json()["errors"][0]["field"]) == (404, "block_id"), again.text
    gone = await ub.delete(f"/patrons/{account}/notes/{note_id}")
    assert note_id not in {n["note_id"] for n in gone.json()["additions"]["notes"]}
    labo = await ub.put(f"/patrons/{account}/statistics/LABO", json={"value": "IMS"})
    labo = await ub.put(f"/patrons/{account}/statistics/LABO", json={"value": "LaBRI"})
    assert labo.json()["additions"]["statistics"] == [{"category": "LABO", "value": "LaBRI"}]
    unset = await ub.delete(f"/patrons/{account}/statistics/LABO")
    assert unset.json()["additions"]["statistics"] == []
    actions = {r["action"] for r in (await ub.get("/audit")).json()["records"]}
    assert {"note-edited", "note-deleted", "block-lifted", "statistic-set"} <= actions
    await _drained(service)
    sent = await topic_records(namespace, namespace.topics.patron("ub"))
    last = json.loads(sent[-1].value)["patron"]
    assert amende["block_id"] not in {b["block_id"] for b in last["local_blocks"]}


async def _drained(service: Any) -> None:
    patrons = service.runtime.db["patrons"]

    async def published() -> bool:
        return await patrons.count_documents({"outbox_pending": True}) == 0

    await eventually(published, timeout_s=10, every_s=0.05)

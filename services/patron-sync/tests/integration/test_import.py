"""The daily import against the real broker and store: rejects, no events for unchanged
accounts, a refused file applies nothing."""

from pathlib import Path
from typing import Any

from rebub.demo.feeds import write_csv_feed
from rebub.testing.plugin import Namespace

from .conftest import topic_records


async def test_feed_with_bad_records_is_imported_once_and_reimport_sends_nothing(
    namespace: Namespace, instances: Any, tmp_path: Path
) -> None:
    feed = write_csv_feed(tmp_path / "ub.csv", 1000, "ub", seed=1, bad_records=12)
    started = await instances("network")
    client, service = started["network"]

    def upload() -> dict[str, Any]:
        return {"file": ("ub.csv", feed.path.read_bytes(), "text/csv")}

    first = await client.post("/imports", params={"source": "ub"}, files=upload())
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["received"], report["created"], len(report["rejected"])) == (1000, 988, 12)
    assert sorted(r["position"] for r in report["rejected"]) == list(feed.bad_positions)
    assert {r["position_kind"] for r in report["rejected"]} == {"line"}
    stored = await service.runtime.db["accounts"].count_documents({})
    assert stored == 988
    sent = await topic_records(namespace, namespace.topics.nz_patron)
    assert len(sent) == 988

    again = await client.post("/imports", params={"source": "ub"}, files=upload())
    assert again.json()["unchanged"] == 988
    assert (again.json()["created"], again.json()["updated"]) == (0, 0)
    assert len(await topic_records(namespace, namespace.topics.nz_patron)) == 988


async def test_summaries_lost_or_stale_make_the_import_read_accounts_never_recreate_them(
    namespace: Namespace, instances: Any, tmp_path: Path
) -> None:
    """The summaries are written after the accounts: a crash in between (simulated by removing
    some), or a database from before them, only costs reads; versions and reports stay right."""
    feed = write_csv_feed(tmp_path / "ub.csv", 300, "ub", seed=3)
    started = await instances("network")
    client, service = started["network"]
    db = service.runtime.db

    def upload(path: Path) -> dict[str, Any]:
        return {"file": ("ub.csv", path.read_bytes(), "text/csv")}

    assert (await client.post("/imports", params={"source": "ub"}, files=upload(feed.path))).json()[
        "created"
    ] == 300
    summary = await db["summaries"].find_one({})
    assert summary is not None
    assert set(summary) == {"_id", "source", "fingerprint", "absent"}
    lost = [doc["_id"] async for doc in db["summaries"].find({}).limit(40)]
    await db["summaries"].delete_many({"_id": {"$in": lost}})
    stale = await db["summaries"].find_one({"_id": {"$nin": lost}})
    assert stale is not None
    await db["summaries"].update_one({"_id": stale["_id"]}, {"$set": {"fingerprint": "0" * 64}})

    again = await client.post("/imports", params={"source": "ub"}, files=upload(feed.path))
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 300)
    assert await db["summaries"].count_documents({}) == 300  # repaired from the accounts read
    assert await db["summaries"].find_one({"_id": stale["_id"], "fingerprint": "0" * 64}) is None
    versions = {doc["account"]["version"] async for doc in db["accounts"].find({})}
    assert versions == {1}
    # A database from before summaries (no marker): they are built from the accounts first.
    await db["summaries"].delete_many({})
    await db["imports"].delete_one({"_id": "summaries-built"})
    third = await client.post("/imports", params={"source": "ub"}, files=upload(feed.path))
    assert (third.json()["created"], third.json()["unchanged"]) == (0, 300)
    assert await db["summaries"].count_documents({}) == 300
    assert len(await topic_records(namespace, namespace.topics.nz_patron)) == 300


async def test_a_file_that_is_not_a_feed_is_refused_whole(
    namespace: Namespace, instances: Any, tmp_path: Path
) -> None:
    started = await instances("network")
    client, service = started["network"]
    files = {"file": ("ub.xml", b"<catalog><book/></catalog>", "application/xml")}
    answer = await client.post("/imports", params={"source": "ub"}, files=files)
    assert answer.status_code == 422
    assert "not an Alma users feed" in answer.json()["detail"]
    assert await service.runtime.db["accounts"].count_documents({}) == 0

"""The name index on the real store: one small document per account and bucket, read as a
prefix range of ``_id``; a write touches only its accounts' documents; a batch delivered again
and a store in the earlier layout (one document per bucket) both end in the same index."""

from typing import Any

from pymongo import AsyncMongoClient

from patron_sync.adapters.mongo_names import BUILT, NameIndex
from patron_sync.domain.search import NameEntry
from rebub.testing.commands import CommandLog
from rebub.testing.plugin import Namespace


def _entry(account_id: str, last: str, first: str) -> NameEntry:
    keys = (last, first, f"{last} {first}", f"{first} {last}")
    return NameEntry(account_id, keys, last, first, "ub")


async def test_a_bucket_is_read_as_a_range_and_a_change_writes_only_its_account(
    namespace: Namespace,
) -> None:
    writes = CommandLog()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        namespace.backends.mongo_uri, event_listeners=[writes]
    )
    try:
        index = NameIndex(client[f"{namespace.database_prefix}ub_patron_sync"]["nz_names"])
        martins = [_entry(f"UB-{n:04d}", "martin", f"chloe{n}") for n in range(300)]
        # A bucket with a space and one with a letter beyond ASCII, next to "mar".
        others = [_entry("UB-9001", "de la tour", "mara"), _entry("UB-9002", "øst", "marc")]
        await index.update([*martins, *others])
        assert writes.writes == [("insert", 302 * 2)]  # two buckets each: "mar" and "chl", "de "

        found = await index.entries("mar")
        assert sorted(e.account_id for e in found) == sorted(
            [e.account_id for e in martins] + ["UB-9001", "UB-9002"]
        )
        assert [e.account_id for e in await index.entries("de ")] == ["UB-9001"]
        assert [e.account_id for e in await index.entries("øst")] == ["UB-9002"]
        assert await index.entries("ma") == []  # a bucket is three letters: "ma" is none

        # Chloé Martin 7 marries: "martin" leaves her keys, "durand" comes; 299 others untouched.
        writes.clear()
        moved = _entry("UB-0007", "durand", "chloe7")
        await index.update([moved], {"UB-0007": martins[7].keys})
        assert writes.writes == [("delete", 1), ("update", 2)]  # out of "mar"; "chl", "dur"
        assert "UB-0007" not in {e.account_id for e in await index.entries("mar")}
        assert [e.account_id for e in await index.entries("dur")] == ["UB-0007"]
        assert len(await index.entries("chl")) == 300
    finally:
        await client.close()


async def test_a_batch_delivered_again_replaces_what_it_had_written(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    index = NameIndex(mongo_client[f"{namespace.database_prefix}ub_patron_sync"]["nz_names"])
    batch = [_entry(f"UB-{n}", "bernard", f"lucas{n}") for n in range(5)]
    await index.update(batch[:2])  # a first delivery stopped after two accounts
    batch[1] = _entry("UB-1", "bernard", "lucie")  # and the account changed in between
    await index.update(batch)
    entries = {e.account_id: e for e in await index.entries("ber")}
    assert sorted(entries) == [f"UB-{n}" for n in range(5)]
    assert entries["UB-1"].first == "lucie"
    assert len(await index.entries("luc")) == 5


async def test_a_store_in_the_earlier_layout_is_rebuilt(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    collection = mongo_client[f"{namespace.database_prefix}ub_patron_sync"]["nz_names"]
    entry = {"id": "UB-1", "keys": ["petit"], "last": "petit", "first": "", "source": "ub"}
    await collection.insert_many(
        [{"_id": "pet", "entries": {"UB-1": entry | {"active": True}}}, {"_id": "index-built"}]
    )
    index = NameIndex(collection)
    assert not await index.built()
    await index.rebuild([_entry("UB-1", "petit", "jules")])
    assert await index.built()
    assert await collection.find_one({"_id": "pet"}) is None
    assert [e.first for e in await index.entries("pet")] == ["jules"]
    assert await collection.count_documents({}) == 2 + 1  # "pet", "jul", and BUILT
    assert await collection.find_one({"_id": BUILT}) is not None

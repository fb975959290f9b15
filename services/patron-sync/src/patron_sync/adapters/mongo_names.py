"""The name index of one collection: a desk search reads one prefix range of ``_id``.

FerretDB uses no secondary index (docs/architecture.md, "FerretDB v1 in practice"): a regex on
``name_keys`` decoded every account of the collection (3,000 network accounts: 0.4 s per search).
The index keeps one small document per account and bucket (the first three letters of a name key,
which every search term has): ``{"_id": "mar/<account id>", ...}``, the bucket percent-encoded.
A search reads its term's bucket as the range ``"mar/" <= _id < "mar0"`` (MongoDB's ``_id``
index; FerretDB's through the project's patch, ``infra/ferretdb/sqlite-id-index.toml``), and a
writer inserts, replaces or deletes only the documents of the accounts it writes.

An earlier layout kept one document per bucket holding all its entries: at 100,000 network
accounts the 79 buckets of the generated names held 1.25 MB each, and every batch of a feed
rewrote all of them (FerretDB, like WiredTiger, writes a changed document whole), so loading a
feed took time quadratic in its size. :data:`BUILT` names the layout: a store written in the
earlier one is rebuilt at start-up.
"""

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote

from pymongo import DeleteOne, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from patron_sync.adapters.mongo_common import Document
from patron_sync.domain.search import MIN_SEARCH_LETTERS, NameEntry, name_bucket
from rebub_shared.mongo import DUPLICATE_KEY, write_in_chunks

#: The document saying the index was built from its collection, in this layout (it has no "/",
#: so no bucket's range reads it).
BUILT = "index-built-entries"


def _bucket_prefix(bucket: str) -> str:
    # Percent-encoded: letters and digits as they are, anything else (a space, "ø", "/") as %XX,
    # so that the prefix is plain ASCII and "/" ends it.
    return quote(bucket, safe="")


def _id(bucket: str, account_id: str) -> str:
    return f"{_bucket_prefix(bucket)}/{account_id}"


def _buckets(keys: Iterable[str]) -> set[str]:
    return {name_bucket(k) for k in keys if len(k) >= MIN_SEARCH_LETTERS}


def _docs(entry: NameEntry) -> list[Document]:
    """The entry's documents, one per bucket its keys fall in."""
    fields = {
        "id": entry.account_id,
        "keys": list(entry.keys),
        "last": entry.last,
        "first": entry.first,
        "source": entry.source,
        "active": entry.active,
    }
    return [{"_id": _id(b, entry.account_id)} | fields for b in sorted(entry.buckets)]


def _entry(doc: Document) -> NameEntry:
    return NameEntry(
        doc["id"], tuple(doc["keys"]), doc["last"], doc["first"], doc["source"], doc["active"]
    )


class NameIndex:
    """Entries of :class:`NameEntry` in ``collection``, for the accounts of another collection."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def entries(self, bucket: str) -> list[NameEntry]:
        """Every entry of ``bucket`` (one read of a range of ``_id``)."""
        prefix = _bucket_prefix(bucket)
        cursor = self.collection.find({"_id": {"$gte": f"{prefix}/", "$lt": f"{prefix}0"}})
        return [_entry(doc) async for doc in cursor]

    async def update(
        self, entries: Sequence[NameEntry], previous: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        """Index ``entries``; ``previous`` (account id -> its former name keys, for changed or
        removed accounts) drops them from the buckets they no longer fall in. The accounts
        indexed before are deleted and replaced in ordered bulk writes, the new ones inserted
        in one write."""
        previous = previous or {}
        now_in = {e.account_id: e.buckets for e in entries}
        gone = [
            DeleteOne({"_id": _id(bucket, account_id)})
            for account_id, keys in previous.items()
            for bucket in sorted(_buckets(keys) - now_in.get(account_id, set()))
        ]
        known = [d for e in entries if e.account_id in previous for d in _docs(e)]
        await write_in_chunks(
            self.collection,
            [*gone, *(ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in known)],
        )
        await self._insert([d for e in entries if e.account_id not in previous for d in _docs(e)])

    async def _insert(self, docs: list[Document]) -> None:
        """Insert new entries in one ordered write; from the first one already there (a batch
        delivered again) on, the rest are replaced instead."""
        if not docs:
            return
        try:
            await self.collection.insert_many(docs, ordered=True)
        except BulkWriteError as error:
            failed = error.details.get("writeErrors", [])
            if len(failed) != 1 or failed[0].get("code") != DUPLICATE_KEY:
                raise
            rest = docs[failed[0]["index"] :]
            await write_in_chunks(
                self.collection, [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in rest]
            )

    async def built(self) -> bool:
        return await self.collection.find_one({"_id": BUILT}) is not None

    async def rebuild(self, entries: Iterable[NameEntry]) -> None:
        """Index every account of the collection (a store written before the index existed, or
        in its earlier layout)."""
        await self.collection.delete_many({})
        docs = [d for entry in entries for d in _docs(entry)]
        for start in range(0, len(docs), 1000):
            await self.collection.insert_many(docs[start : start + 1000], ordered=True)
        await self.collection.insert_one({"_id": BUILT})

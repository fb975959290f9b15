"""The name index of one collection: a desk search is one read by ``_id``.

FerretDB uses no secondary index (docs/architecture.md, "FerretDB v1 in practice"): a regex on
``name_keys`` decoded every account of the collection (3,000 network accounts: 0.4 s per search).
The index keeps one document per bucket (the first three letters of a name key, which every search
term has), ``{"_id": "mar", "entries": {<account id>: {...}}}``: a search reads its term's bucket by
``_id`` (the patched, indexed path), a few hundred small entries at most. Writers set and unset
single entries (``$set``/``$unset`` of ``entries.<id>``), never rewriting a bucket from a read.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from patron_sync.adapters.mongo_common import Document
from patron_sync.domain.search import MIN_SEARCH_LETTERS, NameEntry, name_bucket

#: The document saying the index was built from its collection (a bucket ``_id`` is 3 characters).
BUILT = "index-built"


def _field(account_id: str) -> str:
    # A field name may hold neither "." nor a leading "$": escape them (and the escape itself).
    escaped = account_id.replace("%", "%25").replace(".", "%2E").replace("$", "%24")
    return f"entries.{escaped}"


def _entry_doc(entry: NameEntry) -> Document:
    return {
        "id": entry.account_id,
        "keys": list(entry.keys),
        "last": entry.last,
        "first": entry.first,
        "source": entry.source,
        "active": entry.active,
    }


def _entry(doc: Document) -> NameEntry:
    return NameEntry(
        doc["id"], tuple(doc["keys"]), doc["last"], doc["first"], doc["source"], doc["active"]
    )


class NameIndex:
    """Buckets of :class:`NameEntry` in ``collection``, for the accounts of another collection."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def entries(self, bucket: str) -> list[NameEntry]:
        """Every entry of ``bucket`` (one read by ``_id``)."""
        doc = await self.collection.find_one({"_id": bucket})
        return [_entry(e) for e in (doc or {}).get("entries", {}).values()]

    async def update(
        self, entries: Sequence[NameEntry], previous: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        """Index ``entries``; ``previous`` (account id -> its former name keys, for changed or
        removed accounts) drops them from the buckets they no longer fall in. One write per
        bucket touched."""
        sets: dict[str, Document] = defaultdict(dict)
        unsets: dict[str, Document] = defaultdict(dict)
        now_in = {e.account_id: e.buckets for e in entries}
        for account_id, keys in (previous or {}).items():
            old = {name_bucket(k) for k in keys if len(k) >= MIN_SEARCH_LETTERS}
            for bucket in old - now_in.get(account_id, set()):
                unsets[bucket][_field(account_id)] = ""
        for entry in entries:
            for bucket in entry.buckets:
                sets[bucket][_field(entry.account_id)] = _entry_doc(entry)
        for bucket in sorted(sets.keys() | unsets.keys()):
            change: Document = {}
            if sets.get(bucket):
                change["$set"] = sets[bucket]
            if unsets.get(bucket):
                change["$unset"] = unsets[bucket]
            await self._upsert(bucket, change)

    async def _upsert(self, bucket: str, change: Document) -> None:
        try:
            await self.collection.update_one({"_id": bucket}, change, upsert=True)
        except DuplicateKeyError:
            # Two desks indexing the first names of a new bucket at once: both upserts try the
            # insert and one loses; the bucket exists now, so the same change is an update.
            await self.collection.update_one({"_id": bucket}, change, upsert=True)

    async def built(self) -> bool:
        return await self.collection.find_one({"_id": BUILT}) is not None

    async def rebuild(self, entries: Iterable[NameEntry]) -> None:
        """Index every account of the collection (a store written before the index existed)."""
        buckets: dict[str, Document] = defaultdict(dict)
        for entry in entries:
            for bucket in entry.buckets:
                buckets[bucket][_field(entry.account_id).removeprefix("entries.")] = _entry_doc(
                    entry
                )
        await self.collection.delete_many({})
        docs = [{"_id": b, "entries": e} for b, e in sorted(buckets.items())]
        for start in range(0, len(docs), 50):
            await self.collection.insert_many(docs[start : start + 50], ordered=True)
        await self.collection.insert_one({"_id": BUILT})

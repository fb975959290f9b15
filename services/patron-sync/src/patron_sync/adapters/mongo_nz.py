"""The network zone's accounts in Mongo, their summaries, and the publications of import
batches in progress.

An import compares every feed record with the stored account; the ``summaries`` collection (one
small document per account: source, fingerprint, absent) lets it read only the accounts that
changed, instead of every account of the feed (100,000 documents of about 4 KB a day). Why not a
``pending`` flag per account: one publication document per batch costs two writes."""

import uuid
from collections.abc import Iterable, Sequence

from pymongo.asynchronous.database import AsyncDatabase

from patron_sync.adapters.mongo_common import Document, insert_all, replace_all
from patron_sync.domain.nz_accounts import AccountSummary, NzAccount
from patron_sync.domain.search import name_keys
from patron_sync.service_layer.unit_of_work import ImportRun, NzStored
from rebub_shared.tenancy import InstitutionCode

ACCOUNTS, SUMMARIES, IMPORTS = "accounts", "summaries", "imports"
#: In ``imports`` (beside one document per source): the summaries were built from the accounts.
SUMMARIES_BUILT = "summaries-built"
PUBLICATIONS = "publications"


def _doc(account: NzAccount) -> Document:
    record = account.record
    return {
        "_id": record.primary_id,
        "source": record.source_institution,
        "version": account.version,
        "name_keys": list(name_keys(record)),
        "account": account.model_dump(mode="json"),
    }


def _account(doc: Document) -> NzAccount:
    return NzAccount.model_validate(doc["account"])


def _summary_doc(account: NzAccount) -> Document:
    summary = AccountSummary.of(account)
    return {
        "_id": account.record.primary_id,
        "source": summary.source,
        "fingerprint": summary.fingerprint,
        "absent": summary.absent,
    }


class MongoNzAccounts:
    """NZ accounts of the network instance's own database."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._accounts = db[ACCOUNTS]
        self._summaries = db[SUMMARIES]
        self._imports = db[IMPORTS]
        self._publications = db[PUBLICATIONS]

    async def ensure_indexes(self) -> None:
        await self._accounts.create_index("name_keys")

    async def get_many(self, primary_ids: Iterable[str]) -> dict[str, NzStored]:
        ids = list(primary_ids)
        found: dict[str, NzStored] = {}
        for start in range(0, len(ids), 1000):
            query = {"_id": {"$in": ids[start : start + 1000]}}
            async for doc in self._accounts.find(query):
                found[doc["_id"]] = NzStored(_account(doc))
        return found

    async def write(self, new: Sequence[NzAccount], changed: Sequence[NzAccount]) -> None:
        await insert_all(self._accounts, [_doc(a) for a in new])
        await replace_all(self._accounts, [_doc(a) for a in changed])
        # After the accounts: a crash in between leaves a summary missing or stale, never ahead.
        await replace_all(self._summaries, [_summary_doc(a) for a in (*new, *changed)])

    async def summaries(self) -> dict[str, AccountSummary]:
        # Counting the two collections to find summaries missing would read both whole on
        # FerretDB v1 (3 s for 20,000 accounts): a marker says they were built, and one lost in
        # a crash is repaired by the import that reads its account (``repair_summaries``).
        if await self._imports.find_one({"_id": SUMMARIES_BUILT}) is None:
            await self._rebuild_summaries()  # a database from before summaries
        return {
            doc["_id"]: AccountSummary(doc["source"], doc["fingerprint"], bool(doc["absent"]))
            async for doc in self._summaries.find({})
        }

    async def repair_summaries(self, accounts: Sequence[NzAccount]) -> None:
        await replace_all(self._summaries, [_summary_doc(a) for a in accounts])

    async def _rebuild_summaries(self) -> None:
        docs = [_summary_doc(_account(doc)) async for doc in self._accounts.find({})]
        await self._summaries.delete_many({})
        await insert_all(self._summaries, docs)
        await self._imports.replace_one({"_id": SUMMARIES_BUILT}, {}, upsert=True)

    async def begin_publication(self, primary_ids: Sequence[str]) -> str:
        token = uuid.uuid4().hex
        await self._publications.insert_one({"_id": token, "ids": list(primary_ids)})
        return token

    async def end_publication(self, token: str) -> None:
        await self._publications.delete_one({"_id": token})

    async def unfinished_publications(self) -> list[tuple[str, list[str]]]:
        return [(doc["_id"], list(doc["ids"])) async for doc in self._publications.find({})]

    async def purge(self, primary_ids: Sequence[str]) -> None:
        if primary_ids:
            query = {"_id": {"$in": list(primary_ids)}}
            await self._summaries.delete_many(query)  # first: a summary never outlives its account
            await self._accounts.delete_many(query)

    async def last_full_import(self, source: InstitutionCode) -> int | None:
        doc = await self._imports.find_one({"_id": source})
        return None if doc is None else int(doc["received"])

    async def record_import(self, run: ImportRun) -> None:
        doc = {"mode": run.mode, "received": run.received, "at": run.at_iso}
        await self._imports.replace_one({"_id": run.source}, doc, upsert=True)

"""The import history in the network instance's database (``import_history``)."""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from patron_sync.domain.import_history import ImportEntry
from rebub_shared.mongo import Document
from rebub_shared.retention_job import delete_in_batches
from rebub_shared.tenancy import InstitutionCode, institution_codes

HISTORY = "import_history"


def _entry(doc: dict[str, Any]) -> ImportEntry:
    return ImportEntry.model_validate({"id": doc.pop("_id")} | doc)


class MongoImportHistory:
    """One document per import, keyed by its id; read newest first."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._history = db[HISTORY]

    async def ensure_indexes(self) -> None:
        await self._history.create_index([("source", 1), ("received_at", -1)])

    async def add(self, entry: ImportEntry) -> None:
        doc = entry.model_dump(mode="python", exclude={"id"})
        if entry.report is not None:
            doc["report"] = entry.report.model_dump(mode="json")
        await self._history.replace_one({"_id": entry.id}, doc, upsert=True)

    async def latest(
        self, source: InstitutionCode | None = None, limit: int = 50
    ) -> list[ImportEntry]:
        query = {} if source is None else {"source": source}
        cursor = self._history.find(query).sort("received_at", -1).limit(limit)
        return [_entry(doc) for doc in await cursor.to_list()]

    async def get(self, import_id: str) -> ImportEntry | None:
        doc = await self._history.find_one({"_id": import_id})
        return None if doc is None else _entry(doc)

    async def last_received(self) -> dict[InstitutionCode, datetime]:
        # One small read per institution (no $group: the store's aggregation is limited).
        last: dict[InstitutionCode, datetime] = {}
        for source in institution_codes():
            doc = await self._history.find_one({"source": source}, sort=[("received_at", -1)])
            if doc is not None:
                last[source] = doc["received_at"]
        return last

    async def purge_before(self, before: datetime) -> int:
        return await delete_in_batches(self._history, {"received_at": {"$lt": before}})

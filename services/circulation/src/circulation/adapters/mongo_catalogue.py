"""Items and patrons in MongoDB (or FerretDB v1).

Items: one document per barcode, the outbox of its staff status changes inside it (a load
updates the catalogue's fields in one upsert, never replaces the document nor reads it first: a
pending event stays, and a status the load does not name is never touched). Patrons: the newest snapshot from ``{inst}.patron.v1`` (kept only
if its version is higher) and circulation's own ``suspended_until`` (an ISO day, raised with
``$max``), in one document per primary id; card barcodes indexed for the desk's scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from circulation.domain import Item, ItemStatusChanged, LoadedItem
from circulation.domain.vocabulary import InstitutionCode, ItemStatus
from circulation.service_layer.errors import ConcurrentUpdateError
from circulation.service_layer.ports import PatronRecord
from rebub_shared.contracts.patrons import IzPatron
from rebub_shared.mongo import Document, write_in_chunks
from rebub_shared.topics import Topics

from .item_events import outbox_fields
from .patron_records import patron_record


class MongoItemRepository:
    def __init__(self, collection: AsyncCollection[Document], topics: Topics) -> None:
        self._items = collection
        self._topics = topics
        self.written: list[str] = []
        self.as_written: dict[str, Document] = {}

    async def get(self, institution: InstitutionCode, barcode: str) -> Item | None:
        query = {"_id": barcode, "institution": institution}
        doc = await self._items.find_one(query, {"outbox": 0})
        return _item(doc) if doc else None

    async def get_many(
        self, institution: InstitutionCode, barcodes: Sequence[str]
    ) -> dict[str, Item]:
        query = {"_id": {"$in": list(barcodes)}, "institution": institution}
        return {doc["_id"]: _item(doc) async for doc in self._items.find(query, {"outbox": 0})}

    async def load_many(self, institution: InstitutionCode, items: Sequence[LoadedItem]) -> int:
        writes = [_load(item) for item in items if item.institution == institution]
        if writes:
            await write_in_chunks(self._items, writes)
        return len(writes)

    async def items_in_transit(self, institution: InstitutionCode, library: str) -> list[Item]:
        query = {"institution": institution, "status": ItemStatus.IN_TRANSIT.value}
        found = self._items.find(query | {"library": library}, {"outbox": 0}).sort("_id")
        return [_item(doc) async for doc in found]

    async def set_statuses(
        self, institution: InstitutionCode, statuses: dict[str, ItemStatus]
    ) -> None:
        writes = [
            UpdateOne(
                {"_id": barcode, "institution": institution}, {"$set": {"status": status.value}}
            )
            for barcode, status in statuses.items()
        ]
        if writes:
            await write_in_chunks(self._items, writes)

    async def change_status(self, institution: InstitutionCode, event: ItemStatusChanged) -> None:
        # Guarded by the status and version read: a return or a desk meanwhile is a conflict.
        earlier = event.status_version - 1
        versions: list[Document] = [{"status_version": earlier}]
        if earlier == 0:
            versions.append({"status_version": {"$exists": False}})  # loaded before versions
        guard = {
            "_id": event.barcode,
            "institution": institution,
            "status": event.previous_status.value,
            "$or": versions,
        }
        fields = {"status": event.status.value, "status_version": event.status_version}
        update = {"$set": fields | outbox_fields(event, self._topics)}
        doc = await self._items.find_one_and_update(
            guard, update, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise ConcurrentUpdateError("barcode", event.barcode, "changed since it was read")
        self.written.append(event.barcode)
        self.as_written[event.barcode] = doc  # the relay publishes it without a read


def _load(item: LoadedItem) -> UpdateOne:
    """One upsert that sets only what the load names: no read, so a return or a staff change
    between a read and this write cannot be undone by it."""
    fields = item.model_dump(mode="json", exclude={"barcode", "status"})
    if item.status is not None:
        return UpdateOne(
            {"_id": item.barcode}, {"$set": fields | {"status": item.status.value}}, upsert=True
        )
    new = {"status": ItemStatus.AVAILABLE.value}
    return UpdateOne({"_id": item.barcode}, {"$set": fields, "$setOnInsert": new}, upsert=True)


def _item(doc: Document) -> Item:
    return Item.model_validate({**doc, "barcode": doc["_id"]})


async def ensure_item_indexes(items: AsyncCollection[Document]) -> None:
    """A library's items in transit are listed at its desk."""
    await items.create_index([("status", 1), ("library", 1)])


async def ensure_patron_indexes(patrons: AsyncCollection[Document]) -> None:
    """Card barcodes are searched at the desk."""
    await patrons.create_index("barcodes")


class MongoPatronRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._patrons = collection

    async def find(self, institution: InstitutionCode, ref: str) -> PatronRecord | None:
        query = {"institution": institution, "$or": [{"_id": ref}, {"barcodes": ref}]}
        doc = await self._patrons.find_one(query)
        if doc is None or "snapshot" not in doc:
            return None
        until = doc.get("suspended_until")
        snapshot = IzPatron.model_validate(doc["snapshot"])
        return patron_record(snapshot, date.fromisoformat(until) if until else None)

    async def forget(self, institution: InstitutionCode, patron_id: str) -> None:
        await self._patrons.delete_one({"_id": patron_id, "institution": institution})

    async def record_snapshot(self, institution: InstitutionCode, snapshot: IzPatron) -> bool:
        older = [
            {"snapshot_version": {"$exists": False}},
            {"snapshot_version": {"$lt": snapshot.version}},
        ]
        fields = {
            "institution": institution,
            "snapshot": snapshot.model_dump(mode="json"),
            "barcodes": snapshot.barcodes,
            "snapshot_version": snapshot.version,
        }
        try:
            await self._patrons.update_one(
                {"_id": snapshot.primary_id, "$or": older}, {"$set": fields}, upsert=True
            )
        except DuplicateKeyError:
            return False  # a newer (or the same) version is stored: this one is stale
        return True

    async def extend_suspension(
        self, institution: InstitutionCode, patron_id: str, until: date
    ) -> None:
        # ISO days sort as text, so $max keeps the longer suspension, in one atomic write.
        await self._patrons.update_one(
            {"_id": patron_id},
            {"$max": {"suspended_until": until.isoformat()}, "$set": {"institution": institution}},
            upsert=True,
        )

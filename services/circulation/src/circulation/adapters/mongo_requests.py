"""Requests in MongoDB (or FerretDB v1): one document per request, its outbox inside it;
writes guarded by the request's version. Indexed by item (queues) and by patron (the tab)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from circulation.domain.requests import Request, RequestStatus, RequestTask
from circulation.domain.vocabulary import InstitutionCode
from circulation.service_layer.errors import ConcurrentUpdateError
from rebub_shared.mongo import Document
from rebub_shared.topics import Topics

from .mongo_documents import nested
from .request_events import outbox_fields


async def ensure_request_indexes(requests: AsyncCollection[Document]) -> None:
    await requests.create_index([("item_barcode", 1), ("status", 1)])
    await requests.create_index("patron_id")


def _state(request: Request) -> Document:
    state = request.model_dump(exclude={"pending_events", "request_id"})
    expiry = request.hold_shelf_expiry  # BSON has no plain day: an ISO day
    state["hold_shelf_expiry"] = expiry.isoformat() if expiry else None
    return state


def _request(doc: Document) -> Request:
    return Request.model_validate({**doc, "request_id": doc["_id"]})


class MongoRequestRepository:
    def __init__(self, collection: AsyncCollection[Document], topics: Topics) -> None:
        self._requests = collection
        self._topics = topics
        self.written: list[str] = []
        self.as_written: dict[str, Document] = {}

    async def add(self, institution: InstitutionCode, request: Request) -> None:
        fields = outbox_fields(request, self._topics)
        doc = {"_id": request.request_id, **_state(request), **nested(fields)}
        await self._requests.insert_one(doc)
        self._written(request, doc)

    async def save(self, institution: InstitutionCode, request: Request) -> None:
        expected = request.saved_version
        update = {"$set": {**_state(request), **outbox_fields(request, self._topics)}}
        guard = {"_id": request.request_id, "version": expected}  # _id only: FerretDB's index
        doc = await self._requests.find_one_and_update(
            guard, update, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise ConcurrentUpdateError(
                "request_id", request.request_id, "changed since it was read"
            )
        self._written(request, doc)

    def _written(self, request: Request, doc: Document) -> None:
        request.pending_events = []
        self.written.append(request.request_id)
        self.as_written[request.request_id] = doc  # the relay publishes it without a read

    async def get(self, institution: InstitutionCode, request_id: str) -> Request | None:
        doc = await self._requests.find_one({"_id": request_id, "institution": institution})
        return _request(doc) if doc else None

    async def active_for_items(
        self, institution: InstitutionCode, barcodes: Sequence[str]
    ) -> dict[str, list[Request]]:
        query = {
            "institution": institution,
            "item_barcode": {"$in": list(barcodes)},
            "status": RequestStatus.ACTIVE.value,
        }
        found: dict[str, list[Request]] = {}
        for doc in await self._requests.find(query, {"outbox": 0}).to_list(length=None):
            found.setdefault(doc["item_barcode"], []).append(_request(doc))
        return found

    async def with_task(
        self, institution: InstitutionCode, tasks: Sequence[RequestTask], status: RequestStatus
    ) -> list[Request]:
        query = {
            "institution": institution,
            "status": status.value,
            "task": {"$in": [t.value for t in tasks]},
        }
        docs = await self._requests.find(query, {"outbox": 0}).to_list(length=None)
        return [_request(doc) for doc in docs]

    async def for_patron(self, institution: InstitutionCode, patron_id: str) -> list[Request]:
        query = {"institution": institution, "patron_id": patron_id}
        docs = await self._requests.find(query, {"outbox": 0}).to_list(length=None)
        return [_request(doc) for doc in docs]

    async def anonymise(
        self,
        institution: InstitutionCode,
        *,
        placed_before: datetime | None = None,
        patron_id: str | None = None,
    ) -> int:
        query: Document = {"institution": institution, "patron_id": {"$ne": None}}
        if placed_before is not None:
            query |= {"status": {"$ne": RequestStatus.ACTIVE.value}}
            query["placed_at"] = {"$lt": placed_before}
        if patron_id is not None:
            query["patron_id"] = patron_id
        change = {"$set": {"patron_id": None}, "$inc": {"version": 1}}
        return (await self._requests.update_many(query, change)).modified_count

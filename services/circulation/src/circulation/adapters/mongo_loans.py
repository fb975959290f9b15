"""Loans in MongoDB (or FerretDB v1): one document per loan, its outbox inside it.

``item_slot`` is the item's barcode while the loan is open and ``closed:{loan_id}`` after: a
plain unique index on it (partial indexes are not available on FerretDB v1) stops two open loans
of one item. Writes are guarded by the loan's version (optimistic concurrency).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from circulation.domain import Loan
from circulation.domain.vocabulary import InstitutionCode
from circulation.service_layer.errors import ConcurrentUpdateError, ItemOnLoanError
from circulation.service_layer.ports import ANONYMOUS, StoredLoan
from rebub_shared.mongo import Document
from rebub_shared.topics import Topics

from .batches import save_each
from .loan_events import anonymised_outbox, outbox_fields
from .mongo_documents import nested

_DESK_FIELDS = ("circ_desk", "session_id", "return_desk", "return_session_id")
# A loan written back from the loan-state topic (``restore``), not by a command: only such a
# loan is brought up to date or removed by what the topic says later (a rebuild reads it whole).
RESTORED = "restored_from_topic"
_RESTORE_FIELDS = {"version": 1, "is_open": 1, RESTORED: 1}


async def ensure_loan_indexes(loans: AsyncCollection[Document]) -> None:
    """The indexes the loan queries use."""
    await loans.create_index("item_slot", unique=True)
    await loans.create_index([("patron_id", ASCENDING), ("is_open", ASCENDING)])
    await loans.create_index([("item_barcode", ASCENDING), ("loaned_at", ASCENDING)])
    await loans.create_index([("is_open", ASCENDING), ("due_at", ASCENDING)])
    await loans.create_index([("is_open", ASCENDING), ("closed_at", ASCENDING)])


def _state(stored: StoredLoan) -> Document:
    loan = stored.loan
    state = loan.model_dump(exclude={"pending_events", "loan_id"})
    state.update({name: getattr(stored, name) for name in _DESK_FIELDS})
    state["is_open"] = loan.is_open
    state["item_slot"] = loan.item_barcode if loan.is_open else f"closed:{loan.loan_id}"
    if not loan.is_open:  # when the loan left the account: the retention job counts from it
        last = loan.pending_events[-1].occurred_at if loan.pending_events else None
        state["closed_at"] = loan.returned_at or last
    return state


def _stored(doc: Document) -> StoredLoan:
    loan = Loan.model_validate({**doc, "loan_id": doc["_id"]})
    desk = {name: doc.get(name) for name in _DESK_FIELDS}
    return StoredLoan(loan, **desk, notes=list(doc.get("notes", [])))


def _update(
    stored: StoredLoan, institution: InstitutionCode, topics: Topics
) -> tuple[Document, Document]:
    """The versioned write of a changed loan with its outbox (notes are never overwritten)."""
    loan = stored.loan
    expected = loan.saved_version
    # The database is the tenant's own: ``_id`` and ``version`` are the whole guard (an extra
    # field would make FerretDB v1 scan the collection instead of using the ``_id`` index).
    guard = {"_id": loan.loan_id, "version": expected}
    return guard, {"$set": {**_state(stored), **outbox_fields(stored, topics)}}


class MongoLoanRepository:
    def __init__(self, collection: AsyncCollection[Document], topics: Topics) -> None:
        self._loans = collection
        self._topics = topics
        self.written: list[str] = []
        self.as_written: dict[str, Document] = {}

    async def add(self, institution: InstitutionCode, stored: StoredLoan) -> None:
        loan = stored.loan
        doc = {
            "_id": loan.loan_id,
            **_state(stored),
            **nested(outbox_fields(stored, self._topics)),
        }
        try:
            await self._loans.insert_one(doc)
        except DuplicateKeyError as error:
            raise ItemOnLoanError("item_barcode", loan.item_barcode, "already on loan") from error
        self._written(stored, doc)

    async def save(self, institution: InstitutionCode, stored: StoredLoan) -> None:
        loan = stored.loan
        # The outbox as written comes back with the write: the relay publishes it without a read
        # (the whole document: FerretDB v1 has no projection in ``findAndModify``).
        doc = await self._loans.find_one_and_update(
            *_update(stored, institution, self._topics),
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise ConcurrentUpdateError("loan_id", loan.loan_id, "changed since it was read")
        self._written(stored, doc)

    def _written(self, stored: StoredLoan, doc: Document) -> None:
        stored.loan.pending_events = []  # now in the document's outbox
        self.written.append(stored.loan.loan_id)
        self.as_written[stored.loan.loan_id] = doc

    async def get(self, institution: InstitutionCode, loan_id: str) -> StoredLoan | None:
        doc = await self._loans.find_one({"_id": loan_id, "institution": institution})
        return _stored(doc) if doc else None

    async def open_for_patron(
        self, institution: InstitutionCode, patron_id: str, item_barcode: str | None = None
    ) -> tuple[list[StoredLoan], StoredLoan | None]:
        wanted: list[Document] = [{"patron_id": patron_id, "is_open": True}]
        if item_barcode is not None:
            wanted.append({"item_slot": item_barcode})
        mine, item_loan = [], None
        async for doc in self._loans.find({"institution": institution, "$or": wanted}):
            stored = _stored(doc)
            if stored.loan.is_open and stored.loan.patron_id == patron_id:
                mine.append(stored)
            if doc["item_slot"] == item_barcode:
                item_loan = stored
        return mine, item_loan

    async def open_for_item(self, institution: InstitutionCode, barcode: str) -> StoredLoan | None:
        doc = await self._loans.find_one({"institution": institution, "item_slot": barcode})
        return _stored(doc) if doc else None

    async def move_to_patron(self, institution: InstitutionCode, from_id: str, to_id: str) -> int:
        result = await self._loans.update_many(
            {"institution": institution, "patron_id": from_id},
            {"$set": {"patron_id": to_id}, "$inc": {"version": 1}},
        )
        return result.modified_count

    async def save_many(
        self, institution: InstitutionCode, stored: Sequence[StoredLoan]
    ) -> set[str]:
        return await save_each(self.save, institution, stored)

    async def open_for_items(
        self, institution: InstitutionCode, barcodes: Sequence[str]
    ) -> dict[str, StoredLoan]:
        query = {"institution": institution, "item_slot": {"$in": list(barcodes)}}
        docs = await self._loans.find(query, {"outbox": 0}).to_list(length=None)
        return {doc["item_slot"]: _stored(doc) for doc in docs}

    async def open_due_before(
        self, institution: InstitutionCode, before: datetime
    ) -> list[StoredLoan]:
        query = {"institution": institution, "is_open": True, "due_at": {"$lt": before}}
        return await self._find(query)

    async def closed_for_patron(
        self, institution: InstitutionCode, patron_id: str, since: datetime
    ) -> list[StoredLoan]:
        query = {
            "institution": institution,
            "patron_id": patron_id,
            "is_open": False,
            "closed_at": {"$gte": since},
        }
        return await self._find(query)

    async def for_item(
        self, institution: InstitutionCode, barcode: str, since: datetime
    ) -> list[StoredLoan]:
        recent = [{"is_open": True}, {"loaned_at": {"$gte": since}}, {"closed_at": {"$gte": since}}]
        return await self._find(
            {"institution": institution, "item_barcode": barcode, "$or": recent}
        )

    async def restore(self, institution: InstitutionCode, stored: StoredLoan) -> bool:
        loan = stored.loan
        found = await self._loans.find_one({"_id": loan.loan_id}, _RESTORE_FIELDS)
        state = {**_state(stored), RESTORED: True}
        if found is None:
            try:
                await self._loans.insert_one({"_id": loan.loan_id, **state})
            except DuplicateKeyError:  # another open loan of the item: the store's is newer
                return False
            return True
        if not (found.get(RESTORED) and found["is_open"] and found["version"] < loan.version):
            return False
        guard = {"_id": loan.loan_id, "version": found["version"]}
        return (await self._loans.update_one(guard, {"$set": state})).modified_count == 1

    async def forget_restored(self, institution: InstitutionCode, loan_id: str) -> bool:
        found = await self._loans.find_one({"_id": loan_id}, _RESTORE_FIELDS)
        if found is None or not (found.get(RESTORED) and found["is_open"]):
            return False
        guard = {"_id": loan_id, "version": found["version"]}
        return (await self._loans.delete_one(guard)).deleted_count == 1

    async def add_note(self, institution: InstitutionCode, loan_id: str, note: str) -> bool:
        result = await self._loans.update_one(
            {"_id": loan_id, "institution": institution}, {"$push": {"notes": note}}
        )
        return result.matched_count == 1

    async def anonymise_closed_before(self, institution: InstitutionCode, before: datetime) -> int:
        result = await self._loans.update_many(
            {
                "institution": institution,
                "is_open": False,
                "closed_at": {"$lt": before},
                "patron_id": {"$ne": ANONYMOUS},
            },
            {
                "$set": {
                    "patron_id": ANONYMOUS,
                    "session_id": None,
                    "return_session_id": None,
                    "notes": [],
                }
            },
        )
        return result.modified_count

    async def anonymise_patron(
        self, institution: InstitutionCode, patron_id: str, at: datetime
    ) -> int:
        # One versioned write per loan, with its announcement in the loan's outbox (the same
        # write: a crash cannot anonymise a loan without telling the other institutions).
        query = {"institution": institution, "patron_id": patron_id}
        changed = 0
        for doc in await self._loans.find(query).to_list(length=None):
            version = int(doc["version"])
            waiting = doc.pop("outbox", None) or {}  # what it has not published yet goes first
            anonymised = _stored(doc | {"patron_id": ANONYMOUS, "version": version + 1})
            after = max((e.get("seq", 0) for e in waiting.values()), default=0)
            outbox = anonymised_outbox(anonymised, self._topics, at, max(after, version) + 1)
            written = await self._loans.find_one_and_update(
                {"_id": doc["_id"], "version": version},
                {"$set": {"patron_id": ANONYMOUS, "notes": [], "version": version + 1, **outbox}},
                return_document=ReturnDocument.AFTER,
            )
            if written is None:
                raise ConcurrentUpdateError("loan_id", doc["_id"], "changed since it was read")
            self.written.append(doc["_id"])
            self.as_written[doc["_id"]] = written
            changed += 1
        return changed

    async def _find(self, query: Document) -> list[StoredLoan]:
        # Read all first: no cursor stays open while the caller writes (FerretDB v1).
        docs = await self._loans.find(query, {"outbox": 0}).to_list(length=None)
        return [_stored(doc) for doc in docs]

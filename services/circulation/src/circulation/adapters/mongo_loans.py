"""Loans in MongoDB (or FerretDB v1): one document per loan, its outbox inside it.

``item_slot`` is the item's barcode while the loan is open and ``closed:{loan_id}`` after: a
plain unique index on it (partial indexes are not available on FerretDB v1) stops two open loans
of one item. Writes are guarded by the loan's version (optimistic concurrency).
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from circulation.domain import Loan
from circulation.domain.vocabulary import InstitutionCode
from circulation.service_layer.errors import ConcurrentUpdateError, ItemOnLoanError
from circulation.service_layer.ports import StoredLoan
from rebub_shared.mongo import Document
from rebub_shared.topics import Topics

from .loan_events import outbox_fields

_DESK_FIELDS = ("circ_desk", "session_id", "return_desk")


async def ensure_loan_indexes(loans: AsyncCollection[Document]) -> None:
    """The indexes the loan queries use."""
    await loans.create_index("item_slot", unique=True)
    await loans.create_index([("patron_id", ASCENDING), ("is_open", ASCENDING)])


def _state(stored: StoredLoan) -> Document:
    loan = stored.loan
    state = loan.model_dump(exclude={"pending_events", "loan_id"})
    state.update({name: getattr(stored, name) for name in _DESK_FIELDS})
    state["is_open"] = loan.is_open
    state["item_slot"] = loan.item_barcode if loan.is_open else f"closed:{loan.loan_id}"
    return state


def _stored(doc: Document) -> StoredLoan:
    loan = Loan.model_validate({**doc, "loan_id": doc["_id"]})
    return StoredLoan(loan, **{name: doc.get(name) for name in _DESK_FIELDS})


def _nested(fields: dict[str, Any]) -> Document:
    """``outbox_set`` gives ``$set`` paths (``outbox.<id>``); an insert wants the nested map."""
    out: Document = {}
    for path, value in fields.items():
        head, _, rest = path.partition(".")
        if rest:
            out.setdefault(head, {})[rest] = value
        else:
            out[head] = value
    return out


class MongoLoanRepository:
    def __init__(self, collection: AsyncCollection[Document], topics: Topics) -> None:
        self._loans = collection
        self._topics = topics
        self.written: list[str] = []

    async def add(self, institution: InstitutionCode, stored: StoredLoan) -> None:
        loan = stored.loan
        doc = {
            "_id": loan.loan_id,
            **_state(stored),
            **_nested(outbox_fields(stored, self._topics)),
        }
        try:
            await self._loans.insert_one(doc)
        except DuplicateKeyError as error:
            raise ItemOnLoanError("item_barcode", loan.item_barcode, "already on loan") from error
        self._written(stored)

    async def save(self, institution: InstitutionCode, stored: StoredLoan) -> None:
        loan = stored.loan
        expected = loan.version - len(loan.pending_events)
        update = {"$set": {**_state(stored), **outbox_fields(stored, self._topics)}}
        guard = {"_id": loan.loan_id, "institution": institution, "version": expected}
        result = await self._loans.update_one(guard, update)
        if result.matched_count == 0:
            raise ConcurrentUpdateError("loan_id", loan.loan_id, "changed since it was read")
        self._written(stored)

    def _written(self, stored: StoredLoan) -> None:
        stored.loan.pending_events = []  # now in the document's outbox
        self.written.append(stored.loan.loan_id)

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

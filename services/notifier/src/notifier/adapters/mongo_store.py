"""The store in MongoDB (FerretDB v1 locally): one collection per kind of document.

Only single-document atomic writes, plain indexes and simple queries (FerretDB v1 has no
transactions, arrayFilters or partial indexes). Idempotency keys are the ``_id`` of
``letter_keys``: the unique index every store has. State changes are compare-and-set on the state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from rebub_shared.outbox import outbox_set

from ..domain import Channel, Letter, LoanInChain, PatronContact
from ..service_layer.ports import Outgoing
from ..service_layer.records import LetterRecord, LetterState, Report
from .documents import (
    Doc,
    letter_to_doc,
    loan_from_doc,
    loan_to_doc,
    patron_from_doc,
    patron_to_doc,
    record_from_doc,
    report_from_doc,
    report_to_doc,
)

PENDING, SENDING = LetterState.PENDING.value, LetterState.SENDING.value


class MongoStore:
    """One institution's notifier database."""

    def __init__(self, db: AsyncDatabase[Doc], institution: str) -> None:
        self.institution = institution
        self.db = db
        self.loans = db["loans"]
        self.patron_docs = db["patrons"]
        self.letters = db["letters"]
        self.keys = db["letter_keys"]
        self.report_docs = db["reports"]

    async def prepare(self) -> None:
        await self.loans.create_index("status")
        await self.loans.create_index("patron_id")
        await self.letters.create_index("state")
        await self.letters.create_index("patron_id")
        await self.letters.create_index("loan_ids")
        await self.letters.create_index([("day", 1), ("channel", 1)])

    async def get_loan(self, loan_id: str) -> LoanInChain | None:
        doc = await self.loans.find_one({"_id": loan_id})
        return loan_from_doc(doc) if doc else None

    async def save_loan(self, loan: LoanInChain) -> bool:
        return await _upsert_newer(self.loans, loan_to_doc(loan), "event_version")

    async def active_loans(self) -> list[LoanInChain]:
        return [loan_from_doc(d) async for d in self.loans.find({"status": "active"})]

    async def loans_of_patron(self, patron_id: str) -> list[LoanInChain]:
        return [loan_from_doc(d) async for d in self.loans.find({"patron_id": patron_id})]

    async def save_patron(self, patron: PatronContact, version: int) -> bool:
        doc = patron_to_doc(patron) | {"version": version}
        return await _upsert_newer(self.patron_docs, doc, "version")

    async def patrons(self, patron_ids: Collection[str]) -> dict[str, PatronContact]:
        cursor = self.patron_docs.find({"_id": {"$in": list(patron_ids)}})
        return {d["_id"]: patron_from_doc(d) async for d in cursor}

    async def claimed_keys(self, keys: Collection[str]) -> set[str]:
        cursor = self.keys.find({"_id": {"$in": list(keys)}}, {"_id": 1})
        return {d["_id"] async for d in cursor}

    async def claim_key(self, key: str, letter_id: str) -> bool:
        try:
            await self.keys.insert_one({"_id": key, "letter_id": letter_id})
        except DuplicateKeyError:
            owner = await self.keys.find_one({"_id": key})
            return owner is not None and owner["letter_id"] == letter_id
        return True

    async def record_pending(self, letter: Letter) -> LetterRecord:
        # Recorded already and no longer pending: the upsert collides and the letter stays as is.
        with contextlib.suppress(DuplicateKeyError):
            await self.letters.update_one(
                {"_id": letter.key, "state": PENDING},
                {
                    "$set": _fields(letter_to_doc(letter)),
                    "$setOnInsert": {"state": PENDING, "attempts": 0},
                },
                upsert=True,
            )
        return await self._record(letter.key)

    async def letters_in(self, state: LetterState) -> list[LetterRecord]:
        cursor = self.letters.find({"state": state.value}).sort([("day", -1), ("_id", 1)])
        return [record_from_doc(d) async for d in cursor]

    async def begin_sending(self, letter: Letter, now: datetime) -> bool:
        fields = _fields(letter_to_doc(letter)) | {"state": SENDING, "sending_at": now}
        result = await self.letters.update_one(
            {"_id": letter.key, "state": PENDING}, {"$set": fields}
        )
        return result.modified_count == 1

    async def back_to_pending(self, letter_id: str, error: str) -> None:
        await self.letters.update_one(
            {"_id": letter_id, "state": SENDING},
            {"$set": {"state": PENDING, "last_error": error}, "$inc": {"attempts": 1}},
        )

    async def mark_sent(
        self, letter_id: str, sent_at: datetime, message_id: str | None, event: Outgoing
    ) -> None:
        fields: dict[str, Any] = {"state": "sent", "sent_at": sent_at, "message_id": message_id}
        fields |= outbox_set([event], first_seq=1)
        await self.letters.update_one({"_id": letter_id, "state": SENDING}, {"$set": fields})

    async def mark(self, letter_id: str, state: LetterState, reason: str) -> None:
        await self.letters.update_one(
            {"_id": letter_id}, {"$set": {"state": state.value, "last_error": reason}}
        )

    async def get_letter(self, letter_id: str) -> LetterRecord | None:
        doc = await self.letters.find_one({"_id": letter_id})
        return record_from_doc(doc) if doc else None

    async def printed_batch(self, day: date) -> list[Letter]:
        query = {"day": day.isoformat(), "channel": Channel.POST.value}
        cursor = self.letters.find(query).sort("_id", 1)
        return [record_from_doc(d).letter async for d in cursor if d["state"] in (SENDING, "sent")]

    async def find_letters(
        self, patron_id: str | None = None, loan_id: str | None = None
    ) -> list[LetterRecord]:
        query: dict[str, Any] = {}
        if patron_id is not None:
            query["patron_id"] = patron_id
        if loan_id is not None:
            query["loan_ids"] = loan_id
        cursor = self.letters.find(query).sort("_id", 1)
        return [record_from_doc(d) async for d in cursor]

    async def add_report(self, report: Report) -> None:
        with contextlib.suppress(DuplicateKeyError):  # reported already
            await self.report_docs.insert_one(report_to_doc(report))

    async def reports(self) -> list[Report]:
        return [report_from_doc(d) async for d in self.report_docs.find().sort("_id", 1)]

    async def _record(self, letter_id: str) -> LetterRecord:
        doc = await self.letters.find_one({"_id": letter_id})
        assert doc is not None  # written or found just before
        return record_from_doc(doc)


async def _upsert_newer(collection: Any, doc: Doc, version_field: str) -> bool:
    """Write `doc` unless the stored one has the same or a newer version; True when written."""
    try:
        result = await collection.update_one(
            {"_id": doc["_id"], version_field: {"$lt": doc[version_field]}},
            {"$set": _fields(doc)},
            upsert=True,
        )
    except DuplicateKeyError:
        return False  # a newer version is stored: the filter missed and the insert collided
    return bool(result.modified_count or result.upserted_id is not None)


def _fields(doc: Doc) -> Doc:
    """A document's fields for ``$set`` (``_id`` is immutable)."""
    return {k: v for k, v in doc.items() if k != "_id"}

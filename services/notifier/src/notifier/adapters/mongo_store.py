"""The store in MongoDB (FerretDB v1 locally): one collection per kind of document.

Only single-document atomic writes, plain indexes and simple queries (FerretDB v1 has no
transactions, arrayFilters or partial indexes). Every per-letter operation reads, inserts,
updates or deletes one document by ``_id`` alone: the only filter FerretDB v1 answers from an
index (any other filter, ``{_id, state}`` included, decodes the whole collection). So:
idempotency keys and letters' attempts are the ``_id`` of ``letter_keys`` and
``letter_attempts`` (a claim is an insert, a check a read by ``_id``); the letters not yet
settled are listed in ``open_letters`` (one small document each, removed when settled) rather
than found by a query on the growing ``letters``; a day's printed batch is one document of
``print_batches``. Claimed keys are also noted on the loan (``claimed_keys``), so the pass's one
read of the due loans tells which stages are done. The pass reads only the active loans whose
next stage day (``next_stage_on``, indexed) has come: on MongoDB an index range, whatever the
number of active loans; on FerretDB v1 (no secondary index used) a scan inside the store, but
only the due loans travel and are decoded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from rebub_shared.mongo import write_in_chunks
from rebub_shared.outbox import outbox_set
from rebub_shared.retention_job import delete_in_batches

from ..domain import Letter, LoanInChain, PatronContact
from ..domain.retention import Cutoffs
from ..service_layer.ports import Outgoing
from ..service_layer.records import (
    SETTLED,
    ClaimNote,
    LetterRecord,
    LetterState,
    Report,
    with_waiting_items,
)
from .documents import (
    CLAIMED_KEYS,
    NEXT_STAGE_ON,
    RESTORED,
    UNSCHEDULED,
    Doc,
    attempt_id,
    attempt_ids,
    letter_to_doc,
    loan_from_doc,
    loan_to_doc,
    next_day_field,
    patron_from_doc,
    patron_to_doc,
    record_from_doc,
    report_from_doc,
    report_to_doc,
    restored_doc,
    schedule_fields,
    written_outbox,
)

PENDING, SENDING = LetterState.PENDING.value, LetterState.SENDING.value
OPEN = (PENDING, SENDING)
SETTLED_STATES = sorted(state.value for state in SETTLED)
READ_AHEAD = 8  # reads by _id in flight at once: hides the round trips, not the store's work


class MongoStore:
    """One institution's notifier database."""

    def __init__(self, db: AsyncDatabase[Doc], institution: str) -> None:
        self.institution = institution
        self.db = db
        self.loans = db["loans"]
        self.patron_docs = db["patrons"]
        self.letters = db["letters"]
        self.keys = db["letter_keys"]
        self.attempts = db["letter_attempts"]
        self.open = db["open_letters"]
        self.batches = db["print_batches"]
        self.report_docs = db["reports"]

    async def prepare(self) -> None:
        # For MongoDB: the pass's read of active loans, GET /letters and the activity report.
        await self.loans.create_index("status")
        await self.loans.create_index(NEXT_STAGE_ON)
        await self.loans.create_index("patron_id")
        # Loans stored before the schedule existed: read (and scheduled) by the next pass.
        await self.loans.update_many(
            {NEXT_STAGE_ON: {"$exists": False}, "status": "active"},
            {"$set": {NEXT_STAGE_ON: UNSCHEDULED}},
        )
        await self.letters.create_index("patron_id")
        await self.letters.create_index("loan_ids")

    async def get_loan(self, loan_id: str) -> LoanInChain | None:
        doc = await self.loans.find_one({"_id": loan_id})
        return loan_from_doc(doc) if doc else None

    async def save_loan(self, loan: LoanInChain) -> bool:
        doc = loan_to_doc(loan) | schedule_fields(loan)
        return await _upsert_newer(self.loans, doc, "event_version")

    async def restore_loan(self, loan: LoanInChain, next_day: date | None) -> bool:
        found = await self.loans.find_one({"_id": loan.loan_id}, {RESTORED: 1})
        if found is not None and not found.get(RESTORED):
            return False  # the loan events wrote it: they keep it
        doc = restored_doc(loan, next_day)
        try:
            await self.loans.replace_one({"_id": loan.loan_id}, doc, upsert=True)
        except DuplicateKeyError:
            return False
        return True

    async def forget_restored(self, loan_id: str) -> bool:
        found = await self.loans.find_one({"_id": loan_id}, {RESTORED: 1, "status": 1})
        if found is None or not found.get(RESTORED) or found["status"] != "active":
            return False
        return (await self.loans.delete_one({"_id": loan_id})).deleted_count == 1

    async def active_chain(self) -> tuple[list[LoanInChain], set[str]]:
        loans, claimed = [], set()
        async for doc in self.loans.find({"status": "active"}):
            loans.append(loan_from_doc(doc))
            claimed.update(doc.get(CLAIMED_KEYS, ()))
        return loans, claimed

    async def due_chain(self, today: date) -> tuple[list[LoanInChain], set[str]]:
        loans, claimed = [], set()
        query = {NEXT_STAGE_ON: {"$lte": today.isoformat()}, "status": "active"}
        async for doc in self.loans.find(query):
            loans.append(loan_from_doc(doc))
            claimed.update(doc.get(CLAIMED_KEYS, ()))
        return loans, claimed

    async def schedule(self, next_days: Mapping[str, date | None]) -> None:
        writes = [
            UpdateOne({"_id": loan_id}, {"$set": {NEXT_STAGE_ON: next_day_field(day)}})
            for loan_id, day in next_days.items()
        ]
        if writes:
            await write_in_chunks(self.loans, writes)

    async def loans_of_patron(self, patron_id: str) -> list[LoanInChain]:
        return [loan_from_doc(d) async for d in self.loans.find({"patron_id": patron_id})]

    async def save_patron(self, patron: PatronContact, version: int) -> bool:
        doc = patron_to_doc(patron) | {"version": version}
        return await _upsert_newer(self.patron_docs, doc, "version")

    async def patrons(self, patron_ids: Collection[str]) -> dict[str, PatronContact]:
        return {d["_id"]: patron_from_doc(d) for d in await _by_ids(self.patron_docs, patron_ids)}

    async def forget_patron(self, patron_id: str, *, letters: bool) -> int:
        await self.patron_docs.delete_one({"_id": patron_id})
        if not letters:
            return 0
        theirs = {"patron_id": patron_id}
        gone = await self.letters.find(theirs, {"attempts": 1}).to_list(length=None)
        ids = [d["_id"] for d in gone]
        if ids:  # what points at their letters first: a replay finds the letters again
            await self.keys.delete_many({"letter_id": {"$in": ids}})
            await self.attempts.delete_many({"_id": {"$in": list(attempt_ids(gone))}})
            await self.open.delete_many({"_id": {"$in": ids}})
        await self.loans.delete_many(theirs)
        await self.report_docs.delete_many(theirs)
        return (await self.letters.delete_many(theirs)).deleted_count

    async def claimed_keys(self, keys: Collection[str]) -> set[str]:
        return {d["_id"] for d in await _by_ids(self.keys, keys, {"_id": 1})}

    async def claim_key(self, key: str, letter_id: str) -> bool:
        return await _first_owner(self.keys, key, "letter_id", letter_id)

    async def note_claimed(self, notes: Sequence[ClaimNote]) -> None:
        writes = [
            UpdateOne(
                {"_id": note.loan_id},
                {
                    "$addToSet": {CLAIMED_KEYS: note.key},
                    "$set": {NEXT_STAGE_ON: next_day_field(note.next_day)},
                },
            )
            for note in notes
        ]
        if writes:
            await write_in_chunks(self.loans, writes)

    async def claim_attempt(self, letter_id: str, attempt: int, owner: str) -> bool:
        return await _first_owner(self.attempts, attempt_id(letter_id, attempt), "owner", owner)

    async def attempt_taken(self, letter_id: str, attempt: int) -> bool:
        return await self.attempts.find_one({"_id": attempt_id(letter_id, attempt)}) is not None

    async def list_open(self, letters: Sequence[Letter]) -> None:
        writes = [
            UpdateOne(
                {"_id": letter.key}, {"$setOnInsert": {"day": letter.day.isoformat()}}, upsert=True
            )
            for letter in letters
        ]
        if writes:
            await write_in_chunks(self.open, writes)

    async def record_pending(
        self, letter: Letter, *, keep_waiting: bool = False, listed: bool = False
    ) -> LetterRecord:
        # Listed as open before it exists: a pending letter is never missing from the list.
        if not listed:
            with contextlib.suppress(DuplicateKeyError):
                await self.open.insert_one({"_id": letter.key, "day": letter.day.isoformat()})
        fields = letter_to_doc(letter)
        doc = fields | {"state": PENDING, "attempts": 0}
        try:  # a new letter, the usual case: no read
            await self.letters.insert_one(doc)
            return record_from_doc(doc)
        except DuplicateKeyError:
            stored = await self.letters.find_one({"_id": letter.key})
        assert stored is not None  # it exists: the insert collided
        if stored["state"] != PENDING:
            if stored["state"] not in OPEN:  # settled: listed again just above, by mistake
                await self.open.delete_one({"_id": letter.key})
            return record_from_doc(stored)  # it left (or was settled): it stays as it is
        if keep_waiting:
            fields = letter_to_doc(with_waiting_items(letter, record_from_doc(stored)))
        await self.letters.update_one({"_id": letter.key}, {"$set": _fields(fields)})
        return record_from_doc(stored | fields)

    async def open_letter_ids(self) -> list[str]:
        listed = [(d["day"], d["_id"]) async for d in self.open.find({}, {"day": 1})]
        listed.sort(key=lambda pair: pair[1])
        listed.sort(key=lambda pair: pair[0], reverse=True)
        return [letter_id for _, letter_id in listed]

    async def letters_in(self, state: LetterState) -> list[LetterRecord]:
        found = []
        for letter_id in await self.open_letter_ids():
            record = await self.get_letter(letter_id)
            if record is None or record.state.value not in OPEN:
                await self.open.delete_one({"_id": letter_id})  # settled just before a crash
            elif record.state is state:
                found.append(record)
        return found

    async def begin_sending(self, letter: Letter, now: datetime) -> None:
        fields = _fields(letter_to_doc(letter)) | {"state": SENDING, "sending_at": now}
        await self.letters.update_one({"_id": letter.key}, {"$set": fields})

    async def back_to_pending(self, letter_id: str, error: str) -> None:
        await self.letters.update_one(
            {"_id": letter_id},
            {"$set": {"state": PENDING, "last_error": error}, "$inc": {"attempts": 1}},
        )

    async def mark_sent(
        self, letter_id: str, sent_at: datetime, message_id: str | None, event: Outgoing
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {"state": "sent", "sent_at": sent_at, "message_id": message_id}
        outbox = outbox_set([event], first_seq=1)
        await self.letters.update_one({"_id": letter_id}, {"$set": fields | outbox})
        await self.open.delete_one({"_id": letter_id})
        return written_outbox(outbox)

    async def mark(self, letter_id: str, state: LetterState, reason: str) -> None:
        await self.letters.update_one(
            {"_id": letter_id}, {"$set": {"state": state.value, "last_error": reason}}
        )
        await self.open.delete_one({"_id": letter_id})

    async def get_letter(self, letter_id: str) -> LetterRecord | None:
        doc = await self.letters.find_one({"_id": letter_id})
        return record_from_doc(doc) if doc else None

    async def add_to_batch(self, day: date, letter_ids: Sequence[str]) -> list[str]:
        await self.batches.update_one(
            {"_id": day.isoformat()},
            {"$addToSet": {"letters": {"$each": list(letter_ids)}}},
            upsert=True,
        )
        batch = await self.batches.find_one({"_id": day.isoformat()})
        assert batch is not None  # written just above
        return list(batch["letters"])

    async def remove_from_batch(self, day: date, letter_ids: Sequence[str]) -> list[str]:
        await self.batches.update_one(
            # $pullAll: FerretDB ignores $pull with an $in condition.
            {"_id": day.isoformat()},
            {"$pullAll": {"letters": list(letter_ids)}},
        )
        batch = await self.batches.find_one({"_id": day.isoformat()})
        if batch is not None and not batch["letters"]:
            await self.batches.delete_one({"_id": day.isoformat(), "letters": []})
        return [] if batch is None else list(batch["letters"])

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

    # The retention (``notifier.domain.retention``): each in bounded batches, what depends on a
    # record (attempts, keys) deleted before it. Instants are UTC ISO strings: they compare in
    # time order as strings.

    async def purge_letters(self, cut: Cutoffs) -> list[str]:
        patrons: list[str] = []

        async def attempts_first(docs: list[Doc]) -> None:
            ids = [f"{d['_id']}#{n}" for d in docs for n in range(d.get("attempts", 0) + 1)]
            await self.attempts.delete_many({"_id": {"$in": ids}})
            patrons.extend(d["patron_id"] for d in docs)

        query = {"state": {"$in": SETTLED_STATES}, "day": {"$lt": cut.letters_before.isoformat()}}
        projection = {"attempts": 1, "patron_id": 1}
        await delete_in_batches(
            self.letters, query, projection=projection, before_delete=attempts_first
        )
        return patrons

    async def batch_days_before(self, day: date) -> list[date]:
        found = self.batches.find({"_id": {"$lt": day.isoformat()}}, {"_id": 1}).sort("_id", 1)
        return [date.fromisoformat(d["_id"]) async for d in found]

    async def drop_batch(self, day: date) -> None:
        await self.batches.delete_one({"_id": day.isoformat()})

    async def purge_ended_loans(self, cut: Cutoffs) -> list[str]:
        patrons: list[str] = []

        async def keys_first(docs: list[Doc]) -> None:
            keys = [key for d in docs for key in d.get(CLAIMED_KEYS, ())]
            await self.keys.delete_many({"_id": {"$in": keys}})
            patrons.extend(d["patron_id"] for d in docs)

        ended_before = cut.loans_ended_before.astimezone(UTC).isoformat()
        query = {"status": "ended", "ended_at": {"$lt": ended_before, "$ne": None}}
        projection = {CLAIMED_KEYS: 1, "patron_id": 1}
        await delete_in_batches(self.loans, query, projection=projection, before_delete=keys_first)
        return patrons

    async def purge_reports(self, cut: Cutoffs) -> int:
        before = cut.reports_before.astimezone(UTC).isoformat()
        return await delete_in_batches(self.report_docs, {"at": {"$lt": before}})

    async def forget_idle_contacts(self, patron_ids: Collection[str]) -> int:
        forgotten = 0
        for patron_id in sorted(set(patron_ids)):
            written = await self.loans.find_one({"patron_id": patron_id}, {"_id": 1})
            if written is None:
                written = await self.letters.find_one({"patron_id": patron_id}, {"_id": 1})
            if written is None:
                done = await self.patron_docs.delete_one({"_id": patron_id})
                forgotten += done.deleted_count
        return forgotten


async def _first_owner(
    collection: AsyncCollection[Doc], claim_id: str, field: str, owner: str
) -> bool:
    """Insert the claim `claim_id` for `owner` (the unique ``_id`` decides); True if `owner`
    holds it, now or from an earlier try of its own."""
    try:
        await collection.insert_one({"_id": claim_id, field: owner})
    except DuplicateKeyError:
        held = await collection.find_one({"_id": claim_id})
        return held is not None and held[field] == owner
    return True


async def _by_ids(
    collection: AsyncCollection[Doc], ids: Iterable[str], projection: Doc | None = None
) -> list[Doc]:
    """The documents of `ids` that exist, each read by ``_id`` (never ``$in``: see above)."""
    found: list[Doc] = []
    wanted = list(ids)
    for start in range(0, len(wanted), READ_AHEAD):
        chunk = wanted[start : start + READ_AHEAD]
        docs = await asyncio.gather(*(collection.find_one({"_id": i}, projection) for i in chunk))
        found.extend(doc for doc in docs if doc is not None)
    return found


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

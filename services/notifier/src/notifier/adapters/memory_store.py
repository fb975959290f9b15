"""The store in memory: the fake of the handlers' unit tests, same contract as ``MongoStore``
(the repository contract tests run against both). Documents go through the same codec."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from rebub_shared.outbox import outbox_set

from ..domain import Letter, LoanInChain, PatronContact
from ..domain.retention import Cutoffs, letter_is_due, loan_is_due, report_is_due
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


class MemoryStore:
    """One institution's notifier data in dictionaries; `outbox` keeps the events written,
    `open` the letters not yet settled (id -> day), `batches` each day's printed letter ids."""

    def __init__(self, institution: str) -> None:
        self.institution = institution
        self.loans: dict[str, Doc] = {}
        self.patron_docs: dict[str, Doc] = {}
        self.letters: dict[str, Doc] = {}
        self.keys: dict[str, str] = {}
        self.attempts: dict[str, str] = {}
        self.open: dict[str, str] = {}
        self.batches: dict[str, list[str]] = {}
        self.report_docs: dict[str, Doc] = {}
        self.outbox: list[Outgoing] = []

    async def prepare(self) -> None:
        return None

    async def get_loan(self, loan_id: str) -> LoanInChain | None:
        doc = self.loans.get(loan_id)
        return loan_from_doc(doc) if doc else None

    async def save_loan(self, loan: LoanInChain) -> bool:
        stored = self.loans.get(loan.loan_id)
        if stored and stored["event_version"] >= loan.event_version:
            return False
        # as ``$set`` does
        self.loans[loan.loan_id] = (stored or {}) | loan_to_doc(loan) | schedule_fields(loan)
        return True

    async def restore_loan(self, loan: LoanInChain, next_day: date | None) -> bool:
        found = self.loans.get(loan.loan_id)
        if found is not None and not found.get(RESTORED):
            return False
        self.loans[loan.loan_id] = restored_doc(loan, next_day)
        return True

    async def forget_restored(self, loan_id: str) -> bool:
        found = self.loans.get(loan_id)
        if found is None or not found.get(RESTORED) or found["status"] != "active":
            return False
        del self.loans[loan_id]
        return True

    async def active_chain(self) -> tuple[list[LoanInChain], set[str]]:
        active = [d for d in self.loans.values() if d["status"] == "active"]
        return [loan_from_doc(d) for d in active], {
            k for d in active for k in d.get(CLAIMED_KEYS, ())
        }

    async def due_chain(self, today: date) -> tuple[list[LoanInChain], set[str]]:
        due = [
            d
            for d in self.loans.values()
            if d["status"] == "active"
            and d.get(NEXT_STAGE_ON) is not None
            and d[NEXT_STAGE_ON] <= today.isoformat()
        ]
        return [loan_from_doc(d) for d in due], {k for d in due for k in d.get(CLAIMED_KEYS, ())}

    async def schedule(self, next_days: Mapping[str, date | None]) -> None:
        for loan_id, day in next_days.items():
            if loan_id in self.loans:
                self.loans[loan_id][NEXT_STAGE_ON] = next_day_field(day)

    async def loans_of_patron(self, patron_id: str) -> list[LoanInChain]:
        return [loan_from_doc(d) for d in self.loans.values() if d["patron_id"] == patron_id]

    async def save_patron(self, patron: PatronContact, version: int) -> bool:
        stored = self.patron_docs.get(patron.patron_id)
        if stored and stored["version"] >= version:
            return False
        self.patron_docs[patron.patron_id] = patron_to_doc(patron) | {"version": version}
        return True

    async def forget_patron(self, patron_id: str, *, letters: bool) -> int:
        self.patron_docs.pop(patron_id, None)
        if not letters:
            return 0
        gone = {k: d for k, d in self.letters.items() if d["patron_id"] == patron_id}
        attempts = set(attempt_ids(gone.values()))
        self.keys = {k: v for k, v in self.keys.items() if v not in gone}
        self.attempts = {k: v for k, v in self.attempts.items() if k not in attempts}
        self.open = {k: v for k, v in self.open.items() if k not in gone}
        self.loans = {k: d for k, d in self.loans.items() if d["patron_id"] != patron_id}
        self.report_docs = {
            k: d for k, d in self.report_docs.items() if d["patron_id"] != patron_id
        }
        for key in gone:
            del self.letters[key]
        return len(gone)

    async def patrons(self, patron_ids: Collection[str]) -> dict[str, PatronContact]:
        found = (self.patron_docs.get(i) for i in patron_ids)
        return {d["_id"]: patron_from_doc(d) for d in found if d}

    async def claimed_keys(self, keys: Collection[str]) -> set[str]:
        return {key for key in keys if key in self.keys}

    async def claim_key(self, key: str, letter_id: str) -> bool:
        return self.keys.setdefault(key, letter_id) == letter_id

    async def note_claimed(self, notes: Sequence[ClaimNote]) -> None:
        for note in notes:
            if note.loan_id in self.loans:
                noted = self.loans[note.loan_id].setdefault(CLAIMED_KEYS, [])
                noted.extend([] if note.key in noted else [note.key])
                self.loans[note.loan_id][NEXT_STAGE_ON] = next_day_field(note.next_day)

    async def claim_attempt(self, letter_id: str, attempt: int, owner: str) -> bool:
        return self.attempts.setdefault(attempt_id(letter_id, attempt), owner) == owner

    async def attempt_taken(self, letter_id: str, attempt: int) -> bool:
        return attempt_id(letter_id, attempt) in self.attempts

    async def list_open(self, letters: Sequence[Letter]) -> None:
        for letter in letters:
            self.open.setdefault(letter.key, letter.day.isoformat())

    async def record_pending(
        self, letter: Letter, *, keep_waiting: bool = False, listed: bool = False
    ) -> LetterRecord:
        stored = self.letters.get(letter.key)
        settled = stored is not None and stored["state"] not in ("pending", "sending")
        if listed and settled:  # listed by ``list_open``, yet it left: as the Mongo store does
            self.open.pop(letter.key, None)
        if keep_waiting and stored is not None:
            letter = with_waiting_items(letter, record_from_doc(stored))
        if stored is None or stored["state"] == LetterState.PENDING:
            self.open[letter.key] = letter.day.isoformat()
            base = stored or {"state": LetterState.PENDING.value, "attempts": 0}
            self.letters[letter.key] = base | letter_to_doc(letter)
        return record_from_doc(self.letters[letter.key])

    async def open_letter_ids(self) -> list[str]:
        listed = sorted(self.open.items(), key=lambda pair: pair[0])
        listed.sort(key=lambda pair: pair[1], reverse=True)
        return [letter_id for letter_id, _ in listed]

    async def letters_in(self, state: LetterState) -> list[LetterRecord]:
        ids = await self.open_letter_ids()
        return [record_from_doc(self.letters[i]) for i in ids if self.letters[i]["state"] == state]

    async def begin_sending(self, letter: Letter, now: datetime) -> None:
        self.letters[letter.key] |= letter_to_doc(letter) | {
            "state": LetterState.SENDING.value,
            "sending_at": now,
        }

    async def back_to_pending(self, letter_id: str, error: str) -> None:
        stored = self.letters[letter_id]
        stored |= {"state": "pending", "attempts": stored["attempts"] + 1, "last_error": error}

    async def mark_sent(
        self, letter_id: str, sent_at: datetime, message_id: str | None, event: Outgoing
    ) -> dict[str, Any]:
        self.letters[letter_id] |= {"state": "sent", "sent_at": sent_at, "message_id": message_id}
        self.outbox.append(event)
        self.open.pop(letter_id, None)
        return written_outbox(outbox_set([event], first_seq=1))

    async def mark(self, letter_id: str, state: LetterState, reason: str) -> None:
        self.letters[letter_id] |= {"state": state.value, "last_error": reason}
        self.open.pop(letter_id, None)

    async def get_letter(self, letter_id: str) -> LetterRecord | None:
        doc = self.letters.get(letter_id)
        return record_from_doc(doc) if doc else None

    async def add_to_batch(self, day: date, letter_ids: Sequence[str]) -> list[str]:
        batch = self.batches.setdefault(day.isoformat(), [])
        for letter_id in letter_ids:
            if letter_id not in batch:
                batch.append(letter_id)
        return list(batch)

    async def remove_from_batch(self, day: date, letter_ids: Sequence[str]) -> list[str]:
        batch = self.batches.setdefault(day.isoformat(), [])
        batch[:] = [i for i in batch if i not in letter_ids]
        return list(batch)

    async def find_letters(
        self, patron_id: str | None = None, loan_id: str | None = None
    ) -> list[LetterRecord]:
        def wanted(d: dict[str, Any]) -> bool:
            return (patron_id is None or d["patron_id"] == patron_id) and (
                loan_id is None or loan_id in d["loan_ids"]
            )

        return [record_from_doc(d) for _, d in sorted(self.letters.items()) if wanted(d)]

    async def add_report(self, report: Report) -> None:
        self.report_docs.setdefault(report.report_id, report_to_doc(report))

    async def reports(self) -> list[Report]:
        return [report_from_doc(d) for _, d in sorted(self.report_docs.items())]

    async def purge_letters(self, cut: Cutoffs) -> list[str]:
        due = [
            d
            for d in self.letters.values()
            if letter_is_due(date.fromisoformat(d["day"]), LetterState(d["state"]) in SETTLED, cut)
        ]
        for doc in due:
            for attempt in range(doc.get("attempts", 0) + 1):
                self.attempts.pop(f"{doc['_id']}#{attempt}", None)
            del self.letters[doc["_id"]]
        return [doc["patron_id"] for doc in due]

    async def batch_days_before(self, day: date) -> list[date]:
        return sorted(date.fromisoformat(d) for d in self.batches if d < day.isoformat())

    async def drop_batch(self, day: date) -> None:
        self.batches.pop(day.isoformat(), None)

    async def purge_ended_loans(self, cut: Cutoffs) -> list[str]:
        due = [d for d in self.loans.values() if loan_is_due(loan_from_doc(d), cut)]
        for doc in due:
            for key in doc.get(CLAIMED_KEYS, ()):
                self.keys.pop(key, None)
            del self.loans[doc["_id"]]
        return [doc["patron_id"] for doc in due]

    async def purge_reports(self, cut: Cutoffs) -> int:
        due = [
            report_id
            for report_id, doc in self.report_docs.items()
            if report_is_due(report_from_doc(doc).at, cut)
        ]
        for report_id in due:
            del self.report_docs[report_id]
        return len(due)

    async def forget_idle_contacts(self, patron_ids: Collection[str]) -> int:
        busy = {d["patron_id"] for d in (*self.loans.values(), *self.letters.values())}
        idle = [p for p in set(patron_ids) - busy if p in self.patron_docs]
        for patron_id in idle:
            del self.patron_docs[patron_id]
        return len(idle)

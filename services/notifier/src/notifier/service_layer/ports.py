"""What the handlers need from the outside: the store (repository), the mailer and the printer.

There is no multi-document transaction on FerretDB v1, so the "unit of work" is one document:
every method below changes at most one document atomically, and the handlers order those writes
so that a crash between two of them never sends a letter twice (see ``sending``).

Cost: FerretDB v1 answers from an index only a filter made of ``_id`` alone; any other filter
decodes the whole collection. So the per-letter methods touch one document by ``_id`` (or insert
one), and the daily pass reads the active loans once; nothing per letter grows with the letters,
keys or loans already stored.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from rebub_shared.cloudevents import Event

from ..domain import Letter, LoanInChain, PatronContact
from ..domain.retention import Cutoffs
from .records import ClaimNote, LetterRecord, LetterState, Report

# (topic, key, event): an event to publish once its letter is recorded as sent.
Outgoing = tuple[str, str, Event[Any]]


class NotDeliveredError(Exception):
    """The letter certainly did not leave (server down, refused before the data): retry later."""


class DeliveryUncertainError(Exception):
    """The connection broke while the message was handed over: it may have left. Never resend."""


class NotifierStore(Protocol):
    """One institution's notifier data: loans in the chain, patrons, letters, keys, reports."""

    institution: str

    async def prepare(self) -> None:
        """Create indexes (at start; idempotent)."""

    async def get_loan(self, loan_id: str) -> LoanInChain | None: ...

    async def save_loan(self, loan: LoanInChain) -> bool:
        """Store the loan unless a newer event version is stored; True when written. An active
        loan written is unscheduled: the next pass reads it and schedules it."""

    async def restore_loan(self, loan: LoanInChain, next_day: date | None) -> bool:
        """Write a loan from the loan-state topic, scheduled from ``next_day``, unless loan
        events wrote it (they keep it); True when written."""

    async def forget_restored(self, loan_id: str) -> bool:
        """Remove a loan written from the loan-state topic and still active (it has closed
        since: a tombstone); a loan the loan events wrote is never touched."""

    async def active_chain(self) -> tuple[list[LoanInChain], set[str]]:
        """The active loans (one read of the loans), and the idempotency keys noted on them as
        claimed (``note_claimed``): a cache of the claims, never more than the truth."""

    async def due_chain(self, today: date) -> tuple[list[LoanInChain], set[str]]:
        """The active loans whose next stage day (``schedule``) is `today` or earlier, or not
        scheduled yet (written since: ``save_loan`` unschedules), and the keys noted on them:
        one read of an index, however many loans are active."""

    async def schedule(self, next_days: Mapping[str, date | None]) -> None:
        """Set each loan's next stage day (None: no stage left; the pass never reads it)."""

    async def loans_of_patron(self, patron_id: str) -> list[LoanInChain]: ...

    async def save_patron(self, patron: PatronContact, version: int) -> bool:
        """Store the contact unless a newer version is stored; True when written."""

    async def patrons(self, patron_ids: Collection[str]) -> dict[str, PatronContact]: ...

    async def forget_patron(self, patron_id: str, *, letters: bool) -> int:
        """Remove the patron's contact data and, for an erasure (``letters``), everything else
        that names them: their loans in the chain, reports, letters and, before the letters
        (a replay finds them again), the letters' attempts, open-list entries and the
        idempotency keys they claimed. How many letters went."""

    async def claimed_keys(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` already claimed by a letter (read one by one, by ``_id``)."""

    async def claim_key(self, key: str, letter_id: str) -> bool:
        """Claim an idempotency key for a letter (unique index); True if the letter owns it."""

    async def note_claimed(self, notes: Sequence[ClaimNote]) -> None:
        """Note on each loan's document that its key is claimed (after ``claim_key``), and its
        next stage day, in the same write (the notes of many loans together)."""

    async def claim_attempt(self, letter_id: str, attempt: int, owner: str) -> bool:
        """Take the letter's attempt number `attempt` for `owner` (unique insert): True for the
        one owner that may change the letter's state until it sends it or gives it back."""

    async def attempt_taken(self, letter_id: str, attempt: int) -> bool:
        """Whether the letter's attempt number `attempt` was taken (read by ``_id``)."""

    async def list_open(self, letters: Sequence[Letter]) -> None:
        """List letters as open, together (before ``record_pending(..., listed=True)``)."""

    async def record_pending(
        self, letter: Letter, *, keep_waiting: bool = False, listed: bool = False
    ) -> LetterRecord:
        """Record a letter as pending (and open), or refresh it if still pending; return what
        is stored. `keep_waiting`: the items of its stored pending version stay in it
        (``with_waiting_items``). `listed`: ``list_open`` listed it already (a settled letter
        is taken off the list again)."""

    async def open_letter_ids(self) -> list[str]:
        """The letters recorded and not yet settled, the most recent day first, then by id
        (a list of open letters, not a query on the letters: it may hold a letter settled
        just before a crash; read the letter to know)."""

    async def letters_in(self, state: LetterState) -> list[LetterRecord]:
        """The open letters in `state` (PENDING or SENDING), in ``open_letter_ids`` order."""

    async def begin_sending(self, letter: Letter, now: datetime) -> None:
        """-> SENDING with the letter as it goes out (by its attempt's owner)."""

    async def back_to_pending(self, letter_id: str, error: str) -> None:
        """-> PENDING after a delivery that certainly failed or never began (attempts + 1)."""

    async def mark_sent(
        self, letter_id: str, sent_at: datetime, message_id: str | None, event: Outgoing
    ) -> dict[str, Any]:
        """-> SENT and the LetterSent event in the same write (the outbox); no longer open.
        Returns the letter's outbox as written (``{"outbox": ...}``): relayed without a read."""

    async def mark(self, letter_id: str, state: LetterState, reason: str) -> None:
        """Set a terminal state (UNCERTAIN, SUPERSEDED) with its reason; no longer open."""

    async def get_letter(self, letter_id: str) -> LetterRecord | None: ...

    async def add_to_batch(self, day: date, letter_ids: Sequence[str]) -> list[str]:
        """Add letters to the day's printed batch (a set); return every letter id it holds."""

    async def remove_from_batch(self, day: date, letter_ids: Sequence[str]) -> list[str]:
        """Take letters out of the day's printed batch (an erasure); return the ids left."""

    async def find_letters(
        self, patron_id: str | None = None, loan_id: str | None = None
    ) -> list[LetterRecord]: ...

    async def add_report(self, report: Report) -> None:
        """Record a case for staff (idempotent on report_id)."""

    async def reports(self) -> list[Report]: ...

    async def purge_letters(self, cut: Cutoffs) -> list[str]:
        """Delete the settled letters due (``letter_is_due``), their attempts first; the patron
        id of each letter deleted (in bounded batches)."""

    async def batch_days_before(self, day: date) -> list[date]:
        """The days before `day` that have a printed batch, oldest first."""

    async def drop_batch(self, day: date) -> None:
        """Delete the day's printed batch (the retention: its file is removed first)."""

    async def purge_ended_loans(self, cut: Cutoffs) -> list[str]:
        """Delete the loans due (``loan_is_due``), their claimed keys first; the patron id of
        each loan deleted."""

    async def purge_reports(self, cut: Cutoffs) -> int:
        """Delete the reports due (``report_is_due``); how many."""

    async def forget_idle_contacts(self, patron_ids: Collection[str]) -> int:
        """Delete the contacts of those of `patron_ids` with no loan in the chain and no letter
        left (nothing left to write about); how many."""


class Mailer(Protocol):
    """Sends one letter by email."""

    async def send(self, letter: Letter, message_id: str, now: datetime) -> None:
        """Raise NotDeliveredError or DeliveryUncertainError when the server did not accept it."""


class Printer(Protocol):
    """Writes one institution's printed letters of a day as one batch."""

    async def write_batch(self, institution: str, day: date, letters: Sequence[Letter]) -> str:
        """(Re)write the day's batch with exactly `letters`; return where it is."""

    async def remove_batch(self, institution: str, day: date) -> None:
        """Remove the day's batch file (an erasure took its last letter; none: nothing)."""

"""What the handlers need from the outside: the store (repository), the mailer and the printer.

There is no multi-document transaction on FerretDB v1, so the "unit of work" is one document:
every method below changes at most one document atomically, and the handlers order those writes
so that a crash between two of them never sends a letter twice (see ``sending``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from rebub_shared.cloudevents import Event

from ..domain import Letter, LoanInChain, PatronContact
from .records import LetterRecord, LetterState, Report

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
        """Store the loan unless a newer event version is stored; True when written."""

    async def active_loans(self) -> list[LoanInChain]: ...

    async def loans_of_patron(self, patron_id: str) -> list[LoanInChain]: ...

    async def save_patron(self, patron: PatronContact, version: int) -> bool:
        """Store the contact unless a newer version is stored; True when written."""

    async def patrons(self, patron_ids: Collection[str]) -> dict[str, PatronContact]: ...

    async def claimed_keys(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` already claimed by a letter."""

    async def claim_key(self, key: str, letter_id: str) -> bool:
        """Claim an idempotency key for a letter (unique index); True if the letter owns it."""

    async def record_pending(self, letter: Letter) -> LetterRecord:
        """Record a letter as pending, or refresh it if still pending; return what is stored."""

    async def letters_in(self, state: LetterState) -> list[LetterRecord]:
        """Letters in one state, the most recent day first, then by id."""

    async def begin_sending(self, letter: Letter, now: datetime) -> bool:
        """PENDING -> SENDING with the letter as it goes out; False if it was not pending."""

    async def back_to_pending(self, letter_id: str, error: str) -> None:
        """SENDING -> PENDING after a delivery that certainly failed (attempts + 1)."""

    async def mark_sent(
        self, letter_id: str, sent_at: datetime, message_id: str | None, event: Outgoing
    ) -> None:
        """SENDING -> SENT and the LetterSent event in the same write (the outbox)."""

    async def mark(self, letter_id: str, state: LetterState, reason: str) -> None:
        """Set a terminal state (UNCERTAIN, SUPERSEDED) with its reason."""

    async def get_letter(self, letter_id: str) -> LetterRecord | None: ...

    async def printed_batch(self, day: date) -> list[Letter]:
        """The printed letters of one day in SENDING or SENT: the content of that day's batch."""

    async def find_letters(
        self, patron_id: str | None = None, loan_id: str | None = None
    ) -> list[LetterRecord]: ...

    async def add_report(self, report: Report) -> None:
        """Record a case for staff (idempotent on report_id)."""

    async def reports(self) -> list[Report]: ...


class Mailer(Protocol):
    """Sends one letter by email."""

    async def send(self, letter: Letter, message_id: str, now: datetime) -> None:
        """Raise NotDeliveredError or DeliveryUncertainError when the server did not accept it."""


class Printer(Protocol):
    """Writes one institution's printed letters of a day as one batch."""

    async def write_batch(self, institution: str, day: date, letters: Sequence[Letter]) -> str:
        """(Re)write the day's batch with exactly `letters`; return where it is."""

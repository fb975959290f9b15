"""What the handlers need from storage: repositories for loans, items and patrons, and the unit
of work that holds them for one command. Implemented in memory (tests) and on MongoDB.

Every call names the institution. Writes are single-document: a loan and its pending events are
one write, guarded by the loan's version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from circulation.domain import Item, ItemStatusChanged, LoadedItem, Loan, Patron
from circulation.domain.requests import Request, RequestStatus, RequestTask
from circulation.domain.vocabulary import InstitutionCode, ItemStatus
from rebub_shared.contracts.loans import ANONYMISED_PATRON, LoanActivitySummary
from rebub_shared.contracts.patrons import IzPatron

ANONYMOUS = ANONYMISED_PATRON
"""The patron id of a loan the retention job (or an erasure) anonymised."""


@dataclass
class StoredLoan:
    """A loan and what the desk adds to it: where it was lent and returned, the desk session."""

    loan: Loan
    circ_desk: str | None = None
    session_id: str | None = None
    return_desk: str | None = None
    return_session_id: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PatronRecord:
    """The patron's circulation record: the domain view, the account status and the name."""

    patron: Patron
    closed: bool = False
    name: str = ""


class LoanRepository(Protocol):
    written: list[str]
    """Ids of the loans written through this repository (their events await the relay)."""
    as_written: dict[str, dict[str, Any]]
    """The documents as written (their outbox whole), by id: relayed without a read; a loan
    missing here is read by the relay."""

    async def add(self, institution: InstitutionCode, stored: StoredLoan) -> None:
        """Insert a new loan with its events; ItemOnLoanError if the item has an open loan."""

    async def save(self, institution: InstitutionCode, stored: StoredLoan) -> None:
        """Write a changed loan with its events; ConcurrentUpdateError if it changed meanwhile."""

    async def get(self, institution: InstitutionCode, loan_id: str) -> StoredLoan | None:
        """One loan by id."""

    async def open_for_patron(
        self, institution: InstitutionCode, patron_id: str, item_barcode: str | None = None
    ) -> tuple[list[StoredLoan], StoredLoan | None]:
        """In one read: the patron's open loans, and the open loan of ``item_barcode`` if any."""

    async def open_for_item(self, institution: InstitutionCode, barcode: str) -> StoredLoan | None:
        """The item's open loan, if any."""

    async def move_to_patron(self, institution: InstitutionCode, from_id: str, to_id: str) -> int:
        """Give every loan of ``from_id`` to ``to_id`` (waiting account merge); how many moved."""

    async def save_many(
        self, institution: InstitutionCode, stored: Sequence[StoredLoan]
    ) -> set[str]:
        """Write changed loans in one batch; the ids of those that changed meanwhile (not written)."""

    async def open_for_items(
        self, institution: InstitutionCode, barcodes: Sequence[str]
    ) -> dict[str, StoredLoan]:
        """The open loans of these items, by barcode (items without an open loan left out)."""

    async def open_due_before(
        self, institution: InstitutionCode, before: datetime
    ) -> list[StoredLoan]:
        """Open loans due before ``before`` (the aged-to-lost job's candidates)."""

    async def closed_for_patron(
        self, institution: InstitutionCode, patron_id: str, since: datetime
    ) -> list[StoredLoan]:
        """The patron's returned (or deleted) loans closed since ``since`` (the Returns tab)."""

    async def for_item(
        self, institution: InstitutionCode, barcode: str, since: datetime
    ) -> list[StoredLoan]:
        """The item's loans made or closed since ``since`` (its loan history)."""

    async def restore(self, institution: InstitutionCode, stored: StoredLoan) -> bool:
        """Write a loan read back from the loan-state topic, without events (nothing to relay):
        when the store has no loan of that id, or has one it restored at an older version.
        True when written; a loan the service wrote itself is never touched."""

    async def forget_restored(self, institution: InstitutionCode, loan_id: str) -> bool:
        """Remove a loan restored from an older state whose key then got a tombstone (it closed
        since), if still open; a loan the service wrote itself is never touched."""

    async def add_note(self, institution: InstitutionCode, loan_id: str, note: str) -> bool:
        """Append a note to the loan (no event); False if there is no such loan."""

    async def anonymise_closed_before(self, institution: InstitutionCode, before: datetime) -> int:
        """Remove the patron from loans closed before ``before``; how many were anonymised."""

    async def anonymise_patron(
        self, institution: InstitutionCode, patron_id: str, at: datetime
    ) -> int:
        """An erasure (``at``): every loan of ``patron_id``, open ones too, names nobody and
        loses the notes staff wrote on it (the desk sessions and the item's state stay), and
        says so on ``net.loan-activity.v1`` and, open, on the loan-state topic; how many."""


class ItemRepository(Protocol):
    written: list[str]
    """Barcodes of the items whose status changes were written (their events await the relay)."""
    as_written: dict[str, dict[str, Any]]
    """The documents as written, by barcode (see ``LoanRepository.as_written``)."""

    async def get(self, institution: InstitutionCode, barcode: str) -> Item | None:
        """One item by barcode."""

    async def get_many(
        self, institution: InstitutionCode, barcodes: Sequence[str]
    ) -> dict[str, Item]:
        """Items by barcode (unknown barcodes are left out)."""

    async def load_many(self, institution: InstitutionCode, items: Sequence[LoadedItem]) -> int:
        """Add or update items, each in one atomic write: a status is set only where the load
        names one (a new item otherwise starts available), and the staff changes' version and
        outbox are kept; how many were written."""

    async def items_in_transit(self, institution: InstitutionCode, library: str) -> list[Item]:
        """The items owned by ``library`` in transit (home, or to a hold elsewhere: the caller
        tells them apart by the requests), by barcode."""

    async def set_statuses(
        self, institution: InstitutionCode, statuses: dict[str, ItemStatus]
    ) -> None:
        """Set the status of items by barcode (one batch; idempotent)."""

    async def change_status(self, institution: InstitutionCode, event: ItemStatusChanged) -> None:
        """Write a staff change and its event in one write; ConcurrentUpdateError if the item's
        status or version changed since it was read."""


class RequestRepository(Protocol):
    written: list[str]
    """Ids of the requests written through this repository (their events await the relay)."""
    as_written: dict[str, dict[str, Any]]
    """The documents as written, by id (see ``LoanRepository.as_written``)."""

    async def add(self, institution: InstitutionCode, request: Request) -> None:
        """Insert a new request with its events."""

    async def save(self, institution: InstitutionCode, request: Request) -> None:
        """Write a changed request with its events; ConcurrentUpdateError if it changed meanwhile."""

    async def get(self, institution: InstitutionCode, request_id: str) -> Request | None:
        """One request by id."""

    async def active_for_items(
        self, institution: InstitutionCode, barcodes: Sequence[str]
    ) -> dict[str, list[Request]]:
        """The active requests of these items, by barcode (the items' queues)."""

    async def for_patron(self, institution: InstitutionCode, patron_id: str) -> list[Request]:
        """Every request the patron placed (active or not)."""

    async def with_task(
        self, institution: InstitutionCode, tasks: Sequence[RequestTask], status: RequestStatus
    ) -> list[Request]:
        """The requests in one of ``tasks`` with ``status`` (hold shelf, pick and transit lists;
        the expired holds with ``task=done, status=expired``)."""

    async def anonymise(
        self,
        institution: InstitutionCode,
        *,
        placed_before: datetime | None = None,
        patron_id: str | None = None,
    ) -> int:
        """Drop the requester of the requests no longer active placed before ``placed_before``
        (retention), or of every request of ``patron_id`` (erasure); how many changed."""


class NetworkActivityRepository(Protocol):
    async def record(
        self, institution: InstitutionCode, summary: LoanActivitySummary, recorded_at: datetime
    ) -> bool:
        """Keep the summary if newer than the stored one for its loan; True if kept."""

    async def for_patron(
        self, institution: InstitutionCode, primary_id: str
    ) -> list[LoanActivitySummary]:
        """The other institutions' summaries of the patron's loans."""

    async def purge_closed_before(self, institution: InstitutionCode, before: datetime) -> int:
        """Delete summaries of loans closed before ``before``; how many were deleted."""


class PatronRepository(Protocol):
    async def find(self, institution: InstitutionCode, ref: str) -> PatronRecord | None:
        """A patron by primary id or by card barcode."""

    async def record_snapshot(self, institution: InstitutionCode, snapshot: IzPatron) -> bool:
        """Keep the snapshot if newer than the stored one (the suspension stays); True if kept."""

    async def forget(self, institution: InstitutionCode, patron_id: str) -> None:
        """Remove the patron (snapshot, barcodes, suspension): a tombstone on the patron topic."""

    async def extend_suspension(
        self, institution: InstitutionCode, patron_id: str, until: date
    ) -> None:
        """Suspended until at least ``until`` (a longer running suspension is kept)."""


class UnitOfWork(Protocol):
    """The repositories one command works with."""

    @property
    def loans(self) -> LoanRepository: ...

    @property
    def items(self) -> ItemRepository: ...

    @property
    def patrons(self) -> PatronRepository: ...

    @property
    def requests(self) -> RequestRepository: ...

    @property
    def network(self) -> NetworkActivityRepository: ...

"""What the handlers need from storage: repositories for loans, items and patrons, and the unit
of work that holds them for one command. Implemented in memory (tests) and on MongoDB.

Every call names the institution. Writes are single-document: a loan and its pending events are
one write, guarded by the loan's version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from circulation.domain import Item, Loan, Patron
from circulation.domain.vocabulary import InstitutionCode
from rebub_shared.contracts.patrons import IzPatron


@dataclass
class StoredLoan:
    """A loan and what the desk adds to it: where it was lent and returned, the desk session."""

    loan: Loan
    circ_desk: str | None = None
    session_id: str | None = None
    return_desk: str | None = None


@dataclass(frozen=True)
class PatronRecord:
    """The patron's circulation record: the domain view, the account status and the name."""

    patron: Patron
    closed: bool = False
    name: str = ""


class LoanRepository(Protocol):
    written: list[str]
    """Ids of the loans written through this repository (their events await the relay)."""

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


class ItemRepository(Protocol):
    async def get(self, institution: InstitutionCode, barcode: str) -> Item | None:
        """One item by barcode."""

    async def get_many(
        self, institution: InstitutionCode, barcodes: Sequence[str]
    ) -> dict[str, Item]:
        """Items by barcode (unknown barcodes are left out)."""

    async def put_many(self, institution: InstitutionCode, items: Sequence[Item]) -> int:
        """Add or replace items; how many were written."""


class PatronRepository(Protocol):
    async def find(self, institution: InstitutionCode, ref: str) -> PatronRecord | None:
        """A patron by primary id or by card barcode."""

    async def record_snapshot(self, institution: InstitutionCode, snapshot: IzPatron) -> bool:
        """Keep the snapshot if newer than the stored one (the suspension stays); True if kept."""

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

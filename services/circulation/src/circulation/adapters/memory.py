"""In-memory repositories and unit of work, for handler tests (same contract as MongoDB's).

Loans are copied in and out, so a handler's change is seen only once saved; the events of saved
loans are kept in ``MemoryStore.published`` in order (what the relay would publish).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from circulation.domain import Item, ItemStatusChanged, LoadedItem
from circulation.domain.events import LoanEvent
from circulation.domain.request_events import RequestEvent
from circulation.domain.requests import Request
from circulation.domain.vocabulary import InstitutionCode, ItemStatus
from circulation.service_layer.errors import ConcurrentUpdateError, ItemOnLoanError
from circulation.service_layer.ports import ANONYMOUS, PatronRecord, StoredLoan
from rebub_shared.contracts.loans import LoanActivitySummary
from rebub_shared.contracts.patrons import IzPatron

from .batches import save_each
from .memory_requests import MemoryNetworkActivityRepository, MemoryRequestRepository
from .patron_records import patron_record


@dataclass
class MemoryStore:
    """What the fakes hold, per institution."""

    loans: dict[tuple[str, str], StoredLoan] = field(default_factory=dict)
    items: dict[tuple[str, str], Item] = field(default_factory=dict)
    snapshots: dict[tuple[str, str], IzPatron] = field(default_factory=dict)
    suspensions: dict[tuple[str, str], date] = field(default_factory=dict)
    published: list[LoanEvent] = field(default_factory=list)
    requests: dict[tuple[str, str], Request] = field(default_factory=dict)
    published_requests: list[RequestEvent] = field(default_factory=list)
    published_items: list[ItemStatusChanged] = field(default_factory=list)
    network: dict[tuple[str, str], tuple[LoanActivitySummary, datetime]] = field(
        default_factory=dict
    )
    restored: set[tuple[str, str]] = field(default_factory=set)  # loans read back from the topic


def _copy(stored: StoredLoan) -> StoredLoan:
    return replace(stored, loan=stored.loan.model_copy(deep=True), notes=list(stored.notes))


class MemoryLoanRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.written: list[str] = []
        self.as_written: dict[str, dict[str, Any]] = {}  # no documents: nothing to relay

    async def add(self, institution: InstitutionCode, stored: StoredLoan) -> None:
        if await self.open_for_item(institution, stored.loan.item_barcode):
            raise ItemOnLoanError("item_barcode", stored.loan.item_barcode, "already on loan")
        self._write(institution, stored)

    async def save(self, institution: InstitutionCode, stored: StoredLoan) -> None:
        loan = stored.loan
        current = self._store.loans.get((institution, loan.loan_id))
        expected = loan.saved_version
        if current is None or current.loan.version != expected:
            raise ConcurrentUpdateError("loan_id", loan.loan_id, "changed since it was read")
        self._write(institution, stored)

    def _write(self, institution: InstitutionCode, stored: StoredLoan) -> None:
        self._store.published += stored.loan.pending_events
        stored.loan.pending_events = []
        self._store.loans[(institution, stored.loan.loan_id)] = _copy(stored)
        self.written.append(stored.loan.loan_id)

    async def get(self, institution: InstitutionCode, loan_id: str) -> StoredLoan | None:
        found = self._store.loans.get((institution, loan_id))
        return _copy(found) if found else None

    async def open_for_patron(
        self, institution: InstitutionCode, patron_id: str, item_barcode: str | None = None
    ) -> tuple[list[StoredLoan], StoredLoan | None]:
        mine = [s for s in self._open(institution) if s.loan.patron_id == patron_id]
        item_loan = await self.open_for_item(institution, item_barcode) if item_barcode else None
        return [_copy(s) for s in mine], item_loan

    async def open_for_item(self, institution: InstitutionCode, barcode: str) -> StoredLoan | None:
        found = [s for s in self._open(institution) if s.loan.item_barcode == barcode]
        return _copy(found[0]) if found else None

    async def move_to_patron(self, institution: InstitutionCode, from_id: str, to_id: str) -> int:
        moved = 0
        for (inst, _), stored in self._store.loans.items():
            if inst == institution and stored.loan.patron_id == from_id:
                stored.loan.patron_id = to_id
                stored.loan.version += 1
                moved += 1
        return moved

    def _open(self, institution: str) -> list[StoredLoan]:
        return [s for (i, _), s in self._store.loans.items() if i == institution and s.loan.is_open]

    def _all(self, institution: str) -> list[StoredLoan]:
        return [_copy(s) for (i, _), s in self._store.loans.items() if i == institution]

    async def save_many(
        self, institution: InstitutionCode, stored: Sequence[StoredLoan]
    ) -> set[str]:
        return await save_each(self.save, institution, stored)

    async def open_for_items(
        self, institution: InstitutionCode, barcodes: Sequence[str]
    ) -> dict[str, StoredLoan]:
        wanted = set(barcodes)
        return {
            s.loan.item_barcode: _copy(s)
            for s in self._open(institution)
            if s.loan.item_barcode in wanted
        }

    async def open_due_before(
        self, institution: InstitutionCode, before: datetime
    ) -> list[StoredLoan]:
        return [_copy(s) for s in self._open(institution) if s.loan.due_at < before]

    async def closed_for_patron(
        self, institution: InstitutionCode, patron_id: str, since: datetime
    ) -> list[StoredLoan]:
        return [
            s
            for s in self._all(institution)
            if s.loan.patron_id == patron_id and not s.loan.is_open and _closed_at(s) >= since
        ]

    async def for_item(
        self, institution: InstitutionCode, barcode: str, since: datetime
    ) -> list[StoredLoan]:
        return [
            s
            for s in self._all(institution)
            if s.loan.item_barcode == barcode
            and (s.loan.is_open or s.loan.loaned_at >= since or _closed_at(s) >= since)
        ]

    async def restore(self, institution: InstitutionCode, stored: StoredLoan) -> bool:
        key = (institution, stored.loan.loan_id)
        found = self._store.loans.get(key)
        if found is None:
            if await self.open_for_item(institution, stored.loan.item_barcode):
                return False
        elif (
            not (key in self._store.restored and found.loan.is_open)
            or found.loan.version >= stored.loan.version
        ):
            return False
        self._store.loans[key] = _copy(stored)
        self._store.restored.add(key)
        return True

    async def forget_restored(self, institution: InstitutionCode, loan_id: str) -> bool:
        key = (institution, loan_id)
        found = self._store.loans.get(key)
        if found is None or key not in self._store.restored or not found.loan.is_open:
            return False
        del self._store.loans[key]
        return True

    async def add_note(self, institution: InstitutionCode, loan_id: str, note: str) -> bool:
        found = self._store.loans.get((institution, loan_id))
        if found is not None:
            found.notes.append(note)
        return found is not None

    async def anonymise_closed_before(self, institution: InstitutionCode, before: datetime) -> int:
        changed = 0
        for (inst, _), s in self._store.loans.items():
            old = not s.loan.is_open and _closed_at(s) < before
            if inst == institution and old and s.loan.patron_id != ANONYMOUS:
                s.loan.patron_id, s.session_id, s.return_session_id, s.notes = (
                    ANONYMOUS,
                    None,
                    None,
                    [],
                )
                changed += 1
        return changed

    async def anonymise_patron(
        self, institution: InstitutionCode, patron_id: str, at: datetime
    ) -> int:
        moved = await self.move_to_patron(institution, patron_id, ANONYMOUS)
        for (inst, _), s in self._store.loans.items():
            if inst == institution and s.loan.patron_id == ANONYMOUS:
                s.notes = []
        return moved


def _closed_at(stored: StoredLoan) -> datetime:
    # The fakes keep no deletion time: a deleted loan counts from its due date.
    return stored.loan.returned_at or stored.loan.due_at


class MemoryItemRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.written: list[str] = []
        self.as_written: dict[str, dict[str, Any]] = {}

    async def get(self, institution: InstitutionCode, barcode: str) -> Item | None:
        return self._store.items.get((institution, barcode))

    async def get_many(
        self, institution: InstitutionCode, barcodes: Sequence[str]
    ) -> dict[str, Item]:
        found = (self._store.items.get((institution, code)) for code in barcodes)
        return {item.barcode: item for item in found if item is not None}

    async def load_many(self, institution: InstitutionCode, items: Sequence[LoadedItem]) -> int:
        for loaded in items:
            known = self._store.items.get((institution, loaded.barcode))
            kept = {"status": ItemStatus.AVAILABLE, "status_version": 0}
            if known is not None:
                kept = {"status": known.status, "status_version": known.status_version}
            named = loaded.model_dump(exclude_none=True, exclude={"institution"})
            self._store.items[(institution, loaded.barcode)] = Item(
                **(kept | {"item_policy": None} | named), institution=institution
            )
        return len(items)

    async def items_in_transit(self, institution: InstitutionCode, library: str) -> list[Item]:
        found = [
            item
            for (inst, _), item in self._store.items.items()
            if (inst, item.library, item.status) == (institution, library, ItemStatus.IN_TRANSIT)
        ]
        return sorted(found, key=lambda item: item.barcode)

    async def set_statuses(
        self, institution: InstitutionCode, statuses: dict[str, ItemStatus]
    ) -> None:
        for barcode, status in statuses.items():
            item = self._store.items.get((institution, barcode))
            if item is not None:
                self._store.items[(institution, barcode)] = item.model_copy(
                    update={"status": status}
                )

    async def change_status(self, institution: InstitutionCode, event: ItemStatusChanged) -> None:
        item = self._store.items.get((institution, event.barcode))
        if item is None or (item.status, item.status_version + 1) != (
            event.previous_status,
            event.status_version,
        ):
            raise ConcurrentUpdateError("barcode", event.barcode, "changed since it was read")
        change = {"status": event.status, "status_version": event.status_version}
        self._store.items[(institution, event.barcode)] = item.model_copy(update=change)
        self._store.published_items.append(event)
        self.written.append(event.barcode)


class MemoryPatronRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def find(self, institution: InstitutionCode, ref: str) -> PatronRecord | None:
        snapshots = self._store.snapshots
        snapshot = snapshots.get((institution, ref)) or next(
            (s for (i, _), s in snapshots.items() if i == institution and ref in s.barcodes),
            None,
        )
        if snapshot is None:
            return None
        until = self._store.suspensions.get((institution, snapshot.primary_id))
        return patron_record(snapshot, until)

    async def record_snapshot(self, institution: InstitutionCode, snapshot: IzPatron) -> bool:
        current = self._store.snapshots.get((institution, snapshot.primary_id))
        if current is not None and current.version >= snapshot.version:
            return False
        self._store.snapshots[(institution, snapshot.primary_id)] = snapshot
        return True

    async def forget(self, institution: InstitutionCode, patron_id: str) -> None:
        self._store.snapshots.pop((institution, patron_id), None)
        self._store.suspensions.pop((institution, patron_id), None)

    async def extend_suspension(
        self, institution: InstitutionCode, patron_id: str, until: date
    ) -> None:
        current = self._store.suspensions.get((institution, patron_id))
        self._store.suspensions[(institution, patron_id)] = max(until, current or until)


class MemoryUnitOfWork:
    """One command's repositories over a shared ``MemoryStore``."""

    def __init__(self, store: MemoryStore) -> None:
        self.loans = MemoryLoanRepository(store)
        self.items = MemoryItemRepository(store)
        self.patrons = MemoryPatronRepository(store)
        self.requests = MemoryRequestRepository(store)
        self.network = MemoryNetworkActivityRepository(store)

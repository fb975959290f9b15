"""In-memory requests and network activity, for handler tests (same contract as MongoDB's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from circulation.domain.requests import Request, RequestStatus, RequestTask
from circulation.domain.vocabulary import InstitutionCode
from circulation.service_layer.errors import ConcurrentUpdateError
from rebub_shared.contracts.loans import LoanActivitySummary

if TYPE_CHECKING:
    from .memory import MemoryStore

CLOSED = ("returned", "deleted")


class MemoryRequestRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.written: list[str] = []
        self.as_written: dict[str, dict[str, Any]] = {}  # no documents: nothing to relay

    async def add(self, institution: InstitutionCode, request: Request) -> None:
        self._write(institution, request)

    async def save(self, institution: InstitutionCode, request: Request) -> None:
        current = self._store.requests.get((institution, request.request_id))
        expected = request.saved_version
        if current is None or current.version != expected:
            raise ConcurrentUpdateError("request_id", request.request_id, "changed since read")
        self._write(institution, request)

    def _write(self, institution: InstitutionCode, request: Request) -> None:
        self._store.published_requests += request.pending_events
        request.pending_events = []
        self._store.requests[(institution, request.request_id)] = request.model_copy(deep=True)
        self.written.append(request.request_id)

    async def get(self, institution: InstitutionCode, request_id: str) -> Request | None:
        found = self._store.requests.get((institution, request_id))
        return found.model_copy(deep=True) if found else None

    async def active_for_items(
        self, institution: InstitutionCode, barcodes: Sequence[str]
    ) -> dict[str, list[Request]]:
        found: dict[str, list[Request]] = {}
        for (inst, _), r in self._store.requests.items():
            if inst == institution and r.is_active and r.item_barcode in barcodes:
                found.setdefault(r.item_barcode, []).append(r.model_copy(deep=True))
        return found

    async def with_task(
        self, institution: InstitutionCode, tasks: Sequence[RequestTask], status: RequestStatus
    ) -> list[Request]:
        return [
            r.model_copy(deep=True)
            for (inst, _), r in self._store.requests.items()
            if inst == institution and r.task in tasks and r.status is status
        ]

    async def for_patron(self, institution: InstitutionCode, patron_id: str) -> list[Request]:
        return [
            r.model_copy(deep=True)
            for (inst, _), r in self._store.requests.items()
            if inst == institution and r.patron_id == patron_id
        ]

    async def anonymise(
        self,
        institution: InstitutionCode,
        *,
        placed_before: datetime | None = None,
        patron_id: str | None = None,
    ) -> int:
        changed = 0
        for (inst, _), r in self._store.requests.items():
            old = placed_before is not None and not r.is_active and r.placed_at < placed_before
            theirs = patron_id is not None and r.patron_id == patron_id
            if inst == institution and r.patron_id is not None and (old or theirs):
                r.patron_id, r.version = None, r.version + 1
                changed += 1
        return changed


class MemoryNetworkActivityRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def record(
        self, institution: InstitutionCode, summary: LoanActivitySummary, recorded_at: datetime
    ) -> bool:
        key = (summary.institution, summary.loan_id)
        current = self._store.network.get(key)
        if current is not None and current[0].version >= summary.version:
            return False
        self._store.network[key] = (summary, recorded_at)
        return True

    async def for_patron(
        self, institution: InstitutionCode, primary_id: str
    ) -> list[LoanActivitySummary]:
        return [s for s, _ in self._store.network.values() if s.primary_id == primary_id]

    async def purge_closed_before(self, institution: InstitutionCode, before: datetime) -> int:
        old = [
            k for k, (s, at) in self._store.network.items() if s.status in CLOSED and at < before
        ]
        for key in old:
            del self._store.network[key]
        return len(old)

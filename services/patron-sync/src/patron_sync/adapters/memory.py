"""In-memory fakes of the units of work, for handler unit tests and the repository contract."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from patron_sync.domain.accounts import AccountStatus, Patron
from patron_sync.domain.errors import DuplicateBarcodeError
from patron_sync.domain.import_history import ImportEntry
from patron_sync.domain.nz_accounts import AccountSummary, NzAccount
from patron_sync.domain.nz_entries import NzEntry
from patron_sync.domain.search import NameEntry
from patron_sync.service_layer.unit_of_work import (
    ConcurrentUpdateError,
    ImportRun,
    NzStored,
    RecordPosition,
    StagedSave,
    StoredPatron,
    active_barcodes,
    released_barcodes,
)
from rebub_shared.tenancy import InstitutionCode


def _in_bucket(entries: Iterable[NameEntry], bucket: str) -> list[NameEntry]:
    return [e for e in entries if bucket in e.buckets]


@dataclass
class MemoryPatrons:
    rows: dict[str, StoredPatron] = field(default_factory=dict)

    async def get(self, account_id: str) -> StoredPatron | None:
        return self.rows.get(account_id)

    async def get_many(self, account_ids: Iterable[str]) -> dict[str, StoredPatron]:
        return {i: self.rows[i] for i in account_ids if i in self.rows}

    async def barcode_holder(self, barcode: str) -> str | None:
        return next((k for k, s in self.rows.items() if barcode in active_barcodes(s.patron)), None)

    async def by_barcode(self, barcode: str) -> StoredPatron | None:
        holder = await self.barcode_holder(barcode)
        return self.rows[holder] if holder else None

    async def erase(self, account_id: str) -> bool:
        return self.rows.pop(account_id, None) is not None

    async def name_entries(self, bucket: str) -> list[NameEntry]:
        entries = (
            NameEntry.of(k, s.patron.record, active=s.patron.status is AccountStatus.ACTIVE)
            for k, s in self.rows.items()
        )
        return _in_bucket(entries, bucket)


@dataclass
class MemoryNzProjection:
    """Entries only; ``topic`` is what went past on ``nz.patron.v1`` (the full accounts)."""

    rows: dict[str, NzEntry] = field(default_factory=dict)
    topic: dict[str, NzAccount] = field(default_factory=dict)
    read_at: dict[str, RecordPosition | None] = field(default_factory=dict)

    async def get(self, primary_id: str) -> NzEntry | None:
        return self.rows.get(primary_id)

    async def get_many(self, primary_ids: Iterable[str]) -> dict[str, NzEntry]:
        return {i: self.rows[i] for i in primary_ids if i in self.rows}

    async def by_barcode(self, barcode: str) -> NzEntry | None:
        return next((e for e in self.rows.values() if barcode in e.barcodes), None)

    async def versions(self, primary_ids: Iterable[str]) -> dict[str, int]:
        return {i: self.rows[i].version for i in primary_ids if i in self.rows}

    async def put(
        self,
        new: Sequence[NzAccount],
        newer: Sequence[NzAccount],
        positions: Mapping[str, RecordPosition] | None = None,
    ) -> None:
        for account in (*new, *newer):
            self.rows[account.record.primary_id] = NzEntry.of(account)
            self.topic[account.record.primary_id] = account
            self.read_at[account.record.primary_id] = (positions or {}).get(
                account.record.primary_id
            )

    async def positions(self, primary_ids: Iterable[str]) -> dict[str, RecordPosition | None]:
        return {i: self.read_at.get(i) for i in primary_ids if i in self.rows}

    async def delete(self, primary_ids: Sequence[str]) -> None:
        for key in primary_ids:
            self.rows.pop(key, None)
            self.topic.pop(key, None)

    async def name_entries(self, bucket: str) -> list[NameEntry]:
        return _in_bucket((e.name_entry() for e in self.rows.values()), bucket)


@dataclass
class MemoryNetworkAccounts:
    """The network zone's accounts as the compacted topic holds them."""

    topic: dict[str, NzAccount]
    reads: int = 0

    async def account(
        self, primary_id: str, position: RecordPosition | None = None
    ) -> NzAccount | None:
        self.reads += 1
        return self.topic.get(primary_id)

    async def accounts(
        self, primary_ids: Sequence[str], positions: Mapping[str, RecordPosition | None]
    ) -> dict[str, NzAccount]:
        self.reads += 1
        return {k: self.topic[k] for k in primary_ids if k in self.topic}


@dataclass
class MemoryDepartures:
    sent: list[str] = field(default_factory=list)
    applied_: list[tuple[str, int]] = field(default_factory=list)
    about: list[str] = field(default_factory=list)
    purged_: list[str] = field(default_factory=list)
    readers_erased: list[tuple[str, str]] = field(default_factory=list)

    async def erased(self, account_ids: Sequence[str], request_id: str) -> None:
        self.sent.extend(account_ids)

    async def purged(self, account_ids: Sequence[str]) -> None:
        self.purged_.extend(account_ids)

    async def applied(self, request_id: str, accounts: int, about: Sequence[str] = ()) -> None:
        self.applied_.append((request_id, accounts))
        self.about.extend(about)

    async def reader_erased(self, reader_id: str, request_id: str) -> None:
        self.readers_erased.append((reader_id, request_id))


@dataclass
class MemoryIzUnitOfWork:
    """The fake IZ store; ``published`` collects ``(patron, revision, also)`` of each write."""

    tenant: InstitutionCode
    patrons: MemoryPatrons = field(default_factory=MemoryPatrons)
    nz: MemoryNzProjection = field(default_factory=MemoryNzProjection)
    staged: list[StagedSave] = field(default_factory=list)
    published: list[tuple[Patron, int, tuple[Any, ...]]] = field(default_factory=list)
    readers: int = 0
    departures: MemoryDepartures = field(default_factory=MemoryDepartures)

    @property
    def network(self) -> MemoryNetworkAccounts:
        return MemoryNetworkAccounts(self.nz.topic)

    def fresh(self) -> "MemoryIzUnitOfWork":
        """A new unit of work on the same data (what a factory gives each command)."""
        return MemoryIzUnitOfWork(
            self.tenant, self.patrons, self.nz, [], self.published, self.readers, self.departures
        )

    async def next_reader_number(self) -> int:
        self.readers += 1
        return self.readers

    async def commit(self) -> list[StoredPatron]:
        saved = []
        staged, self.staged = self.staged, []
        released = released_barcodes(staged)
        for save in staged:
            key = save.patron.account_id
            current = self.patrons.rows.get(key)
            if (current.revision if current else 0) != (
                save.previous.revision if save.previous else 0
            ):
                raise ConcurrentUpdateError(key)
            for barcode in active_barcodes(save.patron):
                holder = await self.patrons.barcode_holder(barcode)
                if holder not in (None, key) and released.get(barcode) != holder:
                    raise DuplicateBarcodeError("barcode", barcode, f"already held by {holder}")
            stored = StoredPatron(
                save.patron, (current.revision if current else 0) + 1, save.merged_from
            )
            self.patrons.rows[key] = stored
            self.published.append((save.patron, stored.revision, tuple(save.also)))
            saved.append(stored)
        return saved


@dataclass
class MemoryNzAccounts:
    rows: dict[str, NzStored] = field(default_factory=dict)
    runs: dict[InstitutionCode, ImportRun] = field(default_factory=dict)
    publications: dict[str, list[str]] = field(default_factory=dict)

    async def get_many(self, primary_ids: Iterable[str]) -> dict[str, NzStored]:
        return {i: self.rows[i] for i in primary_ids if i in self.rows}

    async def write(self, new: Sequence[NzAccount], changed: Sequence[NzAccount]) -> None:
        for account in (*new, *changed):
            self.rows[account.record.primary_id] = NzStored(account)

    async def summaries(self) -> dict[str, AccountSummary]:
        return {k: AccountSummary.of(s.account) for k, s in self.rows.items()}

    async def repair_summaries(self, accounts: Sequence[NzAccount]) -> None:
        return None  # summaries are derived from the rows here: never missing

    async def begin_publication(self, primary_ids: Sequence[str]) -> str:
        token = str(len(self.publications) + 1)
        self.publications[token] = list(primary_ids)
        return token

    async def end_publication(self, token: str) -> None:
        self.publications.pop(token, None)

    async def unfinished_publications(self) -> list[tuple[str, list[str]]]:
        return list(self.publications.items())

    async def purge(self, primary_ids: Sequence[str]) -> None:
        for key in primary_ids:
            self.rows.pop(key, None)

    async def last_full_import(self, source: InstitutionCode) -> int | None:
        run = self.runs.get(source)
        return run.received if run else None

    async def record_import(self, run: ImportRun) -> None:
        self.runs[run.source] = run


@dataclass
class MemoryNzPublisher:
    sent: list[NzAccount] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)
    erasures: list[tuple[str, str]] = field(default_factory=list)

    async def publish(self, accounts: Sequence[NzAccount]) -> None:
        self.sent.extend(accounts)

    async def tombstones(self, primary_ids: Sequence[str], erasure: str | None = None) -> None:
        self.purged.extend(primary_ids)
        if erasure is not None:
            self.erasures.extend((k, erasure) for k in primary_ids)


@dataclass
class MemoryImportHistory:
    entries: list[ImportEntry] = field(default_factory=list)

    async def add(self, entry: ImportEntry) -> None:
        self.entries.append(entry)

    async def latest(
        self, source: InstitutionCode | None = None, limit: int = 50
    ) -> list[ImportEntry]:
        chosen = [e for e in self.entries if source in (None, e.source)]
        return sorted(chosen, key=lambda e: e.received_at, reverse=True)[:limit]

    async def get(self, import_id: str) -> ImportEntry | None:
        return next((e for e in self.entries if e.id == import_id), None)

    async def last_received(self) -> dict[InstitutionCode, datetime]:
        last: dict[InstitutionCode, datetime] = {}
        for e in self.entries:
            last[e.source] = max(e.received_at, last.get(e.source, e.received_at))
        return last

    async def purge_before(self, before: datetime) -> int:
        kept = [e for e in self.entries if e.received_at >= before]
        gone, self.entries = len(self.entries) - len(kept), kept
        return gone

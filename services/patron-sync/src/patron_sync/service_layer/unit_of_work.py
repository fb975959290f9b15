"""Units of work and their repositories (ports); Mongo and in-memory adapters implement them.

There are no multi-document transactions on our stores: each aggregate (an IZ patron with its
outbox, an NZ account with its publication mark) is one document write. The IZ unit of work stages
saves and ``commit`` writes them in order, checking each patron's revision (optimistic lock).
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Protocol

from patron_sync.domain.accounts import AccountStatus, Patron
from patron_sync.domain.events import ExternalReaderChanged, ExternalReaderCreated
from patron_sync.domain.events import WaitingAccountMerged as WaitingMergedEvent
from patron_sync.domain.feed_records import FeedItem
from patron_sync.domain.import_history import ImportEntry
from patron_sync.domain.nz_accounts import AccountSummary, NzAccount
from patron_sync.domain.nz_entries import NzEntry
from patron_sync.domain.search import NameEntry
from rebub_shared import correlation
from rebub_shared.tenancy import InstitutionCode

#: Domain events an IZ patron save publishes besides its PatronChanged snapshot.
AlsoPublished = WaitingMergedEvent | ExternalReaderCreated | ExternalReaderChanged


class ConcurrentUpdateError(Exception):
    """Another writer changed the patron since it was read: the command is run again."""


@dataclass(frozen=True)
class StoredPatron:
    """A patron as read, with its IZ ``revision`` (grows at every write, published as the
    IzPatron version) and the waiting accounts already merged into it (crash-safe merges)."""

    patron: Patron
    revision: int
    merged_from: tuple[str, ...] = ()


@dataclass
class StagedSave:
    previous: StoredPatron | None
    patron: Patron
    also: Sequence[AlsoPublished] = ()
    merged_from: tuple[str, ...] = ()
    # The correlation id of the work that staged it (a batch adopts each record's in turn):
    # the events of this write carry it, whenever the unit of work commits.
    correlation_id: str | None = field(default_factory=correlation.current)


def active_barcodes(patron: Patron) -> set[str]:
    """Barcodes an account holds in the IZ's unique index (a closed account holds none)."""
    return patron.all_barcodes() if patron.status is AccountStatus.ACTIVE else set()


def released_barcodes(staged: Iterable[StagedSave]) -> dict[str, str]:
    """Barcodes that staged saves give up, and by whom: another save of the same commit may take
    them over (a waiting account's barcodes move to the institutional account)."""
    released: dict[str, str] = {}
    for save in staged:
        if save.previous is not None:
            gone = active_barcodes(save.previous.patron) - active_barcodes(save.patron)
            released |= dict.fromkeys(gone, save.patron.account_id)
    return released


class PatronRepository(Protocol):
    """An IZ's own patrons (external copies, external readers, waiting accounts)."""

    async def get(self, account_id: str) -> StoredPatron | None: ...
    async def get_many(self, account_ids: Iterable[str]) -> dict[str, StoredPatron]: ...
    async def by_barcode(self, barcode: str) -> StoredPatron | None: ...
    async def name_entries(self, bucket: str) -> list[NameEntry]:
        """The name index's entries of ``bucket`` (see ``domain.search.name_bucket``)."""
        ...

    async def barcode_holder(self, barcode: str) -> str | None: ...
    async def erase(self, account_id: str) -> bool:
        """Remove the account, its barcodes and its name index entries (erasure); False when
        there was none."""
        ...


class RecordPosition(NamedTuple):
    """Where the projection read an account on ``nz.patron.v1``: linking it reads that record
    alone instead of its whole partition."""

    partition: int
    offset: int


class NzProjection(Protocol):
    """This IZ's read-only projection of the compacted ``nz.patron.v1`` topic: an
    :class:`NzEntry` per network account (what a search needs, no contact data)."""

    async def get(self, primary_id: str) -> NzEntry | None: ...
    async def get_many(self, primary_ids: Iterable[str]) -> dict[str, NzEntry]: ...
    async def by_barcode(self, barcode: str) -> NzEntry | None: ...
    async def versions(self, primary_ids: Iterable[str]) -> dict[str, int]: ...
    async def put(
        self,
        new: Sequence[NzAccount],
        newer: Sequence[NzAccount],
        positions: Mapping[str, RecordPosition] | None = None,
    ) -> None:
        """Store the entries of these accounts (their contact data is left out), with where
        each was read (``positions``, by primary id)."""
        ...

    async def positions(self, primary_ids: Iterable[str]) -> dict[str, RecordPosition | None]:
        """The known ones of ``primary_ids``, each with where it was read (None: not kept)."""
        ...

    async def delete(self, primary_ids: Sequence[str]) -> None: ...
    async def name_entries(self, bucket: str) -> list[NameEntry]: ...


class NetworkAccounts(Protocol):
    """The network zone's full accounts, read when one is linked (not kept in the IZ)."""

    async def account(
        self, primary_id: str, position: RecordPosition | None = None
    ) -> NzAccount | None:
        """The account's latest version in the network zone (None: unknown or erased); with a
        ``position``, the record the projection read there (a newer one follows it there)."""
        ...

    async def accounts(
        self, primary_ids: Sequence[str], positions: Mapping[str, RecordPosition | None]
    ) -> dict[str, NzAccount]:
        """The versions of those of ``primary_ids`` the network zone holds (at ``positions``)."""
        ...


class Departures(Protocol):
    """Tells the institution's other services that accounts were erased: a tombstone per
    account on ``{inst}.patron.v1``, carrying the erasure header naming the request; then the
    network zone that the request was applied here (``net.erasure.v1``). For an external reader
    this zone created, the erasure itself (``reader_erased``)."""

    async def erased(self, account_ids: Sequence[str], request_id: str) -> None: ...

    async def applied(self, request_id: str, accounts: int, about: Sequence[str] = ()) -> None:
        """Confirm the request applied here (``accounts`` copies removed); the institution's
        dead letters naming one of ``about`` (the person's ids) are tombstoned first."""

    async def purged(self, account_ids: Sequence[str]) -> None:
        """Plain tombstones (no erasure header): the network zone purged these accounts; the
        institution's other services forget them (their loans keep their own retention)."""

    async def reader_erased(self, reader_id: str, request_id: str) -> None:
        """An external reader this zone created is erased: a tombstone with the erasure header
        on ``net.external-reader.v1`` (every zone, this one too, removes its copy)."""


class IzUnitOfWork(Protocol):
    tenant: InstitutionCode
    patrons: PatronRepository
    nz: NzProjection
    network: NetworkAccounts
    departures: Departures
    staged: list[StagedSave]

    async def next_reader_number(self) -> int: ...
    async def commit(self) -> list[StoredPatron]: ...


def stage(
    uow: IzUnitOfWork,
    previous: StoredPatron | None,
    patron: Patron,
    also: Sequence[AlsoPublished] = (),
    merged_from: tuple[str, ...] | None = None,
) -> None:
    """Stage one patron write (and the events it publishes) for ``uow.commit``."""
    kept = previous.merged_from if previous else ()
    uow.staged.append(
        StagedSave(previous, patron, also, kept if merged_from is None else merged_from)
    )


@dataclass
class NzStored:
    account: NzAccount


@dataclass
class ImportRun:
    source: InstitutionCode
    mode: str
    received: int
    at_iso: str


class NzAccountRepository(Protocol):
    """The network zone's accounts, and the publications begun but not finished (an outbox of
    primary ids per batch: two small writes per batch instead of one flag write per account)."""

    async def get_many(self, primary_ids: Iterable[str]) -> dict[str, NzStored]: ...
    async def write(self, new: Sequence[NzAccount], changed: Sequence[NzAccount]) -> None:
        """Store the accounts, then their summaries (a summary never runs ahead of its account:
        a missing or stale one only makes the next import read the account)."""
        ...

    async def summaries(self) -> dict[str, AccountSummary]:
        """Every stored account's summary, by primary id."""
        ...

    async def repair_summaries(self, accounts: Sequence[NzAccount]) -> None:
        """Write the summaries of stored accounts found unchanged whose summary was missing or
        stale (a crash between an account's write and its summary's)."""
        ...

    async def begin_publication(self, primary_ids: Sequence[str]) -> str: ...
    async def end_publication(self, token: str) -> None: ...
    async def unfinished_publications(self) -> list[tuple[str, list[str]]]: ...
    async def purge(self, primary_ids: Sequence[str]) -> None: ...
    async def last_full_import(self, source: InstitutionCode) -> int | None: ...
    async def record_import(self, run: ImportRun) -> None: ...


class ImportHistory(Protocol):
    """Every import kept, newest first when read (survives restarts: the store's)."""

    async def add(self, entry: ImportEntry) -> None: ...
    async def latest(
        self, source: InstitutionCode | None = None, limit: int = 50
    ) -> list[ImportEntry]: ...
    async def get(self, import_id: str) -> ImportEntry | None: ...
    async def last_received(self) -> dict[InstitutionCode, datetime]:
        """Each source's latest feed, applied or refused."""
        ...

    async def purge_before(self, before: datetime) -> int:
        """Delete the imports received before ``before`` (the retention); how many went."""
        ...


class NzPublisher(Protocol):
    """Publishes NZ accounts on ``nz.patron.v1``: a batch of sends, then one wait."""

    async def publish(self, accounts: Sequence[NzAccount]) -> None: ...
    async def tombstones(self, primary_ids: Sequence[str], erasure: str | None = None) -> None:
        """Tombstones (null values); ``erasure`` names the erasure request they carry out."""
        ...


class FeedReader(Protocol):
    """Reads one DSI feed file: a whole-file pre-check, then its records streamed (the parsers
    are adapters; the import only sees what they yield)."""

    def check(self, path: Path) -> int:
        """Records in the file, good and bad; raises ``FeedRefusedError`` naming why not."""
        ...

    def read(self, path: Path, source: InstitutionCode) -> Iterator[FeedItem]:
        """``source``'s records, a ``ParsedAccount`` or a ``Reject`` each, in file order."""
        ...

    def fingerprint(self, path: Path) -> tuple[str, int]:
        """The file's sha256 (hex) and size in bytes, for the import history."""
        ...


@dataclass
class NzUnitOfWork:
    accounts: NzAccountRepository
    publisher: NzPublisher
    feeds: FeedReader
    history: ImportHistory

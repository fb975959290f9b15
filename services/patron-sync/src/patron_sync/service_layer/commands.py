"""Commands, named in the imperative; every command names its tenant and, as its type
parameter, what its handler answers."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from patron_sync.domain.absence import ImportMode
from patron_sync.domain.accounts import LocalBlock, Note, Statistic
from patron_sync.domain.erasure import ErasureDone
from patron_sync.domain.import_report import ImportReport
from patron_sync.domain.nz_accounts import NzAccount
from patron_sync.domain.patron import Address, Email, Identifier, PatronRecord, Phone
from patron_sync.service_layer.unit_of_work import RecordPosition, StoredPatron
from rebub_shared.messagebus import Command
from rebub_shared.tenancy import InstitutionCode


@dataclass(frozen=True)
class ImportFeed(Command[ImportReport]):
    """Network zone: import ``source``'s DSI feed file."""

    path: Path
    source: InstitutionCode
    mode: ImportMode = ImportMode.FULL
    force: bool = False  # accept a full feed much smaller than the last one
    file_name: str | None = None  # as uploaded (the path may be a spool file); default its name
    uploaded_by: str = "unknown"  # the token's subject, or the command that picked it up


@dataclass(frozen=True)
class ApplyNzAccounts(Command[int]):
    """Institution zone: apply a batch read from ``nz.patron.v1`` (tombstones purge the
    projection's entry; ``erased``: the tombstones of an erasure, which remove this zone's copies
    of the person too; ``requests``: the erasure request of each, from its header)."""

    tenant: InstitutionCode
    accounts: tuple[NzAccount, ...]
    tombstones: tuple[str, ...] = ()
    erased: tuple[str, ...] = ()
    requests: Mapping[str, str] = field(default_factory=dict)
    positions: Mapping[str, RecordPosition] = field(default_factory=dict)  # where each was read
    # Each account's record's correlation id: what its copy publishes carries it.
    correlations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkPatron(Command[StoredPatron]):
    """Institution zone: copy an NZ account into this IZ on first use (or return the copy)."""

    tenant: InstitutionCode
    primary_id: str


#: The most primary ids one bulk link takes: a larger migration sends several requests.
MAX_BULK_LINK = 1000


@dataclass(frozen=True, slots=True)
class LinkReport:
    """Each primary id asked once, in the order asked, under what happened to it."""

    linked: tuple[str, ...]
    already_linked: tuple[str, ...]
    unknown: tuple[str, ...]


@dataclass(frozen=True)
class LinkPatrons(Command[LinkReport]):
    """Institution zone: link many network accounts at once (bounded: ``MAX_BULK_LINK``)."""

    tenant: InstitutionCode
    primary_ids: tuple[str, ...]


@dataclass(frozen=True)
class AddIdentifier(Command[StoredPatron]):
    tenant: InstitutionCode
    account_id: str
    identifier: Identifier


@dataclass(frozen=True)
class AddNote(Command[StoredPatron]):
    tenant: InstitutionCode
    account_id: str
    note: Note


@dataclass(frozen=True)
class AddLocalBlock(Command[StoredPatron]):
    tenant: InstitutionCode
    account_id: str
    block: LocalBlock


@dataclass(frozen=True)
class LiftLocalBlock(Command[StoredPatron]):
    """Lift a staff block before its end."""

    tenant: InstitutionCode
    account_id: str
    block_id: str


@dataclass(frozen=True)
class EditNote(Command[StoredPatron]):
    """Change a note's text or its "show at the desk" flag (``None``: unchanged)."""

    tenant: InstitutionCode
    account_id: str
    note_id: str
    edited_by: str
    text: str | None = None
    at_desk: bool | None = None


@dataclass(frozen=True)
class DeleteNote(Command[StoredPatron]):
    tenant: InstitutionCode
    account_id: str
    note_id: str


@dataclass(frozen=True)
class SetStatistic(Command[StoredPatron]):
    """Set the account's value of a local statistical category (replacing the old one)."""

    tenant: InstitutionCode
    account_id: str
    statistic: Statistic


@dataclass(frozen=True)
class RemoveStatistic(Command[StoredPatron]):
    tenant: InstitutionCode
    account_id: str
    category: str


@dataclass(frozen=True)
class MergeWaitingAccount(Command[StoredPatron]):
    """Staff confirm that waiting account ``waiting_id`` is the reader of institutional
    account ``primary_id`` (another primary id): merge it, loans included, and close it."""

    tenant: InstitutionCode
    waiting_id: str
    primary_id: str


@dataclass(frozen=True)
class EditPatron(Command[StoredPatron]):
    """A local edit; refused (naming the field) when it touches an NZ-owned field."""

    tenant: InstitutionCode
    account_id: str
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CreateExternalReader(Command[StoredPatron]):
    tenant: InstitutionCode
    record: PatronRecord


@dataclass(frozen=True)
class ChangeExternalReader(Command[StoredPatron]):
    tenant: InstitutionCode
    account_id: str
    emails: tuple[Email, ...] | None = None
    addresses: tuple[Address, ...] | None = None
    phones: tuple[Phone, ...] | None = None
    expiry_date: date | None = None


@dataclass(frozen=True)
class EraseExternalReader(Command[int]):
    """Institution zone: an erasure tombstone on ``net.external-reader.v1`` (its header names
    ``request_id``): this zone's copy of the reader goes, announced and confirmed."""

    tenant: InstitutionCode
    primary_id: str
    request_id: str


@dataclass(frozen=True)
class RequestReaderErasure(Command[ErasureDone]):
    """Institution zone: erase an external reader this zone created (article 17) for erasure
    request ``request_id``: a tombstone naming the request on ``net.external-reader.v1``, which
    every zone (this one too) applies as an ``EraseExternalReader``."""

    tenant: InstitutionCode
    account_id: str
    request_id: str


@dataclass(frozen=True)
class ApplyExternalReader(Command[StoredPatron | None]):
    """Institution zone: an IZ published an external reader (created or changed); ``written_by``
    is the IZ that wrote this version (this one too: its own publications come back)."""

    tenant: InstitutionCode
    record: PatronRecord
    version: int
    written_by: InstitutionCode
    closed: bool = False


@dataclass(frozen=True)
class CloseExternalReader(Command[StoredPatron]):
    """Close an external reader here; the closure propagates to every IZ."""

    tenant: InstitutionCode
    account_id: str


@dataclass(frozen=True)
class CreateWaitingAccount(Command[StoredPatron]):
    tenant: InstitutionCode
    record: PatronRecord


@dataclass(frozen=True)
class EraseAccount(Command[ErasureDone]):
    """Network zone: erase one person's account (article 17) for erasure request
    ``request_id``; ``source``: the requester's institution, which must be the account's."""

    primary_id: str
    request_id: str
    source: InstitutionCode | None = None

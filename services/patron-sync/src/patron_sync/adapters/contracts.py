"""Domain models <-> the shared event contracts (``rebub_shared.contracts.patrons``).

The contracts are flatter than the domain: preferred flags become "the preferred one first",
identifiers other than ``BARCODE`` and an address's second line beyond ``lines`` are not carried.
"""

from datetime import datetime, time
from typing import TypeVar

from patron_sync.domain.accounts import Patron
from patron_sync.domain.nz_accounts import NzAccount
from patron_sync.domain.patron import Address, Email, Identifier, PatronRecord, Phone
from patron_sync.domain.user_groups import UserGroup
from rebub_shared.clock import PARIS, paris_date
from rebub_shared.contracts import patrons as c

T = TypeVar("T", Email, Address, Phone)


def _first_preferred(items: tuple[T, ...]) -> list[T]:
    return sorted(items, key=lambda item: not item.preferred)


def contact_of(record: PatronRecord) -> c.Contact:
    """The contract's contact block of a record (the preferred entry first)."""
    return c.Contact(
        emails=[str(e.address) for e in _first_preferred(record.emails)],
        addresses=[
            c.PostalAddress(
                lines=[a.line1, *([a.line2] if a.line2 else [])],
                postal_code=a.postal_code or "",
                city=a.city or "",
                country=a.country or "France",
            )
            for a in _first_preferred(record.addresses)
        ],
        phones=[p.number for p in _first_preferred(record.phones)],
    )


def record_fields_of(contact: c.Contact, barcodes: list[str]) -> dict[str, object]:
    """Record fields rebuilt from a contact block and barcodes (the first entry preferred)."""
    return {
        "emails": tuple(Email(address=e, preferred=i == 0) for i, e in enumerate(contact.emails)),
        "addresses": tuple(
            Address(
                line1=a.lines[0],
                line2=a.lines[1] if len(a.lines) > 1 else None,
                postal_code=a.postal_code or None,
                city=a.city or None,
                country=a.country,
                preferred=i == 0,
            )
            for i, a in enumerate(contact.addresses)
        ),
        "phones": tuple(Phone(number=p, preferred=i == 0) for i, p in enumerate(contact.phones)),
        "identifiers": tuple(Identifier(value=b) for b in barcodes),
    }


def _barcodes(record: PatronRecord) -> list[str]:
    return [i.value for i in record.identifiers if i.id_type == "BARCODE"]


def to_nz_contract(account: NzAccount) -> c.NzAccount:
    """The ``nz.patron.v1`` snapshot of an NZ account."""
    record = account.record
    absent = paris_date(account.absent_since) if account.absent_since else None
    return c.NzAccount(
        primary_id=record.primary_id,
        source=record.source_institution,
        last_name=record.last_name,
        first_name=record.first_name,
        user_group=record.user_group.value,
        expiry_date=record.expiry_date,
        contact=contact_of(record),
        barcodes=_barcodes(record),
        campus=record.campus,
        absent_since=absent,
        fingerprint=account.fingerprint,
        version=account.version,
    )


def from_nz_contract(account: c.NzAccount, received_at: datetime) -> NzAccount:
    """An NZ account as an IZ's projection of ``nz.patron.v1`` holds it."""
    record = PatronRecord.model_validate(
        {
            "primary_id": account.primary_id,
            "last_name": account.last_name,
            "first_name": account.first_name,
            "user_group": UserGroup(account.user_group),
            "expiry_date": account.expiry_date,
            "source_institution": account.source,
            "campus": account.campus,
        }
        | record_fields_of(account.contact, account.barcodes)
    )
    absent = account.absent_since
    return NzAccount(
        record=record,
        version=account.version,
        fingerprint=account.fingerprint,
        last_seen_at=received_at,
        absent_since=datetime.combine(absent, time(), PARIS) if absent else None,
    )


_BLOCK_FIELDS = set(c.StaffBlock.model_fields)
_NOTE_FIELDS = set(c.AccountNote.model_fields)


def to_iz_contract(patron: Patron, revision: int) -> c.IzPatron:
    """The ``{inst}.patron.v1`` snapshot; ``revision`` grows at every write in this IZ."""
    record = patron.record
    added = [i.value for i in patron.additions.identifiers if i.id_type == "BARCODE"]
    return c.IzPatron(
        primary_id=patron.account_id,
        institution=patron.tenant,
        kind=patron.kind.value,
        last_name=record.last_name,
        first_name=record.first_name,
        user_group=record.user_group.value,
        expiry_date=record.expiry_date,
        contact=contact_of(record),
        barcodes=list(dict.fromkeys(_barcodes(record) + added)),
        local_blocks=[
            c.StaffBlock.model_validate(b.model_dump(include=_BLOCK_FIELDS))
            for b in patron.additions.local_blocks
        ],
        notes=[
            c.AccountNote.model_validate(n.model_dump(include=_NOTE_FIELDS))
            for n in patron.additions.notes
        ],
        status=patron.status.value,
        version=revision,
    )


def to_reader_contract(patron: Patron) -> c.ExternalReader:
    """The ``net.external-reader.v1`` snapshot: the owner's record, no local additions."""
    record = patron.record
    return c.ExternalReader(
        primary_id=patron.account_id,
        created_by=record.source_institution,
        last_name=record.last_name,
        first_name=record.first_name,
        expiry_date=record.expiry_date,
        contact=contact_of(record),
        barcodes=_barcodes(record),
        status=patron.status.value,
        version=patron.version,
        updated_by=patron.tenant,  # published by the IZ that wrote this version
    )


def reader_record(reader: c.ExternalReader) -> PatronRecord:
    """The record of an external reader published by another IZ."""
    return PatronRecord.model_validate(
        {
            "primary_id": reader.primary_id,
            "last_name": reader.last_name,
            "first_name": reader.first_name,
            "user_group": UserGroup.LECTEUR_EXTERIEUR,
            "expiry_date": reader.expiry_date,
            "source_institution": reader.created_by,
        }
        | record_fields_of(reader.contact, reader.barcodes)
    )

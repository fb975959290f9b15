"""External readers: created in one IZ, copied into all five, contact data and expiry shared.

Default (DOMAIN.md section 2): later changes to contact data and expiry propagate to every IZ;
loans, notes and blocks stay local to each IZ. A closure propagates too and is final: a closed
reader borrows in no IZ and changes no more (a returning reader gets a new account).
"""

from dataclasses import dataclass
from datetime import date

from pydantic import AwareDatetime

from patron_sync.domain.accounts import AccountKind, AccountStatus, Patron
from patron_sync.domain.errors import AccountKindError, InvalidFieldError
from patron_sync.domain.events import ExternalReaderChanged, ExternalReaderCreated
from patron_sync.domain.patron import (
    PROPAGATED_READER_FIELDS,
    Address,
    Email,
    PatronRecord,
    Phone,
)
from patron_sync.domain.user_groups import UserGroup
from rebub_shared.bounds import check_expiry
from rebub_shared.clock import check_aware, paris_date
from rebub_shared.tenancy import InstitutionCode, institution_codes


def external_reader_id(tenant: InstitutionCode, number: int) -> str:
    """Network-unique id: ``EXT-<INSTITUTION>-<number>``; ``number`` comes from the creating
    institution's own sequence, the prefix makes it unique across the network."""
    if number < 1:
        raise InvalidFieldError("number", number, "reader numbers start at 1")
    return f"EXT-{tenant.upper()}-{number:06d}"


def check_external_reader(
    record: PatronRecord, tenant: InstitutionCode, now: AwareDatetime
) -> None:
    """An external reader is in group LECTEUR_EXTERIEUR, belongs to its creating institution,
    has a way to be reached (an email or an address) and an expiry date not in the past."""
    if record.user_group is not UserGroup.LECTEUR_EXTERIEUR:
        raise InvalidFieldError("user_group", record.user_group, "must be LECTEUR_EXTERIEUR")
    if record.source_institution != tenant:
        raise InvalidFieldError(
            "source_institution", record.source_institution, f"must be {tenant}"
        )
    if not record.emails and not record.addresses:
        raise InvalidFieldError("emails", record.emails, "an email or an address is required")
    if record.expiry_date < paris_date(now, "now"):
        raise InvalidFieldError("expiry_date", record.expiry_date, "is in the past")
    check_desk_expiry(record.expiry_date, now)


def check_desk_expiry(expiry_date: date, now: AwareDatetime) -> None:
    """An expiry date set at a desk is plausible: from a year ago to ten years ahead."""
    reason = check_expiry(expiry_date, paris_date(now, "now"))
    if reason is not None:
        raise InvalidFieldError("expiry_date", expiry_date, reason)


@dataclass(frozen=True, slots=True)
class ExternalReaderCreation:
    """The reader in the creating IZ and the event that fans it out to the four others."""

    patron: Patron
    event: ExternalReaderCreated


def create_external_reader(
    tenant: InstitutionCode, number: int, record: PatronRecord, now: AwareDatetime
) -> ExternalReaderCreation:
    """Create an external reader in ``tenant``; its primary id becomes the network-unique id."""
    check_aware("now", now)
    reader_id = external_reader_id(tenant, number)
    record = record.model_copy(update={"primary_id": reader_id})
    check_external_reader(record, tenant, now)
    patron = Patron(
        tenant=tenant,
        account_id=reader_id,
        kind=AccountKind.EXTERNAL_READER,
        record=record,
        version=1,
        updated_at=now,
        updated_by=tenant,
    )
    event = ExternalReaderCreated(
        tenant=tenant, reader_id=reader_id, record=record, version=1, created_at=now
    )
    return ExternalReaderCreation(patron, event)


def copy_external_reader(event: ExternalReaderCreated, tenant: InstitutionCode) -> Patron:
    """The copy another IZ (``tenant``) makes of a new external reader: no local additions."""
    return Patron(
        tenant=tenant,
        account_id=event.reader_id,
        kind=AccountKind.EXTERNAL_READER,
        record=event.record,
        version=event.version,
        updated_at=event.created_at,
        updated_by=event.tenant,
    )


def supersedes(version: int, written_by: InstitutionCode, copy: Patron) -> bool:
    """Whether a reader's version written by ``written_by`` replaces this IZ's ``copy``: a higher
    version does; the same version does when its writer comes later in the institutions' order
    (two IZs that changed the reader at once both wrote version n: every IZ keeps the same one)."""
    order = list(institution_codes())
    current_by = copy.updated_by or copy.record.source_institution
    return (version, order.index(written_by)) > (copy.version, order.index(current_by))


def _check_reader(patron: Patron) -> None:
    if patron.kind is not AccountKind.EXTERNAL_READER:
        raise AccountKindError("kind", patron.kind, f"{patron.account_id} is no external reader")


def _check_open_reader(patron: Patron) -> None:
    _check_reader(patron)
    if patron.status is AccountStatus.CLOSED:
        raise AccountKindError("status", patron.status, f"{patron.account_id} is closed")


def close_external_reader(
    patron: Patron, now: AwareDatetime
) -> tuple[Patron, ExternalReaderChanged]:
    """Close an open external reader in its current IZ (version + 1); the event closes every
    other IZ's copy. Its record, loans and local additions stay (loans are returned as usual)."""
    _check_open_reader(patron)
    check_aware("now", now)
    version = patron.version + 1
    update = {"status": AccountStatus.CLOSED, "version": version, "updated_at": now}
    closed = patron.model_copy(update=update | {"updated_by": patron.tenant})
    event = ExternalReaderChanged(
        tenant=patron.tenant,
        reader_id=patron.account_id,
        version=version,
        changed_at=now,
        closed=True,
    )
    return closed, event


def change_external_reader(
    patron: Patron,
    now: AwareDatetime,
    *,
    emails: tuple[Email, ...] | None = None,
    addresses: tuple[Address, ...] | None = None,
    phones: tuple[Phone, ...] | None = None,
    expiry_date: date | None = None,
) -> tuple[Patron, ExternalReaderChanged]:
    """Change contact data and/or expiry of an external reader in its current IZ.

    Returns the updated reader (version + 1) and the event the other IZs apply; a closed reader
    is refused (:class:`AccountKindError`).
    """
    _check_open_reader(patron)
    check_aware("now", now)
    given = {"emails": emails, "addresses": addresses, "phones": phones}
    changes: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    if expiry_date is not None:
        check_desk_expiry(expiry_date, now)
        changes["expiry_date"] = expiry_date
    if not changes:
        raise InvalidFieldError("changes", changes, "nothing to change")
    version = patron.version + 1
    record = patron.record.model_validate(patron.record.model_dump() | changes)
    update = {"record": record, "version": version, "updated_at": now, "updated_by": patron.tenant}
    updated = patron.model_copy(update=update)
    event = ExternalReaderChanged.model_validate(
        {"tenant": patron.tenant, "reader_id": patron.account_id, "version": version}
        | {"changed_at": now}
        | changes
    )
    return updated, event


def apply_external_reader_change(copy: Patron, event: ExternalReaderChanged) -> Patron:
    """Apply another IZ's change to this IZ's copy: contact data and expiry only, local notes,
    blocks and barcodes kept; an event that does not supersede the copy is ignored (returns
    ``copy``). A closure always closes: a closed copy stays closed whatever comes after, and a
    closure that loses a tie to another IZ's change of the same version still closes the copy
    (its fields follow the winner), so every IZ ends closed."""
    _check_reader(copy)
    if not supersedes(event.version, event.tenant, copy):
        if event.closed and copy.status is AccountStatus.ACTIVE:
            return copy.model_copy(update={"status": AccountStatus.CLOSED})
        return copy
    fields = sorted(PROPAGATED_READER_FIELDS)
    changes = {f: getattr(event, f) for f in fields if getattr(event, f) is not None}
    record = copy.record.model_copy(update=changes)
    update = {
        "record": record,
        "version": event.version,
        "updated_at": event.changed_at,
        "updated_by": event.tenant,
        "status": AccountStatus.CLOSED if event.closed else copy.status,
    }
    return copy.model_copy(update=update)

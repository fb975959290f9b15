"""Desk lookups in one IZ: by barcode, by name (which links NZ-only matches), by primary id."""

from pydantic import AwareDatetime

from patron_sync.domain.accounts import AccountStatus
from patron_sync.domain.search import check_search_term
from patron_sync.service_layer.commands import LinkPatron
from patron_sync.service_layer.errors import BarcodeNotFoundError
from patron_sync.service_layer.institution import link_patron
from patron_sync.service_layer.unit_of_work import IzUnitOfWork, StoredPatron

BARCODE_HINT = (
    "no account of this institution holds this barcode: search by name (the barcode may be "
    "missing from the account, or the account is not yet in this institution)"
)


async def find_by_barcode(uow: IzUnitOfWork, barcode: str) -> StoredPatron:
    """The account holding ``barcode``, or :class:`BarcodeNotFoundError` with the hint."""
    stored = await uow.patrons.by_barcode(barcode.strip())
    if stored is None:
        raise BarcodeNotFoundError("barcode", barcode, BARCODE_HINT)
    return stored


async def search_by_name(
    uow: IzUnitOfWork, term: str, limit: int, now: AwareDatetime
) -> list[StoredPatron]:
    """Accounts whose name starts with ``term`` (3 letters at least, accents and case ignored).

    NZ accounts not yet in this IZ that match are linked now (link on first use), up to
    ``limit`` results in all.
    """
    key = check_search_term(term)
    found = [
        s for s in await uow.patrons.search(key, limit) if s.patron.status is AccountStatus.ACTIVE
    ]
    ids = {s.patron.account_id for s in found}
    for nz in await uow.nz.search(key, limit):
        if len(found) >= limit:
            break
        if nz.record.primary_id not in ids:
            found.append(await link_patron(LinkPatron(uow.tenant, nz.record.primary_id), uow, now))
            ids.add(nz.record.primary_id)
    return found

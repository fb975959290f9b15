"""Desk lookups in one IZ: by barcode, by name (which links NZ-only matches), by primary id."""

from dataclasses import dataclass

from pydantic import AwareDatetime

from patron_sync.domain.search import check_search_term, name_bucket, rank_matches
from patron_sync.service_layer.commands import LinkPatron
from patron_sync.service_layer.context import Context
from patron_sync.service_layer.errors import BarcodeNotFoundError, PatronNotFoundError
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


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of a name search: ``total`` matches in all, this page from ``offset``."""

    patrons: list[StoredPatron]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts (None: this is the last)."""
        end = self.offset + len(self.patrons)
        return end if end < self.total else None


async def search_by_name(
    uow: IzUnitOfWork, term: str, now: AwareDatetime, *, offset: int = 0, limit: int = 20
) -> SearchPage:
    """Accounts with a name starting with ``term`` (3 letters at least, accents and case
    ignored; "martin chl" is last name then first name), ranked by ``rank_matches``: this
    institution's own first, exact names before prefixes.

    Reads one bucket of each name index; network accounts shown on this page that are not yet in
    this IZ are linked now (link on first use), and only those.
    """
    key = check_search_term(term)
    bucket = name_bucket(key)
    linked = await uow.patrons.name_entries(bucket)
    network = await uow.nz.name_entries(bucket)
    ranked = rank_matches(key, uow.tenant, linked, network)
    page = ranked[offset : offset + limit]
    here = await uow.patrons.get_many(m.entry.account_id for m in page if m.linked)
    patrons: list[StoredPatron] = []
    for match in page:
        pid = match.entry.account_id
        stored = here.get(pid)
        if stored is None:  # a network account, linked now
            try:
                stored = await link_patron(LinkPatron(uow.tenant, pid), uow, Context(lambda: now))
            except PatronNotFoundError:  # purged since the index was read
                continue
        patrons.append(stored)
    return SearchPage(patrons, len(ranked), offset, limit)

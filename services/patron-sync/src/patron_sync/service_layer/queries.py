"""Desk lookups in one IZ: by barcode, by name. A lookup links nobody (issue 21): a network
account found here is answered from the projection's entry (no contact data) and is linked only
when staff open it or act for it (``LinkPatron``)."""

from dataclasses import dataclass

from patron_sync.domain.nz_entries import NzEntry
from patron_sync.domain.search import check_search_term, name_bucket, rank_matches
from patron_sync.service_layer.errors import BarcodeNotFoundError
from patron_sync.service_layer.unit_of_work import IzUnitOfWork, StoredPatron

BARCODE_HINT = (
    "no account of this institution holds this barcode: search by name (the barcode may be "
    "missing from the account, or the account is not yet in this institution)"
)

#: One account a lookup found: this IZ's own, or a network account not linked here.
Found = StoredPatron | NzEntry


async def find_by_barcode(uow: IzUnitOfWork, barcode: str) -> Found:
    """The account holding ``barcode`` here, else the network account holding it (not linked),
    or :class:`BarcodeNotFoundError` with the hint."""
    stored = await uow.patrons.by_barcode(barcode.strip())
    if stored is not None:
        return stored
    entry = await uow.nz.by_barcode(barcode.strip())
    if entry is None or await uow.patrons.get(entry.primary_id) is not None:
        raise BarcodeNotFoundError("barcode", barcode, BARCODE_HINT)
    return entry


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of a name search: ``total`` matches in all, this page from ``offset``."""

    patrons: list[Found]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts (None: this is the last)."""
        end = self.offset + len(self.patrons)
        return end if end < self.total else None


async def search_by_name(
    uow: IzUnitOfWork, term: str, *, offset: int = 0, limit: int = 20
) -> SearchPage:
    """Accounts with a name starting with ``term`` (3 letters at least, accents and case
    ignored; "martin chl" is last name then first name), ranked by ``rank_matches``: this
    institution's own first, exact names before prefixes.

    Reads one bucket of each name index; network accounts not yet in this IZ are answered from
    the projection's entries and stay unlinked.
    """
    key = check_search_term(term)
    bucket = name_bucket(key)
    linked = await uow.patrons.name_entries(bucket)
    network = await uow.nz.name_entries(bucket)
    ranked = rank_matches(key, uow.tenant, linked, network)
    page = ranked[offset : offset + limit]
    here = await uow.patrons.get_many(m.entry.account_id for m in page if m.linked)
    there = await uow.nz.get_many(m.entry.account_id for m in page if not m.linked)
    patrons: list[Found] = []
    for match in page:
        pid = match.entry.account_id
        found: Found | None = here.get(pid) if match.linked else there.get(pid)
        if found is not None:  # None: purged since the index was read
            patrons.append(found)
    return SearchPage(patrons, len(ranked), offset, limit)

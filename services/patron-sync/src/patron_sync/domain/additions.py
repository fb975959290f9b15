"""What an institution zone adds to an account: extra barcodes, notes, local blocks, statistics.

These are local to one IZ, survive every NZ import and are never propagated.
"""

from pydantic import AwareDatetime

from patron_sync.domain.accounts import LocalBlock, Note, Patron, Statistic
from patron_sync.domain.errors import DuplicateBarcodeError
from patron_sync.domain.patron import Identifier


def _with(patron: Patron, now: AwareDatetime, **changes: object) -> Patron:
    additions = patron.additions.model_copy(update=changes)
    return patron.model_copy(update={"additions": additions, "updated_at": now})


def check_barcode_free(patron: Patron, barcode: str, current_holder: str | None) -> None:
    """Raise :class:`DuplicateBarcodeError` if ``barcode`` is on this account already or held by
    another account (``current_holder``: the account id the repository found for it, if any)."""
    if barcode in patron.all_barcodes():
        raise DuplicateBarcodeError("barcode", barcode, f"already on {patron.account_id}")
    if current_holder is not None and current_holder != patron.account_id:
        raise DuplicateBarcodeError("barcode", barcode, f"already held by {current_holder}")


def add_identifier(
    patron: Patron, identifier: Identifier, current_holder: str | None, now: AwareDatetime
) -> Patron:
    """Add a local identifier, e.g. a reader card barcode for someone without an Aquipass card.

    Barcodes are unique: the service looks up ``current_holder`` in the tenant's repository
    (and relies on a unique index for the race) and this rule refuses a barcode already in use.
    """
    if identifier.id_type == "BARCODE":
        check_barcode_free(patron, identifier.value, current_holder)
    return _with(patron, now, identifiers=(*patron.additions.identifiers, identifier))


def add_note(patron: Patron, note: Note) -> Patron:
    """Add a note shown on the account in this IZ."""
    return _with(patron, note.created_at, notes=(*patron.additions.notes, note))


def add_local_block(patron: Patron, block: LocalBlock) -> Patron:
    """Add a block set by this IZ's staff."""
    blocks = (*patron.additions.local_blocks, block)
    return _with(patron, block.created_at, local_blocks=blocks)


def add_statistic(patron: Patron, statistic: Statistic, now: AwareDatetime) -> Patron:
    """Add a local statistical category (a category holds one value: the new one replaces it)."""
    kept = tuple(s for s in patron.additions.statistics if s.category != statistic.category)
    return _with(patron, now, statistics=(*kept, statistic))

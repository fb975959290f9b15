"""What an institution zone adds to an account: extra barcodes, notes, local blocks, statistics.

These are local to one IZ, survive every NZ import and are never propagated.
"""

from pydantic import AwareDatetime

from patron_sync.domain.accounts import LocalBlock, Note, Patron, Statistic
from patron_sync.domain.errors import DuplicateBarcodeError, InvalidFieldError
from patron_sync.domain.patron import Identifier
from rebub_shared.bounds import MAX_ADDITIONS

# Identifiers and blocks travel in the patron's events: bounded, they stay far below the broker's
# message size.


def _check_room(field: str, present: tuple[object, ...]) -> None:
    if len(present) >= MAX_ADDITIONS:
        raise InvalidFieldError(field, len(present), f"at most {MAX_ADDITIONS} on one account")


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
    _check_room("identifiers", patron.additions.identifiers)
    return _with(patron, now, identifiers=(*patron.additions.identifiers, identifier))


def add_note(patron: Patron, note: Note) -> Patron:
    """Add a note shown on the account in this IZ."""
    _check_room("notes", patron.additions.notes)
    return _with(patron, note.created_at, notes=(*patron.additions.notes, note))


def add_local_block(patron: Patron, block: LocalBlock) -> Patron:
    """Add a block set by this IZ's staff."""
    _check_room("local_blocks", patron.additions.local_blocks)
    blocks = (*patron.additions.local_blocks, block)
    return _with(patron, block.created_at, local_blocks=blocks)


def add_statistic(patron: Patron, statistic: Statistic, now: AwareDatetime) -> Patron:
    """Add a local statistical category (a category holds one value: the new one replaces it)."""
    kept = tuple(s for s in patron.additions.statistics if s.category != statistic.category)
    return _with(patron, now, statistics=(*kept, statistic))

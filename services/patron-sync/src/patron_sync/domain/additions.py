"""What an institution zone adds to an account: extra barcodes, notes, local blocks, statistics.

These are local to one IZ, survive every NZ import and are never propagated.
"""

from pydantic import AwareDatetime

from patron_sync.domain.accounts import LocalBlock, Note, Patron, Statistic
from patron_sync.domain.errors import (
    AdditionNotFoundError,
    DuplicateBarcodeError,
    InvalidFieldError,
)
from patron_sync.domain.patron import Identifier
from rebub_shared.bounds import MAX_ADDITIONS
from rebub_shared.clock import paris_date

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


def _note(patron: Patron, note_id: str) -> Note:
    for note in patron.additions.notes:
        if note.note_id == note_id:
            return note
    raise AdditionNotFoundError("note_id", note_id, f"no such note on {patron.account_id}")


def edit_note(
    patron: Patron,
    note_id: str,
    *,
    text: str | None,
    at_desk: bool | None,
    by: str,
    now: AwareDatetime,
) -> Patron:
    """Change a note's text or its "show at the desk" flag (who and when are kept)."""
    found = _note(patron, note_id)
    changes: dict[str, object] = {"edited_at": now, "edited_by": by}
    if text is not None:
        changes["text"] = text
    if at_desk is not None:
        changes["at_desk"] = at_desk
    edited = Note.model_validate(found.model_dump() | changes)
    notes = tuple(edited if n.note_id == note_id else n for n in patron.additions.notes)
    return _with(patron, now, notes=notes)


def delete_note(patron: Patron, note_id: str, now: AwareDatetime) -> Patron:
    """Remove a note from the account."""
    _note(patron, note_id)
    notes = tuple(n for n in patron.additions.notes if n.note_id != note_id)
    return _with(patron, now, notes=notes)


def add_local_block(patron: Patron, block: LocalBlock) -> Patron:
    """Add a block set by this IZ's staff; blocks whose last day is behind the new one's creation
    day are dropped (they no longer block anyone, and an account holds a bounded number).

    A block cannot end before it starts (:class:`InvalidFieldError` on ``ends_on``).
    """
    if block.ends_on is not None and block.ends_on < block.starts_on:
        raise InvalidFieldError(
            "ends_on", block.ends_on.isoformat(), f"before starts_on={block.starts_on.isoformat()}"
        )
    today = paris_date(block.created_at)
    kept = tuple(b for b in patron.additions.local_blocks if not b.ended_before(today))
    _check_room("local_blocks", kept)
    return _with(patron, block.created_at, local_blocks=(*kept, block))


def lift_local_block(patron: Patron, block_id: str, now: AwareDatetime) -> Patron:
    """Lift (remove) a staff block before its end; who lifted it is recorded by the audit."""
    blocks = patron.additions.local_blocks
    if all(b.block_id != block_id for b in blocks):
        raise AdditionNotFoundError("block_id", block_id, f"no such block on {patron.account_id}")
    return _with(patron, now, local_blocks=tuple(b for b in blocks if b.block_id != block_id))


def remove_statistic(patron: Patron, category: str, now: AwareDatetime) -> Patron:
    """Remove the account's value of a statistical category."""
    stats = patron.additions.statistics
    if all(s.category != category for s in stats):
        raise AdditionNotFoundError("category", category, f"not set on {patron.account_id}")
    return _with(patron, now, statistics=tuple(s for s in stats if s.category != category))


def add_statistic(patron: Patron, statistic: Statistic, now: AwareDatetime) -> Patron:
    """Add a local statistical category (a category holds one value: the new one replaces it)."""
    kept = tuple(s for s in patron.additions.statistics if s.category != statistic.category)
    return _with(patron, now, statistics=(*kept, statistic))

"""From the patron projection's snapshot (``IzPatron``) to circulation's view of the patron."""

from __future__ import annotations

from datetime import date

from circulation.domain import DeskNote, LocalBlock, Patron
from circulation.service_layer.ports import PatronRecord
from rebub_shared.contracts.patrons import IzPatron


def patron_record(snapshot: IzPatron, suspended_until: date | None) -> PatronRecord:
    """The snapshot's identity, group, expiry, local blocks and notes, with circulation's
    suspension."""
    patron = Patron(
        institution=snapshot.institution,
        patron_id=snapshot.primary_id,
        user_group=snapshot.user_group,
        expires_on=snapshot.expiry_date,
        suspended_until=suspended_until,
        local_blocks=tuple(
            LocalBlock(
                code=block.block_type,
                note=block.reason,
                block_id=block.block_id,
                since=block.starts_on,
                until=block.ends_on,
                set_by=block.created_by,
            )
            for block in snapshot.local_blocks
        ),
        notes=tuple(DeskNote.model_validate(note.model_dump()) for note in snapshot.notes),
    )
    name = f"{snapshot.last_name}, {snapshot.first_name}"
    return PatronRecord(patron=patron, closed=snapshot.status == "closed", name=name)

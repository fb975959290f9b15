"""From the patron projection's snapshot (``IzPatron``) to circulation's view of the patron."""

from __future__ import annotations

from datetime import date

from circulation.domain import LocalBlock, Patron
from circulation.service_layer.ports import PatronRecord
from rebub_shared.contracts.patrons import IzPatron


def patron_record(snapshot: IzPatron, suspended_until: date | None) -> PatronRecord:
    """The snapshot's identity, group, expiry and local blocks, with circulation's suspension."""
    patron = Patron(
        institution=snapshot.institution,
        patron_id=snapshot.primary_id,
        user_group=snapshot.user_group,
        expires_on=snapshot.expiry_date,
        suspended_until=suspended_until,
        local_blocks=tuple(LocalBlock(code=code) for code in snapshot.local_blocks),
    )
    name = f"{snapshot.last_name}, {snapshot.first_name}"
    return PatronRecord(patron=patron, closed=snapshot.status == "closed", name=name)

"""The retention of an institution's linked copies (issue 21 item 3): when the network zone
purges an account (``absent_purge_after``, 400 days after it left the DSI's feed), its
plain tombstone on ``nz.patron.v1`` removes the projection entry and, here, the linked copy with
its local cards, notes and blocks. Announced first by a plain tombstone on ``{inst}.patron.v1``
(no erasure header): circulation drops its patron snapshot, the notifier the contact. Loans are
not touched: by then circulation's own retention has anonymised every loan closed a year
before (the policy's ``history``); a loan still open keeps the account id, with no name or contact
behind it any more. A waiting account or an external reader is not a copy of a network
account: they stay.
"""

from __future__ import annotations

from patron_sync.domain.accounts import AccountKind
from patron_sync.service_layer.unit_of_work import IzUnitOfWork


async def remove_purged_copies(uow: IzUnitOfWork, primary_ids: tuple[str, ...]) -> list[str]:
    """Remove the linked copies of the purged network accounts; the account ids removed (a
    replayed tombstone finds none)."""
    if not primary_ids:
        return []
    stored = await uow.patrons.get_many(primary_ids)
    linked = [k for k, s in stored.items() if s.patron.kind is AccountKind.EXTERNAL]
    # The tombstones first: a crash before the removal finds the copies again and announces
    # them again (a replayed tombstone changes nothing).
    await uow.departures.purged(linked)
    return [account_id for account_id in linked if await uow.patrons.erase(account_id)]

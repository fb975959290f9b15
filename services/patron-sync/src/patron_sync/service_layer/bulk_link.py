"""Linking many network accounts into an institution zone at once (an institution joining the
network, a migration): one request, a report of what was linked, what already was, what the
network zone does not know."""

from patron_sync.domain.errors import InvalidFieldError
from patron_sync.domain.waiting import WAITING_PREFIX
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer.commands import LinkReport
from patron_sync.service_layer.context import Context
from patron_sync.service_layer.institution import open_waiting, sync_from_nz
from patron_sync.service_layer.unit_of_work import IzUnitOfWork


async def link_patrons(cmd: cmds.LinkPatrons, uow: IzUnitOfWork, ctx: Context) -> LinkReport:
    """Link each network account of ``cmd.primary_ids`` not yet in this zone, as on first use
    (the full records read from the network zone in one pass, an open waiting account of the same
    id merged); an id neither here nor in the network zone (or erased) is ``unknown``."""
    now = ctx.now()
    ids = list(dict.fromkeys(cmd.primary_ids))
    if len(ids) > cmds.MAX_BULK_LINK:
        raise InvalidFieldError("primary_ids", len(ids), f"at most {cmds.MAX_BULK_LINK} at once")
    stored = await uow.patrons.get_many([*ids, *(WAITING_PREFIX + i for i in ids)])
    missing = [i for i in ids if i not in stored]
    projected = await uow.nz.get_many(missing)
    accounts = await uow.network.accounts([i for i in missing if i in projected])
    for primary_id in missing:
        if primary_id in accounts:
            waiting = open_waiting(stored.get(WAITING_PREFIX + primary_id))
            sync_from_nz(uow, accounts[primary_id], None, waiting, now)
    await uow.commit()
    return LinkReport(
        linked=tuple(i for i in missing if i in accounts),
        already_linked=tuple(i for i in ids if i in stored),
        unknown=tuple(i for i in missing if i not in accounts),
    )

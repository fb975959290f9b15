"""Linking many network accounts into an institution zone at once (an institution joining the
network, a migration): one request, a report of what was linked, what already was, what the
network zone does not know; a streamed link runs it batch by batch (``outcomes``)."""

from collections.abc import Sequence

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
    projected = await uow.nz.positions(missing)
    accounts = await uow.network.accounts([i for i in missing if i in projected], projected)
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


#: Primary ids per command of a streamed bulk link: what the stream holds in memory at a time,
#: and one read of each zone per batch.
STREAM_BATCH = 200


def outcomes(ids: Sequence[str], report: LinkReport) -> list[str]:
    """What happened to each id of a batch, in order (``linked``, ``already_linked``,
    ``unknown``); a repeat within the batch is ``already_linked`` (or ``unknown`` again), as a
    later batch would say of it."""
    first = {i: "linked" for i in report.linked}
    first |= {i: "already_linked" for i in report.already_linked}
    seen: set[str] = set()
    found = []
    for primary_id in ids:
        outcome = first.get(primary_id, "unknown")
        if primary_id in seen and outcome == "linked":
            outcome = "already_linked"
        seen.add(primary_id)
        found.append(outcome)
    return found

"""Erasure of one person (GDPR article 17) in patron-sync: the network zone removes the account
and publishes a tombstone on ``nz.patron.v1`` that names the erasure request; every institution
zone that reads it removes its projection entry and its own copies of that person (the linked
account and a waiting account merged into it). A plain tombstone (the 400-day purge of an absent
account) removes the projection entry only: a linked copy may still have loans."""

from collections.abc import Mapping

from patron_sync.domain.accounts import AccountKind
from patron_sync.domain.erasure import ErasureDone
from patron_sync.domain.waiting import WAITING_PREFIX
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer.context import Context, NetworkContext
from patron_sync.service_layer.errors import PatronNotFoundError
from patron_sync.service_layer.unit_of_work import IzUnitOfWork, NzUnitOfWork


async def erase_account(
    cmd: cmds.EraseAccount, uow: NzUnitOfWork, ctx: NetworkContext
) -> ErasureDone:
    """Remove the network account and publish its erasure tombstone (refused: unknown id)."""
    stored = (await uow.accounts.get_many([cmd.primary_id])).get(cmd.primary_id)
    if stored is None:
        raise PatronNotFoundError("primary_id", cmd.primary_id, "not in the network zone")
    if cmd.source is not None and stored.account.record.source_institution != cmd.source:
        raise PatronNotFoundError("primary_id", cmd.primary_id, f"not an account of {cmd.source}")
    await uow.accounts.purge([cmd.primary_id])
    await uow.publisher.tombstones([cmd.primary_id], erasure=cmd.request_id)
    return ErasureDone(
        cmd.request_id,
        cmd.primary_id,
        stored.account.record.source_institution,
        ctx.now(),
        {
            "network zone": "account removed",
            "nz.patron.v1": "tombstone published (compaction forgets the account)",
            "institution zones": "each removes its entry and copies when it reads the tombstone",
        },
    )


async def erase_reader(cmd: cmds.EraseExternalReader, uow: IzUnitOfWork, ctx: Context) -> int:
    """An external reader erased: this zone's copy removed like a linked account's (announced on
    ``{inst}.patron.v1``, then confirmed); returns how many copies went (a replay: none)."""
    return len(await erase_copies(uow, (cmd.primary_id,), {cmd.primary_id: cmd.request_id}))


async def request_reader_erasure(
    cmd: cmds.RequestReaderErasure, uow: IzUnitOfWork, ctx: Context
) -> ErasureDone:
    """Erase an external reader this zone created (another zone's reader, or no reader: 404, as
    unknown): its erasure tombstone goes out on ``net.external-reader.v1``; every zone, this one
    included, removes its copy when it reads it (``erase_reader``) and confirms."""
    stored = await uow.patrons.get(cmd.account_id)
    patron = stored.patron if stored is not None else None
    if (
        patron is None
        or patron.kind is not AccountKind.EXTERNAL_READER
        or patron.record.source_institution != cmd.tenant
    ):
        raise PatronNotFoundError("account_id", cmd.account_id, "no external reader created here")
    await uow.departures.reader_erased(cmd.account_id, cmd.request_id)
    return ErasureDone(
        cmd.request_id,
        cmd.account_id,
        cmd.tenant,
        ctx.now(),
        {
            "network zone": "holds no external reader",
            "net.external-reader.v1": "tombstone published (compaction forgets the reader)",
            "institution zones": "each removes its copy when it reads the tombstone",
        },
    )


#: The request id of an erasure tombstone written before tombstones named their request.
UNNAMED_REQUEST = "erased"


async def erase_copies(
    uow: IzUnitOfWork, primary_ids: tuple[str, ...], requests: Mapping[str, str]
) -> list[str]:
    """Remove this institution zone's copies of the erased people (their linked account and a
    waiting account of the same primary id), announced first on ``{inst}.patron.v1`` so that
    circulation and the notifier forget them too, then confirm each erasure request (with the
    number of copies removed: none, and circulation and the notifier have nothing to do);
    returns the account ids removed."""
    removed: list[str] = []
    for primary_id in primary_ids:
        request_id = requests.get(primary_id, UNNAMED_REQUEST)
        held = list(await uow.patrons.get_many([primary_id, WAITING_PREFIX + primary_id]))
        # The tombstones first: a crash before the removal finds the copies again and sends
        # them again (a replayed tombstone changes nothing); after it, nothing is left to say.
        await uow.departures.erased(held, request_id)
        gone = [a for a in held if await uow.patrons.erase(a)]
        # Its dead letters too, in this zone (a network account's, a copy's): named by the
        # primary id or an account id (the dead letter's key, a header or a value's field).
        await uow.departures.applied(request_id, len(gone), (primary_id, *held))
        removed += gone
    return removed

"""Institution zone handlers: NZ copies, link on first use, additions, external readers,
waiting accounts. Each takes its command, the IZ unit of work and the context (``now``)."""

from pydantic import AwareDatetime

from patron_sync.domain.accounts import AccountKind, AccountStatus, Patron
from patron_sync.domain.additions import add_identifier as add_identifier_rule
from patron_sync.domain.additions import add_local_block as add_local_block_rule
from patron_sync.domain.additions import add_note as add_note_rule
from patron_sync.domain.additions import add_statistic as add_statistic_rule
from patron_sync.domain.additions import delete_note as delete_note_rule
from patron_sync.domain.additions import edit_note as edit_note_rule
from patron_sync.domain.additions import lift_local_block as lift_block_rule
from patron_sync.domain.additions import remove_statistic as remove_statistic_rule
from patron_sync.domain.errors import AccountKindError, InvalidFieldError, PrimaryIdTakenError
from patron_sync.domain.events import ExternalReaderChanged, ExternalReaderCreated
from patron_sync.domain.external_readers import (
    apply_external_reader_change,
    change_external_reader,
    close_external_reader,
    copy_external_reader,
    create_external_reader,
)
from patron_sync.domain.merge import apply_nz_account, check_local_edit
from patron_sync.domain.nz_accounts import NzAccount
from patron_sync.domain.patron import PROPAGATED_READER_FIELDS
from patron_sync.domain.waiting import (
    WAITING_PREFIX,
    check_waiting_edit,
    merge_waiting_account,
    open_waiting_account,
)
from patron_sync.service_layer import commands as cmds
from patron_sync.service_layer.context import Context
from patron_sync.service_layer.erasure import erase_copies
from patron_sync.service_layer.errors import AccountExistsError, PatronNotFoundError
from patron_sync.service_layer.purged_copies import remove_purged_copies
from patron_sync.service_layer.unit_of_work import (
    AlsoPublished,
    IzUnitOfWork,
    StoredPatron,
    stage,
)
from rebub_shared import correlation


def open_waiting(stored: StoredPatron | None) -> StoredPatron | None:
    """``stored`` if it is an open waiting account."""
    if stored is None or stored.patron.kind is not AccountKind.WAITING:
        return None
    return stored if stored.patron.status is AccountStatus.ACTIVE else None


def _closed(waiting: Patron, into: str, now: AwareDatetime) -> Patron:
    additions = waiting.additions.model_copy(update={"identifiers": ()})
    update = {"status": AccountStatus.CLOSED, "merged_into": into, "updated_at": now}
    return waiting.model_copy(update=update | {"additions": additions})


def sync_from_nz(
    uow: IzUnitOfWork,
    nz: NzAccount,
    current: StoredPatron | None,
    waiting: StoredPatron | None,
    now: AwareDatetime,
) -> None:
    """Stage the IZ copy of ``nz`` (a newer version, or a link) and merge an open waiting
    account of the same primary id into it. A merge already written (crash before the waiting
    account was closed) is not merged twice: the copy remembers it in ``merged_from``."""
    if current is not None and current.patron.kind is not AccountKind.EXTERNAL:
        return
    result = apply_nz_account(current.patron if current else None, nz, uow.tenant, now)
    patron, also = result.patron, list[AlsoPublished]()
    merged_from = current.merged_from if current else ()
    if waiting is not None and waiting.patron.account_id not in merged_from:
        merge = merge_waiting_account(waiting.patron, patron, now)
        patron, closed = merge.institutional, merge.closed_waiting
        also.append(merge.event)
        merged_from = (*merged_from, waiting.patron.account_id)
    elif waiting is not None:
        closed = _closed(waiting.patron, patron.account_id, now)
    if result.applied or also:
        stage(uow, current, patron, also, merged_from)
    if waiting is not None:
        stage(uow, waiting, closed)


async def apply_nz_accounts(cmd: cmds.ApplyNzAccounts, uow: IzUnitOfWork, ctx: Context) -> int:
    """Project a batch of ``nz.patron.v1`` into this IZ: the projection takes every account's
    search entry (versioned, no contact data), the IZ copies only patrons already here (or with
    an open waiting account) in full.
    Returns how many patrons were written."""
    now = ctx.now()
    latest: dict[str, NzAccount] = {}
    for account in cmd.accounts:
        key = account.record.primary_id
        if key not in latest or account.version > latest[key].version:
            latest[key] = account
    versions = await uow.nz.versions(latest)
    new = [a for k, a in latest.items() if k not in versions]
    newer = [a for k, a in latest.items() if k in versions and a.version > versions[k]]
    await uow.nz.put(new, newer, cmd.positions)
    await uow.nz.delete((*cmd.tombstones, *cmd.erased))
    wanted = [*latest, *(WAITING_PREFIX + k for k in latest)]
    stored = await uow.patrons.get_many(wanted)
    for key, account in latest.items():
        current, waiting = stored.get(key), open_waiting(stored.get(WAITING_PREFIX + key))
        if current is not None or waiting is not None:
            with correlation.adopted(cmd.correlations.get(key)):  # the record's, not the batch's
                sync_from_nz(uow, account, current, waiting, now)
    written = len(await uow.commit())
    await remove_purged_copies(uow, cmd.tombstones)
    return written + len(await erase_copies(uow, cmd.erased, cmd.requests))


async def _network_account(uow: IzUnitOfWork, primary_id: str) -> NzAccount | None:
    """The full network account behind a projection entry, read from the network zone now (the
    projection keeps no contact data); an id the projection does not know is not looked for.
    The record is read where the projection read it: one fetch, not its whole partition."""
    positions = await uow.nz.positions([primary_id])
    if primary_id not in positions:
        return None
    return await uow.network.account(primary_id, positions[primary_id])


async def link_patron(cmd: cmds.LinkPatron, uow: IzUnitOfWork, ctx: Context) -> StoredPatron:
    """The IZ's account ``primary_id``; found only in the NZ, it is copied here (first use):
    the full record is read from the network zone at this moment."""
    now = ctx.now()
    stored = await uow.patrons.get(cmd.primary_id)
    if stored is not None:
        return stored
    nz = await _network_account(uow, cmd.primary_id)
    if nz is None:
        raise PatronNotFoundError(
            "primary_id", cmd.primary_id, "in neither this institution zone nor the network zone"
        )
    waiting = open_waiting(await uow.patrons.get(WAITING_PREFIX + cmd.primary_id))
    sync_from_nz(uow, nz, None, waiting, now)
    return (await uow.commit())[0]


async def _existing(uow: IzUnitOfWork, account_id: str) -> StoredPatron:
    stored = await uow.patrons.get(account_id)
    if stored is None:
        raise PatronNotFoundError("account_id", account_id, "not in this institution zone")
    return stored


async def _served(uow: IzUnitOfWork, account_id: str, ctx: Context) -> StoredPatron:
    """The account staff add something to: a network account not yet here is linked first
    (adding a card, a note or a block for someone is a use)."""
    if await uow.patrons.get(account_id) is None and await uow.nz.get(account_id) is not None:
        return await link_patron(cmds.LinkPatron(uow.tenant, account_id), uow, ctx)
    return await _existing(uow, account_id)


async def _save_one(
    uow: IzUnitOfWork,
    stored: StoredPatron | None,
    patron: Patron,
    also: list[AlsoPublished] | None = None,
) -> StoredPatron:
    stage(uow, stored, patron, also or [])
    return (await uow.commit())[0]


async def add_identifier(cmd: cmds.AddIdentifier, uow: IzUnitOfWork, ctx: Context) -> StoredPatron:
    """Add a local identifier (barcodes stay unique in the IZ)."""
    now = ctx.now()
    stored = await _served(uow, cmd.account_id, ctx)
    holder = await uow.patrons.barcode_holder(cmd.identifier.value)
    patron = add_identifier_rule(stored.patron, cmd.identifier, holder, now)
    return await _save_one(uow, stored, patron)


async def add_note(cmd: cmds.AddNote, uow: IzUnitOfWork, ctx: Context) -> StoredPatron:
    stored = await _served(uow, cmd.account_id, ctx)
    return await _save_one(uow, stored, add_note_rule(stored.patron, cmd.note))


async def add_local_block(cmd: cmds.AddLocalBlock, uow: IzUnitOfWork, ctx: Context) -> StoredPatron:
    stored = await _served(uow, cmd.account_id, ctx)
    return await _save_one(uow, stored, add_local_block_rule(stored.patron, cmd.block))


async def lift_local_block(
    cmd: cmds.LiftLocalBlock, uow: IzUnitOfWork, ctx: Context
) -> StoredPatron:
    stored = await _existing(uow, cmd.account_id)
    return await _save_one(uow, stored, lift_block_rule(stored.patron, cmd.block_id, ctx.now()))


async def edit_note(cmd: cmds.EditNote, uow: IzUnitOfWork, ctx: Context) -> StoredPatron:
    stored = await _existing(uow, cmd.account_id)
    patron = edit_note_rule(
        stored.patron,
        cmd.note_id,
        text=cmd.text,
        at_desk=cmd.at_desk,
        by=cmd.edited_by,
        now=ctx.now(),
    )
    return await _save_one(uow, stored, patron)


async def delete_note(cmd: cmds.DeleteNote, uow: IzUnitOfWork, ctx: Context) -> StoredPatron:
    stored = await _existing(uow, cmd.account_id)
    return await _save_one(uow, stored, delete_note_rule(stored.patron, cmd.note_id, ctx.now()))


async def set_statistic(cmd: cmds.SetStatistic, uow: IzUnitOfWork, ctx: Context) -> StoredPatron:
    stored = await _existing(uow, cmd.account_id)
    patron = add_statistic_rule(stored.patron, cmd.statistic, ctx.now())
    return await _save_one(uow, stored, patron)


async def remove_statistic(
    cmd: cmds.RemoveStatistic, uow: IzUnitOfWork, ctx: Context
) -> StoredPatron:
    stored = await _existing(uow, cmd.account_id)
    patron = remove_statistic_rule(stored.patron, cmd.category, ctx.now())
    return await _save_one(uow, stored, patron)


async def merge_confirmed(
    cmd: cmds.MergeWaitingAccount, uow: IzUnitOfWork, ctx: Context
) -> StoredPatron:
    """A match staff confirmed: the waiting account merges into the institutional account (its
    additions carried over, ``WaitingAccountMerged`` moves its loans) and is closed. The
    institutional account must be in this IZ (looking it up links it)."""
    now = ctx.now()
    waiting = await _existing(uow, cmd.waiting_id)
    target = await _existing(uow, cmd.primary_id)
    merge = merge_waiting_account(waiting.patron, target.patron, now, confirmed_by_staff=True)
    merged_from = (*target.merged_from, waiting.patron.account_id)
    stage(uow, target, merge.institutional, [merge.event], merged_from)
    stage(uow, waiting, merge.closed_waiting)
    return (await uow.commit())[0]


async def edit_patron(cmd: cmds.EditPatron, uow: IzUnitOfWork, ctx: Context) -> StoredPatron:
    """Edit a waiting account's record; an NZ-owned field of an external account is refused
    (:class:`NzOwnedFieldError`), an external reader changes through its own command."""
    now = ctx.now()
    stored = await _existing(uow, cmd.account_id)
    patron = stored.patron
    check_local_edit(patron, cmd.changes)
    if patron.kind is AccountKind.EXTERNAL_READER:
        raise AccountKindError("kind", patron.kind.value, "change it with PATCH /external-readers")
    if patron.kind is AccountKind.EXTERNAL or not cmd.changes:
        raise InvalidFieldError("changes", sorted(cmd.changes), "nothing editable here")
    check_waiting_edit(patron, cmd.changes, now)
    record = patron.record.model_validate(patron.record.model_dump() | cmd.changes)
    if record.primary_id != patron.record.primary_id:
        await _check_primary_id_free(uow, record.primary_id)
    return await _save_one(
        uow, stored, patron.model_copy(update={"record": record, "updated_at": now})
    )


async def _check_primary_id_free(uow: IzUnitOfWork, primary_id: str) -> None:
    """No account of this IZ, no waiting account and no NZ account holds ``primary_id``."""
    for holder in (primary_id, WAITING_PREFIX + primary_id):
        if await uow.patrons.get(holder) is not None:
            raise PrimaryIdTakenError("primary_id", primary_id, f"held by account {holder}")
    if await uow.nz.get(primary_id) is not None:
        raise PrimaryIdTakenError("primary_id", primary_id, "held by a network zone account")


async def create_reader(
    cmd: cmds.CreateExternalReader, uow: IzUnitOfWork, ctx: Context
) -> StoredPatron:
    """Create an external reader here and publish it for the four other IZs."""
    now = ctx.now()
    number = await uow.next_reader_number()
    creation = create_external_reader(cmd.tenant, number, cmd.record, now)
    return await _save_one(uow, None, creation.patron, [creation.event])


async def change_reader(
    cmd: cmds.ChangeExternalReader, uow: IzUnitOfWork, ctx: Context
) -> StoredPatron:
    """Change an external reader's contact data or expiry; the change propagates."""
    now = ctx.now()
    stored = await _existing(uow, cmd.account_id)
    updated, event = change_external_reader(
        stored.patron,
        now,
        emails=cmd.emails,
        addresses=cmd.addresses,
        phones=cmd.phones,
        expiry_date=cmd.expiry_date,
    )
    return await _save_one(uow, stored, updated, [event])


async def close_reader(
    cmd: cmds.CloseExternalReader, uow: IzUnitOfWork, ctx: Context
) -> StoredPatron:
    """Close an external reader; the closure propagates and every IZ refuses it loans."""
    stored = await _existing(uow, cmd.account_id)
    closed, event = close_external_reader(stored.patron, ctx.now())
    return await _save_one(uow, stored, closed, [event])


async def apply_reader(
    cmd: cmds.ApplyExternalReader, uow: IzUnitOfWork, ctx: Context
) -> StoredPatron | None:
    """Copy (or update) an external reader an IZ published, whichever IZ wrote it (the creating
    IZ takes the changes made elsewhere); a version that does not supersede the copy (a replay,
    this IZ's own publication, the loser of a tie) changes nothing but a closure."""
    now = ctx.now()
    stored = await uow.patrons.get(cmd.record.primary_id)
    if stored is None:
        created = ExternalReaderCreated(
            tenant=cmd.written_by,
            reader_id=cmd.record.primary_id,
            record=cmd.record,
            version=cmd.version,
            created_at=now,
        )
        copy = copy_external_reader(created, cmd.tenant)
        if cmd.closed:  # a zone that starts now may first read the closed snapshot
            copy = copy.model_copy(update={"status": AccountStatus.CLOSED})
        return await _save_one(uow, None, copy)
    fields = {f: getattr(cmd.record, f) for f in PROPAGATED_READER_FIELDS}
    changed = ExternalReaderChanged(
        tenant=cmd.written_by,
        reader_id=cmd.record.primary_id,
        version=cmd.version,
        changed_at=now,
        closed=cmd.closed,
        **fields,
    )
    applied = apply_external_reader_change(stored.patron, changed)
    return None if applied is stored.patron else await _save_one(uow, stored, applied)


async def create_waiting(
    cmd: cmds.CreateWaitingAccount, uow: IzUnitOfWork, ctx: Context
) -> StoredPatron:
    """Open a waiting account; if the institutional account is already in the NZ, it is linked
    and the waiting account merged into it at once."""
    now = ctx.now()
    patron = open_waiting_account(cmd.tenant, cmd.record, now)
    if await uow.patrons.get(patron.account_id) is not None:
        raise AccountExistsError("account_id", patron.account_id, "already exists")
    waiting = await _save_one(uow, None, patron)
    nz = await _network_account(uow, cmd.record.primary_id)
    if nz is None:
        return waiting
    sync_from_nz(uow, nz, await uow.patrons.get(nz.record.primary_id), waiting, now)
    saved = await uow.commit()
    return saved[-1]

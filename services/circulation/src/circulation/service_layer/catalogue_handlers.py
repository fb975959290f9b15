"""Items loaded per institution (file or API) and the patron projection (from Kafka)."""

from __future__ import annotations

from circulation.domain import InstitutionPolicy, LoadedItem
from circulation.domain.errors import UnknownPolicyEntryError

from .answers import ItemsLoaded
from .commands import ForgetPatron, ItemRecord, LoadItems, MergeWaitingAccount, RecordPatronChange
from .context import Context
from .errors import InvalidItemRecordError
from .ports import UnitOfWork


async def load_items(cmd: LoadItems, uow: UnitOfWork, ctx: Context) -> ItemsLoaded:
    """Check every record against the policy (library, location, item policy), then write all;
    a record that names no status keeps the known item's (in transit, on the hold shelf...),
    in the store's one write per item (no read first: a return meanwhile is not undone)."""
    ctx.check_tenant(cmd.institution)
    for index, record in enumerate(cmd.items):
        _check_record(ctx.policy, index, record)
    items = [LoadedItem(institution=ctx.institution, **r.model_dump()) for r in cmd.items]
    return ItemsLoaded(loaded=await uow.items.load_many(ctx.institution, items))


async def record_patron_change(cmd: RecordPatronChange, uow: UnitOfWork, ctx: Context) -> bool:
    """Keep the newer snapshot (versions only grow; an older or repeated one is ignored)."""
    ctx.check_tenant(cmd.institution)
    ctx.check_tenant(cmd.patron.institution)
    return await uow.patrons.record_snapshot(ctx.institution, cmd.patron)


async def forget_patron(cmd: ForgetPatron, uow: UnitOfWork, ctx: Context) -> int:
    """The patron is gone from the patron topic: the snapshot (and suspension) removed. An erasure
    (issue 21) also drops the requester of their requests and anonymises every loan of the patron,
    staff's notes on it dropped (an open one stays open: the item's state is kept, the letters
    find nobody to write to). Returns how many loans were anonymised; a replay changes nothing."""
    ctx.check_tenant(cmd.institution)
    await uow.patrons.forget(ctx.institution, cmd.patron_id)
    if not cmd.erasure:
        return 0
    await uow.requests.anonymise(ctx.institution, patron_id=cmd.patron_id)
    return await uow.loans.anonymise_patron(ctx.institution, cmd.patron_id, ctx.now())


async def merge_waiting_account(cmd: MergeWaitingAccount, uow: UnitOfWork, ctx: Context) -> int:
    """The waiting account's loans and running suspension move to the institutional account.

    Idempotent: a second delivery finds no loan left on the waiting account.
    """
    ctx.check_tenant(cmd.institution)
    waiting = await uow.patrons.find(ctx.institution, cmd.waiting_id)
    if waiting is not None and waiting.patron.suspended_until is not None:
        await uow.patrons.extend_suspension(
            ctx.institution, cmd.primary_id, waiting.patron.suspended_until
        )
    return await uow.loans.move_to_patron(ctx.institution, cmd.waiting_id, cmd.primary_id)


def _check_record(policy: InstitutionPolicy, index: int, record: ItemRecord) -> None:
    field = "library"
    try:
        policy.library(record.library)
        field = "location"
        policy.location(record.library, record.location)
        if record.item_policy is not None:
            field = "item_policy"
            policy.item_policy(record.item_policy)
    except UnknownPolicyEntryError as error:
        value = getattr(record, field)
        raise InvalidItemRecordError(f"items[{index}].{field}", value, str(error)) from error

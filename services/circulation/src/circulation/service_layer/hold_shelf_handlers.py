"""The hold shelf over time: the daily job that expires holds not collected by their last day
(their items go to the next hold, or back to their shelves), and a library's work lists (hold
shelf, expired holds, pick from shelf, in transit)."""

from __future__ import annotations

from datetime import timedelta

from circulation.domain import ItemStatus
from circulation.domain.hold_shelf import expire_hold
from circulation.domain.requests import Request, RequestStatus, RequestTask
from rebub_shared.clock import paris_date

from .account_answers import ItemToReceive, JobAnswer, LibraryRequests, RequestView
from .context import Context
from .ports import UnitOfWork
from .request_commands import ListLibraryRequests, RunHoldShelf

#: How far back the expired-holds list looks by default (a week of the shelf's work).
EXPIRED_LIST_DAYS = 7


async def run_hold_shelf(cmd: RunHoldShelf, uow: UnitOfWork, ctx: Context) -> JobAnswer:
    """Expire every hold on the shelf past its last day; the next hold is placed on the shelf
    (its requester is told, as for any hold available) or sent in transit; without one the item
    is reshelved or goes back in transit to its library. Holds whose last day is near are
    announced to their requesters (once each)."""
    ctx.check_tenant(cmd.institution)
    now = ctx.now()
    today = paris_date(now)
    on_shelf = await uow.requests.with_task(
        ctx.institution, [RequestTask.ON_HOLD_SHELF], RequestStatus.ACTIVE
    )
    due = [r for r in on_shelf if r.shelf_expired_on(today)]
    for request in on_shelf:  # the others: remind the requester on the eve of the last day
        notice_days = ctx.policy.hold_expiry_notice_days
        if not request.shelf_expired_on(today) and request.announce_expiry(
            now=now, notice_days=notice_days
        ):
            await uow.requests.save(ctx.institution, request)
    barcodes = sorted({r.item_barcode for r in due})
    items = await uow.items.get_many(ctx.institution, barcodes)
    queues = await uow.requests.active_for_items(ctx.institution, barcodes)
    expired: list[str] = []
    statuses: dict[str, ItemStatus] = {}
    for barcode in barcodes:
        item, queue = items.get(barcode), queues.get(barcode, [])
        if item is None:
            continue  # an item unknown to the catalogue: its hold stays for staff
        outcome = expire_hold(item=item, queue=queue, policy=ctx.policy, now=now)
        if outcome is None:
            continue
        changed = [outcome.expired] + ([outcome.served] if outcome.served else [])
        for request in changed:
            await uow.requests.save(ctx.institution, request)
        if outcome.item_status is not None:
            statuses[barcode] = outcome.item_status
        expired.append(outcome.expired.request_id)
    if statuses:
        await uow.items.set_statuses(ctx.institution, statuses)
    return JobAnswer(job="hold_shelf", ran_at=now, changed=len(expired), ids=sorted(expired))


async def list_library_requests(
    cmd: ListLibraryRequests, uow: UnitOfWork, ctx: Context
) -> LibraryRequests:
    """A library's work list (the library must be one of the institution's)."""
    ctx.check_tenant(cmd.institution)
    ctx.policy.library(cmd.library)
    today = paris_date(ctx.now())
    found: list[Request]
    if cmd.which == "pick-from-shelf":
        # The item is on the shelves of its own library, whatever the pickup library.
        found = await uow.requests.with_task(
            ctx.institution, [RequestTask.PICK_FROM_SHELF], RequestStatus.ACTIVE
        )
        items = await uow.items.get_many(ctx.institution, [r.item_barcode for r in found])
        found = [r for r in found if (i := items.get(r.item_barcode)) and i.library == cmd.library]
    elif cmd.which == "expired-holds":
        since = cmd.since or today - timedelta(days=EXPIRED_LIST_DAYS)
        found = await uow.requests.with_task(
            ctx.institution, [RequestTask.DONE], RequestStatus.EXPIRED
        )
        found = [
            r
            for r in found
            if r.pickup_library == cmd.library and (r.hold_shelf_expiry or today) >= since
        ]
    else:
        task = RequestTask.ON_HOLD_SHELF if cmd.which == "hold-shelf" else RequestTask.IN_TRANSIT
        found = await uow.requests.with_task(ctx.institution, [task], RequestStatus.ACTIVE)
        found = [r for r in found if r.pickup_library == cmd.library]
    found.sort(key=lambda r: (r.placed_at, r.request_id))
    return LibraryRequests(
        library=cmd.library,
        which=cmd.which,
        requests=[RequestView.of(r) for r in found],
        expired=[r.request_id for r in found if r.shelf_expired_on(today)],
        items=await _to_receive(uow, ctx, cmd.library, found) if cmd.which == "in-transit" else [],
    )


async def _to_receive(
    uow: UnitOfWork, ctx: Context, library: str, for_holds: list[Request]
) -> list[ItemToReceive]:
    """What the library's desk receives: the items of its holds in transit, then its own items
    coming home (in transit, no hold travelling with them). Items sent from here are the other
    libraries' lists: the origin of a transit is not recorded."""
    items = await uow.items.get_many(ctx.institution, [r.item_barcode for r in for_holds])
    mine = await uow.items.items_in_transit(ctx.institution, library)
    queues = await uow.requests.active_for_items(ctx.institution, [i.barcode for i in mine])
    to_hold = {
        i.barcode
        for i in mine
        if any(r.task is RequestTask.IN_TRANSIT for r in queues.get(i.barcode, []))
    }
    return [
        ItemToReceive.of(items[r.item_barcode], r.request_id)
        for r in for_holds
        if r.item_barcode in items
    ] + [ItemToReceive.of(i, None) for i in mine if i.barcode not in to_hold]

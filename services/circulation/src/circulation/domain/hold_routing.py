"""Where a scanned item goes when its queue has a waiting hold: the hold shelf of the pickup
library (the requester is told), or in transit there first. Without a hold: reshelve or transit
to the owning library."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .item import Item
from .next_step import NextStep, next_step_after_return
from .policy import InstitutionPolicy
from .request_queue import head_hold
from .requests import Request, RequestTask
from .values import ValueModel
from .vocabulary import ItemStatus


class Routing(ValueModel):
    """The item's next step, the hold it now serves (changed in place) and its new status."""

    next_step: NextStep
    request: Request | None = None
    item_status: ItemStatus | None = None


def _status_without_hold(item: Item, step: NextStep) -> ItemStatus | None:
    """Back to its library: in transit, or available on its shelf once there (a status other
    than in transit or on the hold shelf, e.g. lost, is left to its own actions)."""
    if step.kind == "transit":
        return ItemStatus.IN_TRANSIT
    if item.status in (ItemStatus.IN_TRANSIT, ItemStatus.ON_HOLD_SHELF):
        return ItemStatus.AVAILABLE
    return None


def pickup_library_for(queue: Sequence[Request]) -> str | None:
    """The pickup library of the hold the item serves next, if any."""
    head = head_hold(queue)
    return head.pickup_library if head else None


def route_item(
    *,
    item: Item,
    library: str,
    queue: Sequence[Request],
    policy: InstitutionPolicy,
    now: datetime,
    step: NextStep | None = None,
) -> Routing:
    """Route ``item`` scanned at ``library``; ``step`` when a return already computed it."""
    head = head_hold(queue)
    step = step or next_step_after_return(item, library, head.pickup_library if head else None)
    if head is None:
        return Routing(next_step=step, item_status=_status_without_hold(item, step))
    if step.kind == "hold_shelf":
        head.place_on_hold_shelf(now=now, shelf_days=policy.hold_shelf_days)
        return Routing(next_step=step, request=head, item_status=ItemStatus.ON_HOLD_SHELF)
    if head.task is not RequestTask.IN_TRANSIT:
        head.send_in_transit(now=now)
    return Routing(next_step=step, request=head, item_status=ItemStatus.IN_TRANSIT)

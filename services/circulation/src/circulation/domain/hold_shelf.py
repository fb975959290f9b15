"""The hold shelf over time: a hold not collected by its last day expires, and its item goes to
the next waiting hold (the hold shelf again, or in transit to that hold's pickup library), or
back to its own shelf (reshelve, or in transit to its library)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rebub_shared.clock import as_utc, paris_date

from .hold_routing import route_item
from .item import Item
from .next_step import NextStep
from .policy import InstitutionPolicy
from .request_queue import on_shelf_for
from .requests import Request
from .values import ValueModel
from .vocabulary import ItemStatus


class ShelfExpiry(ValueModel):
    """One expired hold, where its item goes, the hold it now serves and the item's status."""

    expired: Request
    next_step: NextStep
    served: Request | None = None
    item_status: ItemStatus | None = None


def expire_hold(
    *, item: Item, queue: Sequence[Request], policy: InstitutionPolicy, now: datetime
) -> ShelfExpiry | None:
    """Expire the item's hold on the shelf if ``now`` is after its last day (None otherwise);
    the requests are changed in place (their events recorded)."""
    now = as_utc("now", now)
    held = on_shelf_for(queue)
    if held is None or not held.shelf_expired_on(paris_date(now)):
        return None
    held.expire(now=now)
    # The item is on the hold shelf of the expired hold's pickup library.
    routing = route_item(
        item=item, library=held.pickup_library, queue=queue, policy=policy, now=now
    )
    return ShelfExpiry(
        expired=held,
        next_step=routing.next_step,
        served=routing.request,
        item_status=routing.item_status,
    )

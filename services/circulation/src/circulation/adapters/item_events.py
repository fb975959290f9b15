"""The domain's item status change as the published contract (``rebub_shared.contracts.items``),
on ``{inst}.circulation.item.v1``, key = the item barcode, put in the item document's outbox."""

from __future__ import annotations

from typing import Any

from circulation.domain import ItemStatusChanged
from rebub_shared.contracts import items as contract
from rebub_shared.outbox import outbox_set
from rebub_shared.topics import Topics

from .loan_events import circulation_event


def outbox_fields(event: ItemStatusChanged, topics: Topics) -> dict[str, Any]:
    """``$set`` fields putting the change's event in the item's outbox (its seq: the change's
    version, so one item's entries are published in order)."""
    payload = contract.ItemStatusChanged(
        institution=event.institution,
        item_barcode=event.barcode,
        library=event.library,
        previous_status=event.previous_status.value,
        status=event.status.value,
        reason=event.reason,
        changed_at=event.occurred_at,
        version=event.status_version,
    )
    envelope = circulation_event(
        payload, event.institution, event.barcode, event.occurred_at, event.event_id
    )
    topic = topics.item(event.institution)
    return outbox_set([(topic, event.barcode, envelope)], first_seq=event.status_version)

"""The domain's request events as the published contract (``rebub_shared.contracts.requests``),
on ``{inst}.circulation.request.v1``, key = the requester's patron id (the item barcode for
internal processing). ``RequestInTransit`` is internal: the snapshot of the next event shows it.
"""

from __future__ import annotations

from typing import Any

from circulation.domain import request_events as domain
from circulation.domain.requests import Request
from rebub_shared.cloudevents import Event
from rebub_shared.contracts import requests as contract
from rebub_shared.outbox import outbox_set
from rebub_shared.topics import Topics

from .loan_events import circulation_event


def snapshot(request: Request, version: int) -> contract.RequestSnapshot:
    """The request as it stands, at ``version``."""
    return contract.RequestSnapshot(
        request_id=request.request_id,
        institution=request.institution,
        kind=request.kind.value,
        patron_id=request.patron_id,
        item_barcode=request.item_barcode,
        title=request.title,
        pickup_library=request.pickup_library,
        placed_at=request.placed_at,
        task=request.task.value,
        status=request.status.value,
        hold_shelf_expiry=request.hold_shelf_expiry,
        version=version,
    )


def contract_payload(
    request: Request, event: domain.RequestEventBase
) -> contract.RequestEvent | None:
    """The published payload of one domain event (None for internal steps)."""
    current = snapshot(request, event.request_version)
    match event:
        case domain.RequestCreated():
            return contract.RequestCreated(request=current)
        case domain.RequestRecalled(loan_id=loan_id, due_at=due_at):
            return contract.RequestRecalled(request=current, loan_id=loan_id, due_date=due_at)
        case domain.RequestPlacedOnHoldShelf(hold_shelf_expiry=expiry):
            assert request.patron_id is not None  # only holds reach the hold shelf
            return contract.RequestPlacedOnHoldShelf(
                request=current,
                patron_id=request.patron_id,
                item_barcode=request.item_barcode,
                title=request.title,
                pickup_library=request.pickup_library,
                hold_shelf_expiry=expiry,
            )
        case domain.RequestHoldShelfExpiring(hold_shelf_expiry=expiry):
            return contract.RequestHoldShelfExpiring(request=current, hold_shelf_expiry=expiry)
        case domain.RequestHoldShelfExpired(hold_shelf_expiry=expiry):
            return contract.RequestHoldShelfExpired(request=current, hold_shelf_expiry=expiry)
        case domain.RequestDigitisationDelivered(document_url=url, available_until=until):
            return contract.RequestDigitisationDelivered(
                request=current, document_url=url, available_until=until
            )
        case domain.RequestCancelled(reason=reason):
            return contract.RequestCancelled(request=current, reason=reason)
        case domain.RequestClosed(reason=reason):
            return contract.RequestClosed(request=current, reason=reason)
    return None


def outbox_fields(request: Request, topics: Topics) -> dict[str, Any]:
    """``$set`` fields putting the request's pending events in its outbox."""
    key = request.patron_id or request.item_barcode
    events: list[tuple[str, str, Event[Any]]] = []
    for event in request.pending_events:
        payload = contract_payload(request, event)
        if payload is None:
            continue
        envelope = circulation_event(
            payload, request.institution, request.request_id, event.occurred_at, event.event_id
        )
        events.append((topics.request(request.institution), key, envelope))
    return outbox_set(events, first_seq=request.saved_version + 1)

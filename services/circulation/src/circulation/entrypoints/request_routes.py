"""The request API: place (desk or discovery interface), cancel, complete, deliver a
digitisation; a loan's queue and its
internal processing request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, status

from circulation.domain.requests import RequestKind
from circulation.service_layer import account_answers as answers
from circulation.service_layer import request_commands as rc
from rebub_shared import bounds
from rebub_shared.auth.guard import requires
from rebub_shared.auth.tokens import Principal
from rebub_shared.permissions import Permission as P

from .desk_identity import Bus, Headers, identify
from .http_bodies import CancelBody, DeliveryBody, DeskFields, RequestBody

router = APIRouter(tags=["requests"])
Requester = Annotated[Principal, requires(P.REQUESTS_WRITE)]


@router.post("/requests", status_code=status.HTTP_201_CREATED)
async def place_request(
    body: RequestBody, headers: Headers, bus: Bus, principal: Requester
) -> answers.RequestAnswer:
    """A hold or digitisation request; a hold on an item on loan recalls the loan (no renewal).

    A blocked patron may place requests (the blocks apply when they borrow). Without a desk, the
    request comes from the discovery interface (the operator is then that client's subject)."""
    who = identify(bus.ctx, headers, principal, body, desk_required=False)
    command = rc.PlaceRequest(
        **who.fields(),
        kind=RequestKind(body.kind),
        patron=body.patron,
        item_barcode=body.item_barcode,
        pickup_library=body.pickup_library,
    )
    return await bus.handle(command)


@router.post("/requests/{request_id}/cancel")
async def cancel_request(
    request_id: str, body: CancelBody, headers: Headers, bus: Bus, principal: Requester
) -> answers.RequestView:
    """Cancel a request, with the reason."""
    who = identify(bus.ctx, headers, principal, body, desk_required=False)
    command = rc.CancelRequest(**who.fields(), request_id=request_id, reason=body.reason)
    return await bus.handle(command)


@router.post("/requests/{request_id}/complete")
async def complete_request(
    request_id: str,
    headers: Headers,
    bus: Bus,
    principal: Requester,
    body: Annotated[DeskFields | None, Body()] = None,
) -> answers.RequestView:
    """A digitisation or internal processing request is finished."""
    who = identify(bus.ctx, headers, principal, body)
    command = rc.CompleteRequest(**who.fields(), request_id=request_id)
    return await bus.handle(command)


@router.post("/requests/{request_id}/deliver")
async def deliver_digitisation(
    request_id: str, body: DeliveryBody, headers: Headers, bus: Bus, principal: Requester
) -> answers.RequestView:
    """A digitisation request's copy is ready at ``document_url`` (until ``available_until``):
    the requester is sent the link (notifier), the request completes."""
    who = identify(bus.ctx, headers, principal, body)
    command = rc.DeliverDigitisation(
        **who.fields(),
        request_id=request_id,
        document_url=body.document_url,
        available_until=body.available_until,
    )
    return await bus.handle(command)


@router.post("/loans/{loan_id}/internal-processing", status_code=status.HTTP_201_CREATED)
async def internal_processing(
    loan_id: str,
    headers: Headers,
    bus: Bus,
    principal: Requester,
    body: Annotated[DeskFields | None, Body()] = None,
) -> answers.RequestAnswer:
    """The library works on the loan's item: unavailable until the request is completed."""
    who = identify(bus.ctx, headers, principal, body)
    command = rc.PlaceInternalProcessing(**who.fields(), loan_id=loan_id)
    return await bus.handle(command)


@router.get("/libraries/{library}/requests/{which}")
async def library_requests(
    library: str,
    which: rc.ShelfList,
    headers: Headers,
    bus: Bus,
    principal: Annotated[Principal, requires(P.LOANS_READ)],
    since: bounds.Day | None = None,
) -> answers.LibraryRequests:
    """A library's work list: ``hold-shelf`` (``expired`` names those past their last day),
    ``expired-holds`` (expired there since ``since``, default a week ago), ``pick-from-shelf``
    (items on its shelves wanted by a hold), ``in-transit`` (the holds whose items travel to it;
    ``items``: every item to receive there, its own coming home included)."""
    who = identify(bus.ctx, headers, principal, desk_required=False)
    command = rc.ListLibraryRequests(**who.fields(), library=library, which=which, since=since)
    return await bus.handle(command)


@router.get("/loans/{loan_id}/requests")
async def loan_queue(
    loan_id: str,
    headers: Headers,
    bus: Bus,
    principal: Annotated[Principal, requires(P.LOANS_READ)],
) -> answers.RequestQueue:
    """The request queue of the loan's item (position 1 is served next)."""
    who = identify(bus.ctx, headers, principal)
    answer = await bus.handle(rc.ShowLoanQueue(**who.fields(), loan_id=loan_id))
    return answer

"""The item routes: lookup (status, current loan, request queue), staff status changes and
internal processing of any item."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, status
from pydantic import ConfigDict

from circulation.domain import ItemStatus
from circulation.service_layer import commands as cmd
from circulation.service_layer import request_commands as rc
from circulation.service_layer.account_answers import ItemView, RequestAnswer
from rebub_shared import bounds
from rebub_shared.audit import Audit
from rebub_shared.auth.guard import requires
from rebub_shared.auth.tokens import Principal
from rebub_shared.permissions import Permission as P

from .desk_identity import Bus, Headers, identify
from .http_bodies import DeskFields

router = APIRouter(tags=["items"])


class ItemStatusBody(DeskFields):
    """A status staff set (available, missing, in_process) and why."""

    model_config = ConfigDict(extra="forbid")
    status: ItemStatus
    reason: bounds.Reason


@router.get("/items/{barcode}")
async def show_item(
    barcode: str, bus: Bus, principal: Annotated[Principal, requires(P.LOANS_READ)]
) -> ItemView:
    """The item, its status (``on_loan`` while lent), its open loan and its request queue."""
    return await bus.handle(cmd.ShowItem(institution=bus.ctx.institution, barcode=barcode))


@router.post("/items/{barcode}/internal-processing", status_code=status.HTTP_201_CREATED)
async def internal_processing(
    barcode: str,
    headers: Headers,
    bus: Bus,
    principal: Annotated[Principal, requires(P.REQUESTS_WRITE)],
    body: Annotated[DeskFields | None, Body()] = None,
) -> RequestAnswer:
    """The library works on the item, on loan or not: unavailable until completed."""
    who = identify(bus.ctx, headers, principal, body)
    return await bus.handle(rc.PlaceInternalProcessing(**who.fields(), item_barcode=barcode))


@router.put("/items/{barcode}/status")
async def change_item_status(
    barcode: str,
    body: ItemStatusBody,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    principal: Annotated[Principal, requires(P.LOANS_LOST_FOUND)],
) -> ItemView:
    """Staff set the status of an item not on loan, with the reason (audited)."""
    who = identify(bus.ctx, headers, principal, body)
    command = cmd.ChangeItemStatus(
        **who.fields(), barcode=barcode, status=body.status, reason=body.reason
    )
    answer = await bus.handle(command)
    await audit.record(
        principal,
        "item-status",
        desk=who.desk,
        targets={"item": barcode},
        status=body.status.value,
        reason=body.reason,
    )
    return answer

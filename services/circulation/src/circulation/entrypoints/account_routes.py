"""The patron account: the whole account, returns, requests, blocks refresh, network activity;
contact data is patron-sync's (409 with a pointer)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from circulation.domain.requests import RequestKind, RequestTask
from circulation.service_layer import account_answers as answers
from circulation.service_layer import loan_commands as lc
from circulation.service_layer import request_commands as rc
from circulation.service_layer.answers import PatronBlocks
from circulation.service_layer.commands import ShowPatronBlocks
from circulation.service_layer.errors import InputError
from rebub_shared.auth.guard import requires
from rebub_shared.auth.tokens import Principal
from rebub_shared.http import Problem
from rebub_shared.permissions import Permission as P

from .desk_identity import Bus, DeskHeaders, Headers, identify

router = APIRouter(tags=["patron account"])
Scope = Literal["all", "session"]
Reader = Annotated[Principal, requires(P.PATRONS_READ)]


def _session(headers: DeskHeaders, scope: Scope) -> str | None:
    if scope == "session" and not headers.session:
        raise InputError("X-Desk-Session", None, "scope=session needs the desk session id")
    return headers.session if scope == "session" else None


@router.get("/patrons/{patron_id}/account")
async def patron_account(
    patron_id: str,
    headers: Headers,
    bus: Bus,
    principal: Reader,
    scope: Scope = Query(default="all"),
) -> answers.PatronAccount:
    """Every tab: loans and returns (all, or this desk session's), requests, blocks (now)."""
    who = identify(bus.ctx, headers, principal)
    command = lc.ShowPatronAccount(
        **who.fields(), patron=patron_id, session_id=_session(headers, scope)
    )
    return await bus.handle(command)


@router.get("/patrons/{patron_id}/returns")
async def patron_returns(
    patron_id: str,
    headers: Headers,
    bus: Bus,
    principal: Reader,
    scope: Scope = Query(default="all"),
) -> answers.PatronReturns:
    """The patron's returns of the last year: all, or this desk session's."""
    who = identify(bus.ctx, headers, principal)
    command = lc.ListPatronReturns(
        **who.fields(), patron=patron_id, session_id=_session(headers, scope)
    )
    return await bus.handle(command)


@router.get("/patrons/{patron_id}/requests")
async def patron_requests(
    patron_id: str,
    headers: Headers,
    bus: Bus,
    principal: Reader,
    type: RequestKind | None = Query(default=None),  # the tab's filter name
    task: RequestTask | None = Query(default=None),
) -> answers.PatronRequests:
    """The patron's requests, filtered by type and by task (processing status)."""
    who = identify(bus.ctx, headers, principal)
    command = rc.ListPatronRequests(**who.fields(), patron=patron_id, kind=type, task=task)
    return await bus.handle(command)


@router.post("/patrons/{patron_id}/blocks/refresh")
async def refresh_blocks(
    patron_id: str, headers: Headers, bus: Bus, principal: Reader
) -> PatronBlocks:
    """Recompute the blocks now (reasons and end dates) from the loans and the patron record."""
    who = identify(bus.ctx, headers, principal)
    answer = await bus.handle(ShowPatronBlocks(**who.fields(), patron=patron_id))
    return answer


@router.get("/patrons/{patron_id}/network-activity")
async def network_activity(
    patron_id: str, headers: Headers, bus: Bus, principal: Reader
) -> answers.NetworkActivity:
    """The patron's loans in the other institutions (read only, minimal summaries)."""
    who = identify(bus.ctx, headers, principal)
    command = lc.ShowNetworkActivity(**who.fields(), patron=patron_id)
    return await bus.handle(command)


@router.patch(
    "/patrons/{patron_id}/contact", status_code=409, dependencies=[requires(P.PATRONS_EDIT)]
)
async def edit_contact(patron_id: str, bus: Bus, changes: dict[str, Any] | None = None) -> None:
    """Circulation does not own patrons: contact data is edited in patron-sync, whose rules allow
    it for internal accounts only (external readers, waiting accounts). Always 409."""
    inst = bus.ctx.institution
    raise Problem(
        409,
        "Patron data belongs to patron-sync",
        f"patron_id={patron_id!r}: edit contact data through patron-sync [{inst}]: "
        f"PATCH /patrons/{patron_id} (internal accounts only; external readers: "
        f"PATCH /external-readers/{patron_id}). Institutional accounts come from the DSI.",
        field="patron_id",
        value=patron_id,
        service=f"patron-sync [{inst}]",
        see=f"PATCH /patrons/{patron_id}",
    )

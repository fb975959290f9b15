"""The desk API: checkout, renewals, due dates, returns, the patron's loans and blocks, items."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, status

from circulation.domain import RenewalOrigin
from circulation.service_layer import answers
from circulation.service_layer import commands as cmd
from circulation.service_layer.errors import InputError
from circulation.service_layer.messagebus import MessageBus
from rebub_shared.audit import Audit
from rebub_shared.auth.guard import forbidden, requires
from rebub_shared.auth.tokens import Principal
from rebub_shared.permissions import Permission as P

from .desk_identity import Bus, Caller, DeskHeaders, Headers, identify
from .http_bodies import (
    CheckoutBody,
    DueDateBody,
    ItemsBody,
    PatronDueDateBody,
    PatronRenewalBody,
    RenewalBody,
    ReturnBody,
)

router = APIRouter(tags=["desk"])


@router.post("/loans", status_code=status.HTTP_201_CREATED)
async def check_out(
    body: CheckoutBody,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    principal: Annotated[Principal, requires(P.LOANS_CHECKOUT)],
) -> answers.CheckoutAnswer:
    """Lend an item to a patron; a block answers 409 with every reason (``blocks``). Lending
    despite blocks (``override``) needs ``blocks:override`` and is audited."""
    if body.override is not None and not principal.can(P.BLOCKS_OVERRIDE):
        raise forbidden(principal, P.BLOCKS_OVERRIDE)
    who = identify(bus.ctx, headers, principal, body)
    command = cmd.CheckOutItem(
        **who.fields(),
        patron=body.patron,
        item_barcode=body.item_barcode,
        override=body.override,
        session_id=headers.session or body.session_id,
    )
    answer = await bus.handle(command)
    if body.override is not None:
        await audit.record(
            principal,
            "block-override",
            desk=who.desk,
            targets={"loan_id": answer.loan.loan_id, "patron_id": answer.loan.patron_id},
            reason=body.override.reason,
            blocks=[block.kind.value for block in answer.overridden_blocks],
        )
    return answer


@router.post("/loans/{loan_id}/renewal")
async def renew_loan(
    loan_id: str,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    principal: Annotated[Principal, requires(P.LOANS_RENEW)],
    body: Annotated[RenewalBody | None, Body()] = None,
) -> answers.RenewalLine:
    """Renew one loan (``origin: patron`` from the discovery interface, where no desk is needed).
    A patron's blocks may refuse it (409 ``Renewal blocked`` with every block, per the policy's
    renewal guards); renewing despite them (``override``) needs ``blocks:override``, audited."""
    body = body or RenewalBody()
    who = _renewer(bus, headers, principal, body, body.override)
    command = cmd.RenewLoan(
        **who.fields(), loan_id=loan_id, origin=body.origin, override=body.override
    )
    line = await bus.handle(command)
    await _audit_renewal_override(audit, principal, who.desk, body.override, [line])
    return line


@router.post("/patrons/{patron_id}/renewals")
async def renew_patron_loans(
    patron_id: str,
    body: PatronRenewalBody,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    principal: Annotated[Principal, requires(P.LOANS_RENEW)],
) -> answers.RenewalAnswer:
    """Renew the selected loans or all loans: each line renewed (new due date) or refused (why;
    a renewal guard refuses every line unless overridden, as for one loan)."""
    who = _renewer(bus, headers, principal, body, body.override)
    command = cmd.RenewPatronLoans(
        **who.fields(),
        patron=patron_id,
        loan_ids=body.chosen,
        origin=body.origin,
        override=body.override,
    )
    answer = await bus.handle(command)
    await _audit_renewal_override(audit, principal, who.desk, body.override, answer.lines)
    return answer


def _renewer(
    bus: MessageBus,
    headers: DeskHeaders,
    principal: Principal,
    body: RenewalBody | PatronRenewalBody,
    override: cmd.Override | None,
) -> Caller:
    if override is not None and not principal.can(P.BLOCKS_OVERRIDE):
        raise forbidden(principal, P.BLOCKS_OVERRIDE)
    desk_required = body.origin is RenewalOrigin.DESK
    return identify(bus.ctx, headers, principal, body, desk_required=desk_required)


async def _audit_renewal_override(
    audit: Audit,
    principal: Principal,
    desk: str | None,
    override: cmd.Override | None,
    lines: list[answers.RenewalLine],
) -> None:
    """Record a renewal made despite the patron's blocks, once per loan so renewed."""
    for line in lines:
        if override is not None and line.overridden_blocks:
            await audit.record(
                principal,
                "renewal-override",
                desk=desk,
                targets={"loan_id": line.loan_id},
                reason=override.reason,
                blocks=line.overridden_blocks,
            )


@router.put("/loans/{loan_id}/due-date")
async def change_due_date(
    loan_id: str,
    body: DueDateBody,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    principal: Annotated[Principal, requires(P.LOANS_DUE_DATE)],
) -> answers.DueDateAnswer:
    """Set a loan's due date (an instant, or a day: due at the library's closing time)."""
    who = identify(bus.ctx, headers, principal, body)
    command = cmd.ChangeDueDate(
        **who.fields(),
        loan_id=loan_id,
        due=cmd.NewDueDate(due_at=body.due_at, due_date=body.due_date),
    )
    answer = await bus.handle(command)
    await audit_due_dates(audit, principal, who.desk, answer)
    return answer


@router.post("/patrons/{patron_id}/due-date")
async def change_patron_due_dates(
    patron_id: str,
    body: PatronDueDateBody,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    principal: Annotated[Principal, requires(P.LOANS_DUE_DATE)],
) -> answers.DueDateAnswer:
    """Set the due date of the selected loans or all loans; any refusal writes nothing."""
    who = identify(bus.ctx, headers, principal, body)
    command = cmd.ChangePatronDueDates(
        **who.fields(),
        patron=patron_id,
        loan_ids=body.chosen,
        due=cmd.NewDueDate(due_at=body.due_at, due_date=body.due_date),
    )
    answer = await bus.handle(command)
    await audit_due_dates(audit, principal, who.desk, answer)
    return answer


@router.post("/returns")
async def return_item(
    body: ReturnBody,
    headers: Headers,
    bus: Bus,
    principal: Annotated[Principal, requires(P.RETURNS_SCAN)],
) -> answers.ReturnAnswer:
    """Check an item in at the desk (maybe backdated); the answer gives the item's next step."""
    who = identify(bus.ctx, headers, principal, body)
    command = cmd.ReturnItem(
        **who.fields(),
        item_barcode=body.item_barcode,
        returned_at=body.returned_at,
        session_id=headers.session or body.session_id,  # the session tab's returns
    )
    return await bus.handle(command)


@router.get("/patrons/{patron_id}/loans")
async def patron_loans(
    patron_id: str,
    headers: Headers,
    bus: Bus,
    principal: Annotated[Principal, requires(P.PATRONS_READ)],
    scope: Literal["all", "session"] = Query(default="all"),
) -> answers.PatronLoans:
    """The patron's open loans: all, or this desk session's (``X-Desk-Session``)."""
    who = identify(bus.ctx, headers, principal)
    if scope == "session" and not headers.session:
        raise InputError("X-Desk-Session", None, "scope=session needs the desk session id")
    command = cmd.ListPatronLoans(
        **who.fields(),
        patron=patron_id,
        session_id=headers.session if scope == "session" else None,
    )
    return await bus.handle(command)


@router.get("/patrons/{patron_id}/blocks")
async def patron_blocks(
    patron_id: str,
    headers: Headers,
    bus: Bus,
    principal: Annotated[Principal, requires(P.PATRONS_READ)],
) -> answers.PatronBlocks:
    """Why the patron cannot borrow now (the desk is warned when the patron is identified)."""
    who = identify(bus.ctx, headers, principal)
    command = cmd.ShowPatronBlocks(**who.fields(), patron=patron_id)
    return await bus.handle(command)


@router.post("/items", tags=["items"], dependencies=[requires(P.ITEMS_LOAD)])
async def load_items(body: ItemsBody, bus: Bus) -> answers.ItemsLoaded:
    """Add or replace items (bulk); every record is checked before any is written."""
    command = cmd.LoadItems(institution=bus.ctx.institution, items=tuple(body.items))
    return await bus.handle(command)


async def audit_due_dates(
    audit: Audit, principal: Principal, desk: str | None, answer: answers.DueDateAnswer
) -> None:
    """One audit record per loan whose due date staff changed."""
    for line in answer.lines:
        await audit.record(
            principal,
            "due-date-change",
            desk=desk,
            targets={"loan_id": line.loan_id},
            previous_due_at=line.previous_due_at.isoformat(),
            due_at=line.due_at.isoformat(),
        )

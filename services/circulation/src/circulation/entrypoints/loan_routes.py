"""Loan actions (lost, claimed returned, item found, delete, notes, details, item history),
bulk returns, and "check the rules" (of a loan, or as a dry run)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from circulation.domain.explanation import LoanRuleExplanation, RuleExplanation
from circulation.service_layer import account_answers as answers
from circulation.service_layer import loan_commands as lc
from circulation.service_layer.answers import LoanDetails, LoanView
from rebub_shared.audit import Audit
from rebub_shared.auth.guard import requires
from rebub_shared.auth.tokens import Principal
from rebub_shared.permissions import Permission as P

from .desk_identity import Bus, Headers, identify
from .http_bodies import DeskFields, ExplainBody, NoteBody, ReturnBatchBody

router = APIRouter(tags=["loans"])
OptionalDesk = Annotated[DeskFields | None, Body()]
LostFound = Annotated[Principal, requires(P.LOANS_LOST_FOUND)]
Reader = Annotated[Principal, requires(P.LOANS_READ)]
# The audit trail's name of each privileged loan action.
AUDITED: dict[lc.LoanAction, str] = {
    "lost": "loan-lost",
    "claimed_returned": "loan-claimed-returned",
    "found": "loan-found",
    "delete": "loan-delete",
}


async def _act(
    loan_id: str,
    action: lc.LoanAction,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    principal: Principal,
    body: DeskFields | None,
) -> LoanView:
    who = identify(bus.ctx, headers, principal, body)
    answer = await bus.handle(lc.ActOnLoan(**who.fields(), loan_id=loan_id, action=action))
    targets = {"loan_id": loan_id, "patron_id": answer.patron_id, "item": answer.item_barcode}
    await audit.record(principal, AUDITED[action], desk=who.desk, targets=targets)
    return answer


@router.post("/loans/{loan_id}/lost")
async def declare_lost(
    loan_id: str,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    who: LostFound,
    body: OptionalDesk = None,
) -> LoanView:
    """Lost: the loan stays on the account while the case is settled; the item is lost."""
    return await _act(loan_id, "lost", headers, bus, audit, who, body)


@router.post("/loans/{loan_id}/claimed-returned")
async def claim_returned(
    loan_id: str,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    who: LostFound,
    body: OptionalDesk = None,
) -> LoanView:
    """The patron says the item was returned; the loan stays open while it is checked."""
    return await _act(loan_id, "claimed_returned", headers, bus, audit, who, body)


@router.post("/loans/{loan_id}/found")
async def item_found(
    loan_id: str,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    who: LostFound,
    body: OptionalDesk = None,
) -> LoanView:
    """Item found: ends lost or claimed returned; the loan is active, the item normal again."""
    return await _act(loan_id, "found", headers, bus, audit, who, body)


@router.delete("/loans/{loan_id}")
async def delete_loan(
    loan_id: str,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    who: Annotated[Principal, requires(P.LOANS_DELETE)],
) -> LoanView:
    """Delete without return (the item will never come back): the item becomes missing."""
    return await _act(loan_id, "delete", headers, bus, audit, who, None)


@router.get("/loans/{loan_id}")
async def loan_details(loan_id: str, headers: Headers, bus: Bus, principal: Reader) -> LoanDetails:
    """The loan with its hidden details and notes."""
    who = identify(bus.ctx, headers, principal)
    answer = await bus.handle(lc.ShowLoan(**who.fields(), loan_id=loan_id))
    return answer


@router.post("/loans/{loan_id}/notes", status_code=201)
async def add_note(
    loan_id: str,
    body: NoteBody,
    headers: Headers,
    bus: Bus,
    audit: Audit,
    principal: Annotated[Principal, requires(P.LOANS_NOTES)],
) -> LoanDetails:
    """A note on the loan, signed by the token's subject (audited)."""
    who = identify(bus.ctx, headers, principal, body)
    answer = await bus.handle(lc.AddLoanNote(**who.fields(), loan_id=loan_id, note=body.note))
    await audit.record(principal, "note-added", desk=who.desk, targets={"loan_id": loan_id})
    return answer


@router.get("/items/{item_barcode}/loans", tags=["items"])
async def item_history(
    item_barcode: str, headers: Headers, bus: Bus, principal: Reader
) -> answers.ItemHistory:
    """The item's loan history (one year)."""
    who = identify(bus.ctx, headers, principal)
    command = lc.ShowItemHistory(**who.fields(), item_barcode=item_barcode)
    return await bus.handle(command)


@router.post("/returns/batch")
async def return_items(
    body: ReturnBatchBody,
    headers: Headers,
    bus: Bus,
    principal: Annotated[Principal, requires(P.RETURNS_BULK)],
) -> answers.ReturnBatchAnswer:
    """Bulk returns: items of any patrons, one line each; a failed line never stops the others."""
    who = identify(bus.ctx, headers, principal, body)
    command = lc.ReturnItems(
        **who.fields(), scans=tuple(body.scans), session_id=headers.session or body.session_id
    )
    return await bus.handle(command)


@router.get("/loans/{loan_id}/rules")
async def loan_rules(
    loan_id: str, headers: Headers, bus: Bus, principal: Reader
) -> LoanRuleExplanation:
    """Which rule applied and why, the due date step by step, the renewal cap, the blocks."""
    who = identify(bus.ctx, headers, principal)
    answer = await bus.handle(lc.ExplainLoanRules(**who.fields(), loan_id=loan_id))
    return answer


@router.post("/rules/explain")
async def explain_rules(
    body: ExplainBody, headers: Headers, bus: Bus, principal: Reader
) -> RuleExplanation:
    """Dry run for a patron, an item, a desk and a date: nothing is written."""
    who = identify(bus.ctx, headers, principal, body)
    command = lc.ExplainRules(
        **who.fields(), patron=body.patron, item_barcode=body.item_barcode, at=body.at
    )
    return await bus.handle(command)

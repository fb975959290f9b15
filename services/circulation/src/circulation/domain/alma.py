"""Our loan events in Alma's shape: the body of Alma's ``LOAN`` webhook (``rest_item_loan``).

Alma posts ``{id, action: "LOAN", institution {value, desc}, time, event {value, desc},
item_loan {...}}``; its code-valued fields are objects (``{value, desc}``; ``location_code`` has
``{value, name}`` and ``item_policy`` ``{value, description}``), its loan status is ``ACTIVE`` or
``COMPLETE`` and the workflow state is in ``process_status``. This module fills what we hold (the
loan snapshot, the item's item policy, the institution's policy file for names) and leaves out
what we do not hold (``UNFILLED``). Pure: no I/O, no clock (the event's own time is used).

Three of our events have no Alma counterpart (``alma_event`` is None): ``loan.recalled``,
``loan.item-found`` and ``loan.deleted``; :func:`item_loan_webhook` refuses them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rebub_shared.contracts import loans as contract

from .errors import UnknownPolicyEntryError
from .policy import InstitutionPolicy

#: Alma's description of each LOAN event code (code table ``WebhookEvents``).
EVENT_DESCRIPTIONS = {
    "LOAN_CREATED": "Loan created",
    "LOAN_RENEWED": "Loan renewed",
    "LOAN_DUE_DATE": "Loan due date changed",
    "LOAN_RETURNED": "Loan returned",
    "LOAN_LOST": "Loan declared lost",
    "LOAN_CLAIMED_RETURNED": "Loan claimed returned",
}

#: Our status -> Alma's ``process_status`` (code table "Loan Process Status").
PROCESS_STATUS = {
    "active": "NORMAL",
    "recalled": "RECALL",
    "returned": "NORMAL",
    "lost": "LOST",
    "claimed_returned": "CLAIMED_RETURN",
    "deleted": "NORMAL",
}

#: Fields of Alma's ``item_loan`` we cannot fill, and why (left out of the body).
UNFILLED = {
    "mms_id": "the catalogue's record ids are not in circulation's item file",
    "holding_id": "likewise",
    "item_id": "we know items by barcode only",
    "author": "the item file has the title only",
    "description": "no volume/issue description in the item file",
    "publication_year": "not in the item file",
    "call_number": "not in the item file",
    "loan_fine": "rebub keeps no fines (DOMAIN.md)",
    "returned_by": "a return records the desk, not the operator",
    "request_id": "a recall carries it, and Alma sends no recall webhook; a loan does not keep "
    "the hold request it filled",
}


class NoAlmaCounterpartError(ValueError):
    """A loan event Alma has no webhook for (recalled, item found, deleted)."""

    def __init__(self, event: contract.LoanEvent) -> None:
        super().__init__(f"event_type={event.event_type!r} has no Alma LOAN webhook counterpart")


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _code(value: str | None, desc: str | None, *, label: str = "desc") -> dict[str, str]:
    return {"value": value or "", label: desc or value or ""}


def _names(policy: InstitutionPolicy | None, loan: contract.LoanSnapshot) -> dict[str, str]:
    """Names of the loan's library, location and desks from the policy file (codes if absent)."""
    names: dict[str, str] = {}
    if policy is None:
        return names
    try:
        library = policy.library(loan.library)
    except UnknownPolicyEntryError:
        return names
    names["library"] = library.name
    names["location"] = next((x.name for x in library.locations if x.code == loan.location), "")
    desks = {d.code: d.name for lib in policy.libraries for d in lib.desks}
    names["circ_desk"] = desks.get(loan.circ_desk or "", "")
    names["return_desk"] = desks.get(loan.return_desk or "", "")
    return names


def _item_policy(policy: InstitutionPolicy | None, code: str | None) -> dict[str, str] | None:
    if code is None:
        return None
    name = next((p.name for p in policy.item_policies if p.code == code), "") if policy else ""
    return _code(code, name, label="description")


def item_loan(
    event: contract.LoanEvent,
    *,
    time: datetime,
    policy: InstitutionPolicy | None = None,
    item_policy: str | None = None,
) -> dict[str, Any]:
    """Alma's ``item_loan`` object for the loan as ``event`` (which occurred at ``time``)
    reports it."""
    loan = event.loan
    names = _names(policy, loan)
    body: dict[str, Any] = {
        "loan_id": loan.loan_id,
        "circ_desk": _code(loan.circ_desk, names.get("circ_desk")),
        "library": _code(loan.library, names.get("library")),
        "user_id": loan.patron_id,
        "item_barcode": loan.item_barcode,
        "due_date": _utc(loan.due_date),
        "loan_status": "COMPLETE" if loan.status == "returned" else "ACTIVE",
        "loan_date": _utc(loan.loan_date),
        "process_status": (
            "RENEW"
            if isinstance(event, contract.LoanRenewed)
            else PROCESS_STATUS.get(loan.status, "NORMAL")
        ),
        "title": loan.title,
        "location_code": _code(loan.location, names.get("location"), label="name"),
        # Only an active loan can be renewed here; a recalled, lost or closed one cannot.
        "renewable": loan.status == "active",
    }
    if loan.return_date is not None:
        body["return_date"] = _utc(loan.return_date)
    if loan.return_desk is not None:
        body["return_circ_desk"] = _code(loan.return_desk, names.get("return_desk"))
    policy_object = _item_policy(policy, item_policy)
    if policy_object is not None:
        body["item_policy"] = policy_object
    if isinstance(event, contract.LoanRenewed):  # the renewal is the event: its time
        body["last_renew_date"] = _utc(time)
        body["last_renew_status"] = _code("SUCCESS", "Renewed successfully")
    return body


def item_loan_webhook(
    event: contract.LoanEvent,
    *,
    webhook_id: str,
    time: datetime,
    institution_name: str,
    policy: InstitutionPolicy | None = None,
    item_policy: str | None = None,
) -> dict[str, Any]:
    """The whole body of Alma's LOAN webhook for ``event`` (``NoAlmaCounterpartError`` for the
    three events Alma has none for). ``time`` is when the event occurred."""
    code = type(event).alma_event
    if code is None:
        raise NoAlmaCounterpartError(event)
    body = item_loan(event, time=time, policy=policy, item_policy=item_policy)
    return {
        "id": webhook_id,
        "action": "LOAN",
        "institution": _code(event.loan.institution, institution_name),
        "time": _utc(time),
        "event": _code(code, EVENT_DESCRIPTIONS[code]),
        "item_loan": body,
    }

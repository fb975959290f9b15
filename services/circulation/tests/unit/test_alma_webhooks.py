"""Our loan events in Alma's LOAN webhook shape, checked against a full example payload
reconstructed from Alma's documentation (developers.exlibrisgroup.com: "Anatomy of a Webhook",
the webhook events table and ``rest_item_loan.xsd``: every field of ``item_loan`` with its JSON
type, values invented): every field we emit is Alma's, with Alma's type and object shape; the
fields of Alma's we never emit are exactly ``UNFILLED`` (and docs/subscribers.md's tables say the
same); the signature is Alma's (base64 HMAC-SHA256 of the body)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from circulation.domain import InstitutionPolicy
from circulation.domain.alma import UNFILLED, NoAlmaCounterpartError, item_loan_webhook
from circulation.domain.webhooks import (
    Subscription,
    UnknownWebhookEventError,
    body_bytes,
    check_events,
    signature,
    verify,
)
from rebub.testing.samples import loan_snapshot
from rebub_shared.contracts import loans as contract

LOANED = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
DUE = datetime(2026, 10, 15, 17, 0, tzinfo=UTC)
RENEWED = datetime(2026, 10, 10, 9, 30, tzinfo=UTC)
RETURNED = datetime(2026, 10, 12, 14, 0, tzinfo=UTC)
SUBSCRIBERS_MD = Path(__file__).resolve().parents[4] / "docs" / "subscribers.md"

# Alma's ``item_loan`` (rest_item_loan.xsd), every field, as Alma's JSON renders it: a code with
# a ``desc`` attribute is ``{value, desc}``, ``location_code`` has ``name``, ``item_policy``
# ``description``, ``request_id`` a ``link``; dates are ISO 8601 UTC strings, ``loan_fine`` a
# number, ``renewable`` a boolean.
ALMA_ITEM_LOAN: dict[str, Any] = {
    "loan_id": "2310950000000561",
    "circ_desk": {"value": "DEFAULT_CIRC_DESK", "desc": "Main desk"},
    "return_circ_desk": {"value": "DEFAULT_CIRC_DESK", "desc": "Main desk"},
    "library": {"value": "MAIN", "desc": "Main Library"},
    "user_id": "0123456789",
    "item_barcode": "39031031697261",
    "due_date": "2026-10-15T17:00:00Z",
    "loan_status": "ACTIVE",
    "loan_date": "2026-10-01T08:00:00Z",
    "return_date": "2026-10-12T14:00:00Z",
    "returned_by": {"value": "0987654321", "desc": "Desk operator"},
    "last_renew_date": "2026-10-10T09:30:00Z",
    "last_renew_status": {"value": "SUCCESS", "desc": "Renewed successfully"},
    "process_status": "NORMAL",
    "mms_id": "9912345670000561",
    "holding_id": "2212345670000561",
    "item_id": "2312345670000561",
    "title": "Les Misérables",
    "author": "Hugo, Victor",
    "description": "v.1",
    "publication_year": "1862",
    "location_code": {"value": "STACK", "name": "Stacks"},
    "item_policy": {"value": "BOOK", "description": "Book"},
    "call_number": "PQ2286 .A1 1862",
    "loan_fine": 0.0,
    "renewable": True,
    "request_id": {"value": "3312345670000561", "link": "https://api.example.org/requests/33"},
}
# The webhook around it ("Anatomy of a Webhook").
ALMA_WEBHOOK: dict[str, Any] = {
    "id": "4321876500000561",
    "action": "LOAN",
    "institution": {"value": "01EXAMPLE_INST", "desc": "Example University"},
    "time": "2026-10-01T08:00:00Z",
    "event": {"value": "LOAN_CREATED", "desc": "Loan created"},
    "item_loan": ALMA_ITEM_LOAN,
}


def shape(value: Any) -> Any:
    """Field names and JSON types, values left out."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return type(value).__name__


def snapshot(**changes: Any) -> contract.LoanSnapshot:
    """The sample loan (lent 1 October 2026 08:00 UTC, due 15 October 17:00 UTC) at BUST."""
    return loan_snapshot(patron_id="P1", item_barcode="UB0001", circ_desk="BUST-PRET", **changes)


def webhook(event: contract.LoanEvent, at: datetime, policy: InstitutionPolicy) -> dict[str, Any]:
    return item_loan_webhook(
        event,
        webhook_id="L1:1",
        time=at,
        institution_name="Université de Bordeaux",
        policy=policy,
        item_policy="2-semaines",
    )


#: One event of each Alma code, as our events report them (a return at its desk, a renewal...).
ALMA_EVENTS: list[tuple[contract.LoanEvent, datetime]] = [
    (contract.LoanCreated(loan=snapshot()), LOANED),
    (
        contract.LoanRenewed(loan=snapshot(renewal_count=1, version=2), previous_due_date=LOANED),
        RENEWED,
    ),
    (contract.LoanDueDateChanged(loan=snapshot(), previous_due_date=DUE), LOANED),
    (
        contract.LoanReturned(
            loan=snapshot(
                status="returned", return_date=RETURNED, return_desk="BUST-PRET", version=3
            )
        ),
        RETURNED,
    ),
    (contract.LoanLost(loan=snapshot(status="lost"), declared_by="staff"), LOANED),
    (contract.LoanClaimedReturned(loan=snapshot(status="claimed_returned")), LOANED),
]


@pytest.mark.parametrize(("event", "at"), ALMA_EVENTS, ids=lambda x: getattr(x, "event_type", ""))
def test_every_field_we_emit_is_alma_s_with_alma_s_type(
    event: contract.LoanEvent, at: datetime, ub: InstitutionPolicy
) -> None:
    body = webhook(event, at, ub)
    wrapper = {k: v for k, v in body.items() if k != "item_loan"}
    assert shape(wrapper) == shape({k: v for k, v in ALMA_WEBHOOK.items() if k != "item_loan"})
    for field, value in body["item_loan"].items():
        assert field in ALMA_ITEM_LOAN, f"{field} is not a field of Alma's item_loan"
        assert shape(value) == shape(ALMA_ITEM_LOAN[field]), field


def test_the_alma_fields_we_never_emit_are_exactly_the_unfilled_ones(ub: InstitutionPolicy) -> None:
    emitted = set().union(*(webhook(event, at, ub)["item_loan"] for event, at in ALMA_EVENTS))
    assert set(ALMA_ITEM_LOAN) - emitted == set(UNFILLED)
    assert emitted <= set(ALMA_ITEM_LOAN)


def _documented(heading: str, first_row: str) -> tuple[set[str], set[str]]:
    """The field names of the two tables under ``heading`` in docs/subscribers.md: what we fill,
    what we leave out (the table whose header row starts with ``first_row``)."""
    section = SUBSCRIBERS_MD.read_text(encoding="utf-8").split(heading, 1)[1].split("\n### ", 1)[0]
    filled, unfilled, current = set[str](), set[str](), None
    for line in section.splitlines():
        if line.startswith("| Alma field"):
            current = unfilled if line.startswith(first_row) else filled
        elif line.startswith("| `") and current is not None:
            current.update(re.findall(r"`([a-z_]+)", line.split("|")[1]))
    return filled, unfilled


def test_docs_subscribers_tables_name_what_we_fill_and_exactly_what_we_do_not(
    ub: InstitutionPolicy,
) -> None:
    filled, unfilled = _documented("### Alma's `item_loan`", "| Alma field we leave out")
    emitted = set().union(*(webhook(event, at, ub)["item_loan"] for event, at in ALMA_EVENTS))
    assert unfilled == set(UNFILLED)
    assert filled == emitted | (set(ALMA_WEBHOOK) - {"item_loan"})


def test_a_checkout_s_values(ub: InstitutionPolicy) -> None:
    body = webhook(contract.LoanCreated(loan=snapshot()), LOANED, ub)
    assert body["event"] == {"value": "LOAN_CREATED", "desc": "Loan created"}
    loan = body["item_loan"]
    assert loan["user_id"] == "P1"
    assert loan["library"] == {"value": "BUST", "desc": ub.library("BUST").name}
    assert loan["circ_desk"] == {"value": "BUST-PRET", "desc": "Banque de prêt et retour"}
    assert loan["location_code"] == {"value": "BUST-LA", "name": "Libre accès"}
    assert loan["item_policy"] == {
        "value": "2-semaines",
        "description": "Prêt 2 semaines pour tous",
    }
    assert (loan["loan_date"], loan["due_date"]) == ("2026-10-01T08:00:00Z", "2026-10-15T17:00:00Z")
    assert (loan["loan_status"], loan["process_status"], loan["renewable"]) == (
        "ACTIVE",
        "NORMAL",
        True,
    )


def test_a_renewal_is_loan_renewed_with_its_date_and_status(ub: InstitutionPolicy) -> None:
    event, at = ALMA_EVENTS[1]
    body = webhook(event, at, ub)
    assert body["event"] == {"value": "LOAN_RENEWED", "desc": "Loan renewed"}
    assert body["item_loan"]["last_renew_date"] == "2026-10-10T09:30:00Z"
    assert body["item_loan"]["last_renew_status"]["value"] == "SUCCESS"
    assert body["item_loan"]["process_status"] == "RENEW"


def test_a_return_is_loan_returned_complete_with_its_desk(ub: InstitutionPolicy) -> None:
    event, at = ALMA_EVENTS[3]
    body = webhook(event, at, ub)
    assert body["event"] == {"value": "LOAN_RETURNED", "desc": "Loan returned"}
    assert body["item_loan"]["loan_status"] == "COMPLETE"
    assert body["item_loan"]["return_date"] == "2026-10-12T14:00:00Z"
    assert body["item_loan"]["return_circ_desk"]["value"] == "BUST-PRET"
    assert body["item_loan"]["renewable"] is False


@pytest.mark.parametrize(
    ("event", "status", "process"),
    [
        (contract.LoanLost(loan=snapshot(status="lost"), declared_by="staff"), "LOAN_LOST", "LOST"),
        (
            contract.LoanClaimedReturned(loan=snapshot(status="claimed_returned")),
            "LOAN_CLAIMED_RETURNED",
            "CLAIMED_RETURN",
        ),
        (
            contract.LoanDueDateChanged(loan=snapshot(), previous_due_date=DUE),
            "LOAN_DUE_DATE",
            "NORMAL",
        ),
    ],
)
def test_the_other_alma_codes(
    event: contract.LoanEvent, status: str, process: str, ub: InstitutionPolicy
) -> None:
    body = webhook(event, LOANED, ub)
    assert (body["event"]["value"], body["item_loan"]["process_status"]) == (status, process)


@pytest.mark.parametrize(
    "event",
    [
        contract.LoanRecalled(loan=snapshot(status="recalled"), request_id="R1"),
        contract.LoanItemFound(loan=snapshot()),
        contract.LoanDeleted(loan=snapshot(status="deleted")),
    ],
)
def test_three_events_have_no_alma_counterpart(
    event: contract.LoanEvent, ub: InstitutionPolicy
) -> None:
    with pytest.raises(NoAlmaCounterpartError, match=event.event_type):
        webhook(event, LOANED, ub)


def test_the_signature_is_alma_s_base64_hmac_sha256_of_the_body() -> None:
    body = body_bytes({"id": "1", "action": "LOAN", "title": "Économie"})
    assert body == '{"id":"1","action":"LOAN","title":"Économie"}'.encode()  # JSON.stringify's
    expected = base64.b64encode(hmac.new(b"s3cret-key", body, hashlib.sha256).digest()).decode()
    assert signature("s3cret-key", body) == expected
    assert verify("s3cret-key", body, expected)
    tampered = json.dumps({"id": "1", "action": "LOAN", "title": "Economie"}).encode()
    assert not verify("s3cret-key", tampered, expected)


def test_a_subscription_selects_by_alma_code_or_event_type(alma_subscription: Subscription) -> None:
    alma = alma_subscription
    assert alma.selects(contract.LoanCreated.event_type, "LOAN_CREATED")
    assert not alma.selects(contract.LoanReturned.event_type, "LOAN_RETURNED")
    cloud = alma.model_copy(
        update={"format": "cloudevents", "events": (contract.LoanRecalled.event_type,)}
    )
    assert cloud.selects(contract.LoanRecalled.event_type, None)
    with pytest.raises(UnknownWebhookEventError, match="LOAN_EATEN"):
        check_events(("LOAN_CREATED", "LOAN_EATEN"))

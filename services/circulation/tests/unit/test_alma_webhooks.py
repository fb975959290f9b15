"""Our loan events in Alma's LOAN webhook shape, checked against example payloads reconstructed
from Alma's documentation (developers.exlibrisgroup.com: "Anatomy of a Webhook", the webhook
events table and ``rest_item_loan.xsd``): the same fields with the same JSON types, and the
signature as Alma computes it (base64 HMAC-SHA256 of the body)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
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

# Alma's LOAN webhook as its documentation describes it (values invented, types as Alma's).
ALMA_LOAN_CREATED: dict[str, Any] = {
    "id": "4321876500000561",
    "action": "LOAN",
    "institution": {"value": "01EXAMPLE_INST", "desc": "Example University"},
    "time": "2026-10-01T08:00:00Z",
    "event": {"value": "LOAN_CREATED", "desc": "Loan created"},
    "item_loan": {
        "loan_id": "2310950000000561",
        "circ_desk": {"value": "DEFAULT_CIRC_DESK", "desc": "Main desk"},
        "library": {"value": "MAIN", "desc": "Main Library"},
        "user_id": "0123456789",
        "item_barcode": "39031031697261",
        "due_date": "2026-10-15T17:00:00Z",
        "loan_status": "ACTIVE",
        "loan_date": "2026-10-01T08:00:00Z",
        "process_status": "NORMAL",
        "title": "Les Misérables",
        "location_code": {"value": "STACK", "name": "Stacks"},
        "item_policy": {"value": "BOOK", "description": "Book"},
        "renewable": True,
    },
}
ALMA_LOAN_RENEWED_EXTRA = {
    "last_renew_date": "2026-10-10T09:30:00Z",
    "last_renew_status": {"value": "SUCCESS", "desc": "Renewed successfully"},
}
ALMA_LOAN_RETURNED_EXTRA = {
    "return_date": "2026-10-12T14:00:00Z",
    "return_circ_desk": {"value": "DEFAULT_CIRC_DESK", "desc": "Main desk"},
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


def test_a_checkout_has_the_fields_and_types_of_alma_loan_created(ub: InstitutionPolicy) -> None:
    body = webhook(contract.LoanCreated(loan=snapshot()), LOANED, ub)
    assert shape(body) == shape(ALMA_LOAN_CREATED)
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


def test_a_renewal_is_loan_renewed_with_its_date_and_status(ub: InstitutionPolicy) -> None:
    renewed_at = datetime(2026, 10, 10, 9, 30, tzinfo=UTC)
    event = contract.LoanRenewed(
        loan=snapshot(renewal_count=1, version=2), previous_due_date=LOANED
    )
    body = webhook(event, renewed_at, ub)
    expected = ALMA_LOAN_CREATED | {"event": {"value": "LOAN_RENEWED", "desc": "Loan renewed"}}
    expected["item_loan"] = ALMA_LOAN_CREATED["item_loan"] | ALMA_LOAN_RENEWED_EXTRA
    assert shape(body) == shape(expected)
    assert body["item_loan"]["last_renew_date"] == "2026-10-10T09:30:00Z"
    assert body["item_loan"]["process_status"] == "RENEW"


def test_a_return_is_loan_returned_complete_with_its_desk(ub: InstitutionPolicy) -> None:
    returned = datetime(2026, 10, 12, 14, 0, tzinfo=UTC)
    loan = snapshot(status="returned", return_date=returned, return_desk="BUST-PRET", version=3)
    body = webhook(contract.LoanReturned(loan=loan), returned, ub)
    expected = ALMA_LOAN_CREATED | {"event": {"value": "LOAN_RETURNED", "desc": "Loan returned"}}
    expected["item_loan"] = ALMA_LOAN_CREATED["item_loan"] | ALMA_LOAN_RETURNED_EXTRA
    assert shape(body) == shape(expected)
    assert body["item_loan"]["loan_status"] == "COMPLETE"
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


def test_what_we_cannot_fill_is_listed_and_left_out(ub: InstitutionPolicy) -> None:
    body = webhook(contract.LoanCreated(loan=snapshot()), LOANED, ub)
    assert set(UNFILLED).isdisjoint(body["item_loan"])
    assert {"author", "call_number", "mms_id", "publication_year"} <= set(UNFILLED)


def test_the_signature_is_alma_s_base64_hmac_sha256_of_the_body() -> None:
    body = body_bytes({"id": "1", "action": "LOAN", "title": "Économie"})
    assert body == '{"id":"1","action":"LOAN","title":"Économie"}'.encode()  # JSON.stringify's
    expected = base64.b64encode(hmac.new(b"s3cret-key", body, hashlib.sha256).digest()).decode()
    assert signature("s3cret-key", body) == expected
    assert verify("s3cret-key", body, expected)
    tampered = json.dumps({"id": "1", "action": "LOAN", "title": "Economie"}).encode()
    assert not verify("s3cret-key", tampered, expected)


def test_a_subscription_selects_by_alma_code_or_event_type() -> None:
    alma = Subscription(
        subscription_id="S1",
        institution="ub",
        url="https://listener.example.org/alma",
        secret="s3cret-key",
        events=("LOAN_CREATED",),
    )
    assert alma.selects(contract.LoanCreated.event_type, "LOAN_CREATED")
    assert not alma.selects(contract.LoanReturned.event_type, "LOAN_RETURNED")
    cloud = alma.model_copy(
        update={"format": "cloudevents", "events": (contract.LoanRecalled.event_type,)}
    )
    assert cloud.selects(contract.LoanRecalled.event_type, None)
    with pytest.raises(UnknownWebhookEventError, match="LOAN_EATEN"):
        check_events(("LOAN_CREATED", "LOAN_EATEN"))

"""Sample contract payloads for tests (a patron, a network account, an external reader, a loan,
a request, a loan summary), valid as their producers would write them; keyword arguments change a field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from rebub_shared.contracts.loans import LoanActivitySummary, LoanSnapshot
from rebub_shared.contracts.patrons import Contact, ExternalReader, IzPatron, NzAccount
from rebub_shared.contracts.requests import RequestSnapshot

LENT_AT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)  # Thursday 1 October 2026, 10:00 in Bordeaux
DUE_AT = datetime(2026, 10, 15, 17, 0, tzinfo=UTC)
EXPIRES = date(2027, 9, 30)


def iz_patron(primary_id: str = "P-42", institution: str = "ub", **fields: Any) -> IzPatron:
    """An institution zone's patron (an external account of user group L)."""
    return IzPatron.model_validate(
        {
            "primary_id": primary_id,
            "institution": institution,
            "kind": "external",
            "last_name": "Dupont",
            "first_name": "Camille",
            "user_group": "L",
            "expiry_date": EXPIRES,
            "contact": Contact(emails=["camille.dupont@example.org"]),
            "barcodes": [f"CARD{primary_id}"],
            "version": 1,
        }
        | fields
    )


def nz_account(primary_id: str = "NZ-1", **fields: Any) -> NzAccount:
    """A network zone account from bsa's feed."""
    return NzAccount.model_validate(
        {
            "primary_id": primary_id,
            "source": "bsa",
            "last_name": "Bernard",
            "first_name": "Jeanne",
            "user_group": "L",
            "expiry_date": EXPIRES,
            "contact": Contact(emails=["jeanne.bernard@example.org"]),
            "barcodes": [f"CARD{primary_id}"],
            "fingerprint": "f" * 16,
            "version": 1,
        }
        | fields
    )


def external_reader(primary_id: str = "EXT-1", **fields: Any) -> ExternalReader:
    """An external reader created by scpo."""
    return ExternalReader.model_validate(
        {
            "primary_id": primary_id,
            "created_by": "scpo",
            "last_name": "Petit",
            "first_name": "Marc",
            "expiry_date": EXPIRES,
            "contact": Contact(emails=["marc.petit@example.org"]),
            "barcodes": [],
            "version": 1,
        }
        | fields
    )


def loan_snapshot(loan_id: str = "L1", institution: str = "ub", **fields: Any) -> LoanSnapshot:
    """An active loan lent on 1 October 2026 at BUST, due on 15 October."""
    return LoanSnapshot.model_validate(
        {
            "loan_id": loan_id,
            "institution": institution,
            "patron_id": "P-42",
            "item_barcode": "UB0000001",
            "title": "Les Misérables",
            "library": "BUST",
            "location": "BUST-LA",
            "loan_date": LENT_AT,
            "due_date": DUE_AT,
            "original_due_date": DUE_AT,
            "status": "active",
            "version": 1,
        }
        | fields
    )


def request_snapshot(
    request_id: str = "R1", institution: str = "ub", **fields: Any
) -> RequestSnapshot:
    """An active hold placed on 1 October 2026 for pick-up at BUST, waiting for the item."""
    return RequestSnapshot.model_validate(
        {
            "request_id": request_id,
            "institution": institution,
            "kind": "hold",
            "patron_id": "P-42",
            "item_barcode": "UB0000001",
            "title": "Les Misérables",
            "pickup_library": "BUST",
            "placed_at": LENT_AT,
            "task": "waiting_for_item",
            "status": "active",
            "version": 1,
        }
        | fields
    )


def activity_summary(institution: str = "bsa", **fields: Any) -> LoanActivitySummary:
    """One institution's summary of an active loan (no names, no contact data)."""
    return LoanActivitySummary.model_validate(
        {
            "primary_id": "P-42",
            "institution": institution,
            "loan_id": f"{institution}-L1",
            "title": "Germinal",
            "due_date": DUE_AT,
            "status": "active",
            "version": 1,
        }
        | fields
    )

"""The notifier's subscriber on FastStream's in-memory test broker: loan events, patron changes
and "placed on hold shelf" each reach their handler, typed; the other declared events are read
and skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime

from notifier.entrypoints import kafka
from rebub.testing.subscribers import deliver
from rebub_shared.clock import MovableClock
from rebub_shared.contracts.loans import LoanCreated, LoanSnapshot
from rebub_shared.contracts.patrons import (
    Contact,
    IzPatron,
    PatronChanged,
    WaitingAccountMerged,
)
from rebub_shared.contracts.requests import RequestCreated
from rebub_shared.topics import Topics

from .fakes import fake_notifier
from .test_hold_available import SHELVED_AT, placed_on_hold_shelf

LENT_AT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
DUE = datetime(2026, 10, 15, 17, 0, tzinfo=UTC)
LOAN = LoanSnapshot(
    loan_id="L1",
    institution="ub",
    patron_id="P1",
    item_barcode="UB0000001",
    title="Les Misérables",
    library="BUST",
    location="BUST-LA",
    loan_date=LENT_AT,
    due_date=DUE,
    original_due_date=DUE,
    status="active",
    version=1,
)
PATRON = IzPatron(
    primary_id="P1",
    institution="ub",
    kind="external",
    last_name="Dupont",
    first_name="Camille",
    user_group="L",
    expiry_date=date(2027, 9, 30),
    contact=Contact(emails=["camille.dupont@example.org"]),
    barcodes=["CARD1"],
    version=2,
)


async def test_each_event_type_reaches_its_handler() -> None:
    notifier, store, mailer, _ = fake_notifier(MovableClock(SHELVED_AT))
    subscriber = kafka.subscriber(kafka.institution_events(Topics(), "ub"), notifier)
    merged = WaitingAccountMerged(
        institution="ub", waiting_id="ATT-P1", primary_id="P1", merged_at=LENT_AT
    )
    shelved = placed_on_hold_shelf(patron_id="P1")
    await deliver(
        subscriber,
        [
            (PatronChanged(patron=PATRON), "ub"),
            (merged, "ub"),  # nothing to do: the loans' next events carry the new id
            (LoanCreated(loan=LOAN), "ub"),
            (RequestCreated(request=shelved.request), "ub"),  # skipped: not on the shelf yet
            (shelved, "ub"),
        ],
    )
    assert (await store.patrons(["P1"]))["P1"].email == "camille.dupont@example.org"
    loan = await store.get_loan("L1")
    assert loan is not None
    assert loan.due_at == DUE
    assert [letter.kind for letter, _ in mailer.sent] == ["hold_available"]

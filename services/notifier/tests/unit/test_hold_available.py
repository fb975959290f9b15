"""The notices of requests from circulation's events, through the handlers on fakes: hold
available, hold expired, request cancelled, a digitisation delivered (its link), and the recall
to the borrower (new due date)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from notifier.adapters.contracts import hold_notice, recall_notice, request_notice
from notifier.domain import PatronContact
from notifier.domain.errors import TenantMismatchError
from notifier.service_layer import (
    ApplyPatronChange,
    ForgetPatron,
    LetterState,
    NotDeliveredError,
    RunDailyPass,
    SendHoldAvailable,
    UnknownPatronError,
)
from rebub_shared.clock import MovableClock
from rebub_shared.contracts.letters import LetterSent
from rebub_shared.contracts.loans import LoanRecalled, LoanSnapshot
from rebub_shared.contracts.requests import (
    RequestCancelled,
    RequestDigitisationDelivered,
    RequestHoldShelfExpired,
    RequestHoldShelfExpiring,
    RequestPlacedOnHoldShelf,
    RequestSnapshot,
)

from .conftest import paris
from .fakes import fake_notifier

SHELVED_AT = paris(2026, 11, 5, 10, 30)


def placed_on_hold_shelf(request_id: str = "R1", patron_id: str = "P1") -> RequestPlacedOnHoldShelf:
    """Request `request_id` of `patron_id` waiting at BUST until 12 November 2026."""
    request = RequestSnapshot(
        request_id=request_id,
        institution="ub",
        kind="hold",
        patron_id=patron_id,
        item_barcode="B-1234",
        title="Les Misérables",
        pickup_library="BUST",
        placed_at=paris(2026, 11, 2, 14),
        task="on_hold_shelf",
        status="active",
        hold_shelf_expiry=date(2026, 11, 12),
        version=3,
    )
    return RequestPlacedOnHoldShelf(
        request=request,
        patron_id=patron_id,
        item_barcode="B-1234",
        title="Les Misérables",
        pickup_library="BUST",
        hold_shelf_expiry=date(2026, 11, 12),
    )


def loan_snapshot(loan_id: str, patron_id: str) -> LoanSnapshot:
    """Loan `loan_id` made on 2 November 2026, recalled: now due on 16 November at 19:00."""
    return LoanSnapshot(
        loan_id=loan_id,
        institution="ub",
        patron_id=patron_id,
        item_barcode="B-5678",
        title="Notre-Dame de Paris",
        library="BUST",
        location="GEN",
        loan_date=paris(2026, 11, 2, 10),
        due_date=paris(2026, 11, 16, 19),
        original_due_date=paris(2026, 12, 2, 19),
        status="recalled",
        version=2,
    )


async def with_patron(contact: PatronContact) -> tuple:  # type: ignore[type-arg]
    n, store, mailer, printer = fake_notifier(MovableClock(SHELVED_AT))
    await n.handle(ApplyPatronChange(contact, 1))
    return n, store, mailer, printer


async def test_the_hold_available_letter_is_emailed_once_per_request(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, _ = await with_patron(patron())
    event = placed_on_hold_shelf()

    first = await n.handle(SendHoldAvailable("ub", event.patron_id, hold_notice(event)))
    again = await n.handle(SendHoldAvailable("ub", event.patron_id, hold_notice(event)))

    assert first is not None
    assert first == again
    assert (first.letter_id, first.state) == ("ub:P1:hold_available:R1", LetterState.SENT)
    [(letter, _)] = mailer.sent
    assert letter.pickup_until == date(2026, 11, 12)
    assert [(i.loan_id, i.library, i.item_barcode) for i in letter.items] == [
        ("R1", "BUST", "B-1234")
    ]
    [(topic, key, sent)] = store.outbox
    assert isinstance(sent.data, LetterSent)
    assert (topic, key, sent.data.kind, sent.data.channel) == (
        "ub.notifier.letter.v1",
        "P1",
        "hold_available",
        "email",
    )


async def test_a_patron_without_email_gets_it_printed_and_it_is_reported(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, printer = await with_patron(patron(email=None))
    event = placed_on_hold_shelf()

    record = await n.handle(SendHoldAvailable("ub", "P1", hold_notice(event)))

    assert record is not None
    assert record.state is LetterState.SENT
    assert mailer.sent == []
    assert printer.batches == {("ub", date(2026, 11, 5)): ["ub:P1:hold_available:R1"]}
    assert [r.kind for r in await store.reports()] == ["channel_changed"]


async def test_a_patron_with_no_contact_is_reported_unreachable(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, printer = await with_patron(patron(email=None, address=False))

    record = await n.handle(SendHoldAvailable("ub", "P1", hold_notice(placed_on_hold_shelf())))

    assert record is None
    assert (mailer.sent, printer.batches) == ([], {})
    assert [(r.kind, r.loan_ids) for r in await store.reports()] == [("unreachable", ("R1",))]


async def test_an_unknown_patron_or_another_institution_is_refused(
    patron: Callable[..., PatronContact],
) -> None:
    n, _, mailer, _ = await with_patron(patron())
    hold = hold_notice(placed_on_hold_shelf(patron_id="P9"))

    with pytest.raises(UnknownPatronError, match="'P9'"):
        await n.handle(SendHoldAvailable("ub", "P9", hold))
    with pytest.raises(TenantMismatchError, match="'ubm'"):
        await n.handle(SendHoldAvailable("ubm", "P1", hold))
    assert mailer.sent == []


async def test_a_hold_letter_smtp_refused_is_sent_by_the_next_pass(
    patron: Callable[..., PatronContact],
) -> None:
    """Its item is a request, not a loan of the chain: the pass must not drop it as ended."""
    n, _, mailer, _ = await with_patron(patron())
    mailer.failures.append(NotDeliveredError("connection refused"))
    event = placed_on_hold_shelf()
    refused = await n.handle(SendHoldAvailable("ub", event.patron_id, hold_notice(event)))

    summary = await n.handle(RunDailyPass(paris(2026, 11, 5, 11)))

    assert refused is not None
    assert refused.state is LetterState.PENDING
    assert summary.states == {"sent": 1}
    assert [letter.key for letter, _ in mailer.sent] == ["ub:P1:hold_available:R1"]


async def test_expiring_expired_cancelled_and_recalled_notices_each_go_once(
    patron: Callable[..., PatronContact],
) -> None:
    n, _, mailer, _ = await with_patron(patron())
    shelved = placed_on_hold_shelf().request
    expired = RequestHoldShelfExpired(
        request=shelved.model_copy(update={"status": "expired", "task": "done", "version": 4}),
        hold_shelf_expiry=date(2026, 11, 12),
    )
    cancelled = RequestCancelled(
        request=shelved.model_copy(update={"request_id": "R2", "status": "cancelled"}),
        reason="plus besoin",
    )
    recall = LoanRecalled(loan=loan_snapshot("L7", "P1"), request_id="R3")
    expiring = RequestHoldShelfExpiring(request=shelved, hold_shelf_expiry=date(2026, 11, 12))
    for event in (expiring, expired, cancelled, expired):  # a replay sends nothing more
        found = request_notice(event)
        assert found is not None
        await n.handle(SendHoldAvailable("ub", *found))
    await n.handle(SendHoldAvailable("ub", *recall_notice(recall)))

    keys = [letter.key for letter, _ in mailer.sent]
    assert keys == [
        "ub:P1:hold_expiring:R1",
        "ub:P1:hold_expired:R1",
        "ub:P1:request_cancelled:R2",
        "ub:P1:loan_recalled:R3",
    ]
    recalled = mailer.sent[-1][0]
    assert recalled.items[0].due_at == loan_snapshot("L7", "P1").due_date  # the new due date
    internal = cancelled.model_copy(
        update={"request": cancelled.request.model_copy(update={"patron_id": None})}
    )
    assert request_notice(internal) is None  # internal processing: nobody to tell


async def test_an_erased_patron_loses_contact_data_and_letters(
    patron: Callable[..., PatronContact],
) -> None:
    """Erasure (issue 21): the contact and the letter go; a replay removes nothing more."""
    n, store, _, _ = await with_patron(patron())
    event = placed_on_hold_shelf()
    await n.handle(SendHoldAvailable("ub", "P1", hold_notice(event)))
    assert len(await store.find_letters(patron_id="P1")) == 1
    assert await n.handle(ForgetPatron("ub", "P1")) == 1
    assert await store.patrons(["P1"]) == {}
    assert await store.find_letters(patron_id="P1") == []
    assert await n.handle(ForgetPatron("ub", "P1")) == 0


async def test_a_delivered_digitisation_sends_its_link_once_and_the_store_keeps_it(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, _ = await with_patron(patron())
    request = placed_on_hold_shelf("R5").request.model_copy(
        update={"kind": "digitisation", "task": "done", "status": "closed", "version": 2}
    )
    url = "https://numerique.u-bordeaux.fr/copies/R5.pdf"
    delivered = RequestDigitisationDelivered(
        request=request, document_url=url, available_until=date(2026, 11, 26)
    )
    for _ in range(2):  # a redelivered event sends nothing more
        found = request_notice(delivered)
        assert found is not None
        await n.handle(SendHoldAvailable("ub", *found))

    [(letter, _)] = mailer.sent
    assert (letter.key, letter.document_url, letter.pickup_until) == (
        "ub:P1:digitisation_delivered:R5",
        url,
        date(2026, 11, 26),
    )
    [stored] = await store.find_letters(patron_id="P1")
    assert stored.letter.document_url == url  # a printed copy renders the same link

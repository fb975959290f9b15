"""Acceptance: circulation's "placed on hold shelf" event emails the patron once; a recall on
the loan topic and the request notices (hold expiring, hold expired, request cancelled) are
routed to their letters, once each, a replay included."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rebub_shared.contracts.loans import LoanRecalled
from rebub_shared.contracts.requests import (
    RequestCancelled,
    RequestHoldShelfExpired,
    RequestHoldShelfExpiring,
    RequestPlacedOnHoldShelf,
    RequestSnapshot,
)

from .conftest import Harness, at, eventually, patron_changed, snapshot

pytestmark = pytest.mark.integration


def requested(request_id: str, patron_id: str, title: str, **fields: Any) -> RequestSnapshot:
    """Request `request_id` of `patron_id` waiting at BUST until day 7 (9 November 2026)."""
    values: dict[str, Any] = {
        "task": "on_hold_shelf",
        "status": "active",
        "hold_shelf_expiry": date(2026, 11, 9),
        "version": 3,
    }
    return RequestSnapshot(
        request_id=request_id,
        institution="ub",
        kind="hold",
        patron_id=patron_id,
        item_barcode=f"B-{request_id}",
        title=title,
        pickup_library="BUST",
        placed_at=at(0, 10),
        **(values | fields),
    )


def on_hold_shelf(request_id: str, patron_id: str, title: str) -> RequestPlacedOnHoldShelf:
    """Request `request_id` of `patron_id` waiting at BUST until day 7 (9 November 2026)."""
    expiry = date(2026, 11, 9)
    request = requested(request_id, patron_id, title)
    return RequestPlacedOnHoldShelf(
        request=request,
        patron_id=patron_id,
        item_barcode=f"B-{request_id}",
        title=title,
        pickup_library="BUST",
        hold_shelf_expiry=expiry,
    )


async def test_a_hold_on_the_shelf_emails_the_patron_once_even_when_the_event_is_replayed(
    harness: Harness,
) -> None:
    async with harness.service(at(2, 9)) as service:
        await harness.publish(patron_changed("PH", "ph@etu.u-bordeaux.fr"), at(0, 8), "PH")
        await service.wait_patron("PH")

        event = on_hold_shelf("R1", "PH", "Le Rouge et le Noir")
        await harness.publish(event, at(2, 8, 30), "PH", event_id="evt-R1-shelf")

        async def one_mail() -> bool:
            return len(harness.mailbox.files()) >= 1

        await eventually(one_mail, "the hold-available email")

        # The replay, then a second request on the same partition: once R2's email is there,
        # the replay before it has been consumed.
        await harness.publish(event, at(2, 8, 30), "PH", event_id="evt-R1-shelf")
        await harness.publish(on_hold_shelf("R2", "PH", "Nadja"), at(2, 8, 45), "PH")

        async def two_mails() -> bool:
            return len(harness.mailbox.files()) >= 2

        await eventually(two_mails, "the second request's email")
        letters = await service.letters(patron_id="PH")

    keys = [str(m["X-Rebub-Letter-Key"]) for m in harness.mailbox.messages()]
    assert sorted(keys) == ["ub:PH:hold_available:R1", "ub:PH:hold_available:R2"]
    assert [m["To"].addresses[0].addr_spec for m in harness.mailbox.messages()] == [
        "ph@etu.u-bordeaux.fr"
    ] * 2
    assert sorted((letter["kind"], letter["state"]) for letter in letters) == [
        ("hold_available", "sent"),
        ("hold_available", "sent"),
    ]


async def test_a_recall_and_the_request_notices_each_send_their_letter_once(
    harness: Harness,
) -> None:
    """PR borrowed L1; a hold recalls it on day 2 (4 November 2026), now due on day 3 (Thursday
    5 November, 19:00): PR is told, with that date. On PR's own holds: R3 expires soon on the shelf
    (last day 9 November), R4 expired, R5 was cancelled. The recall is replayed (same event id):
    still one letter."""
    expiring = requested("R3", "PR", "Nadja")
    expired = requested("R4", "PR", "Aurélia", task="done", status="expired", version=4)
    cancelled = requested("R5", "PR", "Sylvie", task="done", status="cancelled", version=2)
    recall = LoanRecalled(loan=snapshot("L1", "PR", due_day=3, version=2), request_id="R9")
    async with harness.service(at(2, 9)) as service:
        await harness.publish(patron_changed("PR", "pr@etu.u-bordeaux.fr"), at(0, 8), "PR")
        await service.wait_patron("PR")
        await harness.publish(recall, at(2, 8, 30), "L1", event_id="evt-L1-recall")
        await harness.publish(
            RequestHoldShelfExpiring(request=expiring, hold_shelf_expiry=date(2026, 11, 9)),
            at(2, 8, 31),
            "PR",
        )
        await harness.publish(
            RequestHoldShelfExpired(request=expired, hold_shelf_expiry=date(2026, 11, 1)),
            at(2, 8, 32),
            "PR",
        )
        await harness.publish(
            RequestCancelled(request=cancelled, reason="plus besoin"), at(2, 8, 33), "PR"
        )

        async def four_mails() -> bool:
            return len(harness.mailbox.files()) >= 4

        await eventually(four_mails, "the recall and the three request notices")
        # The replay, then a marker on the same partition: once its letter is there, the replay
        # before it has been consumed.
        await harness.publish(recall, at(2, 8, 30), "L1", event_id="evt-L1-recall")
        marker = LoanRecalled(loan=snapshot("L1", "PR", due_day=3, version=3), request_id="R10")
        await harness.publish(marker, at(2, 8, 40), "L1")

        async def five_mails() -> bool:
            return len(harness.mailbox.files()) >= 5

        await eventually(five_mails, "the marker's recall letter")
        letters = await service.letters(patron_id="PR")

    mails = {str(m["X-Rebub-Letter-Key"]): m for m in harness.mailbox.messages()}
    recall_text = mails["ub:PR:loan_recalled:R9"].get_body(("plain",)).get_content()
    assert "jeudi 5 novembre 2026 à 19 h 00" in recall_text
    keys = sorted(mails)
    assert keys == [
        "ub:PR:hold_expired:R4",
        "ub:PR:hold_expiring:R3",
        "ub:PR:loan_recalled:R10",
        "ub:PR:loan_recalled:R9",
        "ub:PR:request_cancelled:R5",
    ]
    assert sorted(letter["kind"] for letter in letters if letter["state"] == "sent") == [
        "hold_expired",
        "hold_expiring",
        "loan_recalled",
        "loan_recalled",
        "request_cancelled",
    ]

"""Acceptance: circulation's "placed on hold shelf" event emails the patron once."""

from __future__ import annotations

from datetime import date

import pytest

from rebub_shared.contracts.requests import RequestPlacedOnHoldShelf, RequestSnapshot

from .conftest import Harness, at, eventually, patron_changed

pytestmark = pytest.mark.integration


def on_hold_shelf(request_id: str, patron_id: str, title: str) -> RequestPlacedOnHoldShelf:
    """Request `request_id` of `patron_id` waiting at BUST until day 7 (9 November 2026)."""
    expiry = date(2026, 11, 9)
    request = RequestSnapshot(
        request_id=request_id,
        institution="ub",
        kind="hold",
        patron_id=patron_id,
        item_barcode=f"B-{request_id}",
        title=title,
        pickup_library="BUST",
        placed_at=at(0, 10),
        task="on_hold_shelf",
        status="active",
        hold_shelf_expiry=expiry,
        version=3,
    )
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

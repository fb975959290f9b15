"""Acceptance: the letter chain driven through the real topics, store and SMTP server."""

from __future__ import annotations

import re

from aiokafka import AIOKafkaConsumer

from rebub.mailbox import LocalMailbox
from rebub_shared.contracts.loans import LoanCreated, LoanRenewed, LoanReturned

from .conftest import Harness, Service, at, patron_changed, snapshot, walk


async def start_patrons(service: Service, harness: Harness, *patron_ids: str) -> None:
    for patron_id in patron_ids:
        email = f"{patron_id.lower()}@etu.u-bordeaux.fr"
        await harness.publish(patron_changed(patron_id, email), at(0, 8), patron_id)
    for patron_id in patron_ids:
        await service.wait_patron(patron_id)


async def letter_events(harness: Harness, expected: int) -> list[dict[str, str]]:
    """The LetterSent events on the letter topic (read until `expected` arrived or 10 s)."""
    reader = AIOKafkaConsumer(
        harness.namespace.topics.letter("ub"),
        bootstrap_servers=harness.namespace.backends.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await reader.start()
    events: list[dict[str, str]] = []
    try:
        for _ in range(100):
            for records in (await reader.getmany(timeout_ms=100)).values():
                events.extend({k: v.decode() for k, v in r.headers} for r in records)
            if len(events) >= expected:
                break
    finally:
        await reader.stop()
    return events


def mail_by_message_id(mailbox: LocalMailbox) -> dict[str, tuple[str, str]]:
    return {
        str(m["Message-ID"]): (str(m["To"]), str(m["X-Rebub-Letter-Key"]))
        for m in mailbox.messages()
    }


async def test_forty_days_one_letter_per_stage_and_a_return_on_day_ten_stops_the_chain(
    harness: Harness,
) -> None:
    async with harness.service(at(0, 8)) as service:
        await start_patrons(service, harness, "PA", "PB")
        events = {
            0: [
                (LoanCreated(loan=snapshot("LA", "PA", 4, 1)), "PA"),
                (LoanCreated(loan=snapshot("LB", "PB", 4, 1)), "PB"),
            ],
            10: [(LoanReturned(loan=snapshot("LB", "PB", 4, 2, "returned"), days_late=6), "PB")],
        }

        sent = await walk(service, harness, events, ["PA", "PB"], 40)

        assert sent == [
            (1, "PA", "courtesy", "email"),
            (1, "PB", "courtesy", "email"),
            (4, "PA", "reminder", "email"),
            (4, "PB", "reminder", "email"),
            (11, "PA", "recall1", "email"),
            (25, "PA", "recall2", "email"),
            (39, "PA", "recall3", "post"),
        ]
        # The SMTP server received exactly the six emails, under their deterministic ids.
        letters = await service.letters(loan_id="LA") + await service.letters(loan_id="LB")
        emailed = {
            letter["message_id"]: letter["letter_id"]
            for letter in letters
            if letter["channel"] == "email"
        }
        received = mail_by_message_id(harness.mailbox)
        assert len(harness.mailbox.files()) == 6
        assert {mid: key for mid, (_, key) in received.items()} == emailed
        # Recall 3 is the day's printed batch: one page, for PA.
        pdf = harness.pdf(39).read_bytes()
        assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 1
        assert sorted(p.name for p in (harness.letters_dir / "ub").iterdir()) == [
            harness.pdf(39).name
        ]

    published = await letter_events(harness, 7)
    assert len(published) == 7
    assert len({e["ce_id"] for e in published}) == 7
    assert {e["ce_subject"] for e in published} == {letter["letter_id"] for letter in letters}


async def test_a_renewal_before_the_courtesy_date_moves_every_stage(harness: Harness) -> None:
    async with harness.service(at(0, 8)) as service:
        await start_patrons(service, harness, "PC")
        events = {
            0: [(LoanCreated(loan=snapshot("LC", "PC", 6, 1)), "PC")],
            2: [
                (
                    LoanRenewed(loan=snapshot("LC", "PC", 12, 2), previous_due_date=at(6, 19)),
                    "PC",
                )
            ],
        }

        sent = await walk(service, harness, events, ["PC"], 48)

    assert [(day, kind) for day, _, kind, _ in sent] == [
        (9, "courtesy"),
        (12, "reminder"),
        (19, "recall1"),
        (33, "recall2"),
        (47, "recall3"),
    ]

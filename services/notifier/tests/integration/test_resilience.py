"""Acceptance: an SMTP outage and a restart in the middle of a pass lose and repeat nothing."""

from __future__ import annotations

from collections import Counter

from rebub_shared.contracts.loans import LoanCreated

from .conftest import Harness, Service, at, eventually, patron_changed, snapshot


async def reminders_due(service: Service, harness: Harness, patrons: int) -> list[str]:
    """`patrons` patrons with one loan each, due on day 4; return the patron ids."""
    ids = [f"P{i:02d}" for i in range(1, patrons + 1)]
    for patron_id in ids:
        await harness.publish(
            patron_changed(patron_id, f"{patron_id}@example.org"), at(0), patron_id
        )
        loan = snapshot(f"L{patron_id}", patron_id, 4, 1)
        await harness.publish(LoanCreated(loan=loan), at(0, 10), patron_id)
    for patron_id in ids:
        await service.wait_patron(patron_id)
        await service.wait_loan(f"L{patron_id}", 1)
    return ids


async def test_smtp_down_then_up_sends_each_letter_exactly_once(harness: Harness) -> None:
    async with harness.service(at(4)) as service:
        await reminders_due(service, harness, 2)
        harness.mailbox.stop()

        down = await service.run_pass()
        [pending, _] = await service.letters(loan_id="LP01") + await service.letters(loan_id="LP02")
        harness.mailbox.start()
        up = await service.run_pass()
        again = await service.run_pass()

        assert (down["states"], up["states"], again["states"]) == ({"pending": 2}, {"sent": 2}, {})
        assert (pending["state"], pending["attempts"]) == ("pending", 1)
        assert "refused 2 times" in pending["last_error"]
        recipients = Counter(str(m["To"]).split("<")[-1] for m in harness.mailbox.messages())
        assert recipients == {"P01@example.org>": 1, "P02@example.org>": 1}


async def test_a_restart_during_a_scheduler_run_misses_and_repeats_no_letter(
    harness: Harness,
) -> None:
    patrons = 10
    async with harness.service(at(4)) as service:
        ids = await reminders_due(service, harness, patrons)
    harness.mailbox.handler.delay_s = 0.1  # a slow SMTP server: the pass takes about a second

    # The scheduler's pass at start is stopped (gracefully) after a few letters...
    async with harness.service(at(4), scheduler_enabled=True) as service:
        await eventually(
            lambda: _at_least(harness, 3), "the first letters of the interrupted pass", 10
        )
    interrupted = len(harness.mailbox.files())
    # ...and the next start's pass catches up.
    async with harness.service(at(4), scheduler_enabled=True) as service:
        await eventually(lambda: _at_least(harness, patrons), "every letter", 10)
        await service.run_pass()
        letters = [letter for p in ids for letter in await service.letters(patron_id=p)]

    assert 3 <= interrupted < patrons
    recipients = Counter(str(m["To"]) for m in harness.mailbox.messages())
    assert len(recipients) == patrons
    assert set(recipients.values()) == {1}
    assert Counter(letter["state"] for letter in letters) == {"sent": patrons}


async def _at_least(harness: Harness, count: int) -> bool:
    return len(harness.mailbox.files()) >= count

"""Two notifier replicas of one institution on one store (real FerretDB, Kafka and SMTP): the
consumers share the work, one replica holds the daily pass's lease and runs the passes, each
letter reaches the SMTP server once; when that replica stops, the other takes the passes over."""

from __future__ import annotations

from collections import Counter
from contextlib import AsyncExitStack

from notifier.entrypoints.scheduler import Scheduler
from rebub_shared.contracts.loans import LoanCreated

from .conftest import Harness, Service, at, eventually, patron_changed, snapshot

PATRONS = [f"PR{n}" for n in range(6)]


def _scheduler_passes(service: Service) -> int:
    scheduler: Scheduler = service.app.state.scheduler
    return scheduler.passes


async def _mail_to_patrons(harness: Harness) -> Counter[str]:
    """Messages received (this test's own SMTP server) per letter key."""
    return Counter(str(m["X-Rebub-Letter-Key"]) for m in harness.mailbox.messages())


async def test_two_replicas_send_each_letter_once_and_hand_the_passes_over(
    harness: Harness,
) -> None:
    replicas = {"scheduler_enabled": True, "scheduler_interval_s": 0.2, "lease_ttl_s": 3.0}
    first_stack, second_stack = AsyncExitStack(), AsyncExitStack()
    async with first_stack, second_stack:
        first = await first_stack.enter_async_context(harness.service(at(0, 8), **replicas))
        second = await second_stack.enter_async_context(harness.service(at(0, 8), **replicas))
        for n, patron_id in enumerate(PATRONS):
            await harness.publish(
                patron_changed(patron_id, f"pr{n}@etu.u-bordeaux.fr"), at(0, 8), patron_id
            )
            loan = snapshot(f"L{n}", patron_id, 4, 1)
            await harness.publish(LoanCreated(loan=loan), at(0, 8, 30), patron_id)
        for n, patron_id in enumerate(PATRONS):
            await first.wait_patron(patron_id)
            await first.wait_loan(f"L{n}", 1)

        # Day 1, 09:00: every loan is due in three days, a courtesy letter each.
        for replica in (first, second):
            await replica.set_clock(at(1, 9))

        async def six_courtesy_letters() -> bool:
            return sum((await _mail_to_patrons(harness)).values()) >= len(PATRONS)

        await eventually(six_courtesy_letters, "six courtesy letters")
        leader, other = (first, second) if _scheduler_passes(first) else (second, first)
        seen = _scheduler_passes(leader)
        await eventually(lambda: _at_least(leader, seen + 5), "five more passes on the same day")
        mail = await _mail_to_patrons(harness)
        assert len(mail) == len(PATRONS)
        assert set(mail.values()) == {1}
        assert _scheduler_passes(other) == 0  # the lease kept its passes away

        # The leader stops (gives the lease up): the other replica takes the passes over.
        await (first_stack if leader is first else second_stack).aclose()
        await other.set_clock(at(4, 9))  # due today: a reminder each

        async def reminders_too() -> bool:
            return sum((await _mail_to_patrons(harness)).values()) >= 2 * len(PATRONS)

        await eventually(reminders_too, "six reminders from the other replica")
        taken = _scheduler_passes(other)
        await eventually(lambda: _at_least(other, taken + 5), "five more passes")
        mail = await _mail_to_patrons(harness)
        assert len(mail) == 2 * len(PATRONS)
        assert set(mail.values()) == {1}
        letters = [await other.letters(patron_id=p) for p in PATRONS]
        assert sorted(letter["kind"] for found in letters for letter in found) == sorted(
            ["courtesy", "reminder"] * len(PATRONS)
        )


async def _at_least(service: Service, passes: int) -> bool:
    return _scheduler_passes(service) >= passes

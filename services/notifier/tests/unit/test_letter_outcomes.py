"""What becomes of each letter is told to ``Context.letter_outcome`` (the metric
``rebub_letters_total{tenant,outcome}``): sent, failed (tried again), uncertain."""

from __future__ import annotations

from collections.abc import Callable

from notifier.domain import PatronContact
from notifier.service_layer import DeliveryUncertainError, NotDeliveredError, RunDailyPass

from .test_exactly_once import reminders_due


async def test_a_refused_letter_counts_failed_then_sent_and_a_broken_transfer_uncertain(
    patron: Callable[..., PatronContact],
) -> None:
    n, _, mailer, _, clock = await reminders_due(patron, patrons=2)
    outcomes: list[str] = []
    n.ctx.letter_outcome = outcomes.append
    mailer.failures += [
        NotDeliveredError("connection refused"),
        DeliveryUncertainError("server disconnected after DATA"),
    ]

    await n.handle(RunDailyPass(clock.now()))
    await n.handle(RunDailyPass(clock.now()))

    assert sorted(outcomes) == ["failed", "sent", "uncertain"]

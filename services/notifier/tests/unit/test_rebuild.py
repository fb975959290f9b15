"""A database rebuilt from the loan-state topic: a restored loan's stages that fell before the
rebuild day are not sent again; the stage of that day and the later ones are; a tombstone removes
only a restored loan (dates written out: the loan is due Friday 6 November 2026 at 19:00)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from notifier.domain import LoanEventKind, PatronContact
from notifier.service_layer import (
    ApplyLoanEvent,
    ApplyPatronChange,
    ForgetRestoredLoan,
    LetterState,
    NotifierBus,
    RestoreLoan,
    RunDailyPass,
)
from rebub_shared.clock import MovableClock

from .conftest import paris
from .fakes import LOAN_DAY, event, fake_notifier


async def passes(
    n: NotifierBus, clock: MovableClock, first: int, last: int
) -> list[tuple[int, str]]:
    """Run the pass at 09:00 each day from LOAN_DAY + first to + last: (day, kind) sent."""
    sent = []
    for day in range(first, last + 1):
        current = LOAN_DAY + timedelta(days=day)
        clock.set(paris(current.year, current.month, current.day, 9))
        await n.handle(RunDailyPass(clock.now()))
        for record in await n.store.find_letters(patron_id=None, loan_id=None):
            if record.state is LetterState.SENT and record.letter.day == current:
                sent.append((day, record.letter.kind.value))
    return sent


async def rebuilt_on(day: int, patron: PatronContact) -> tuple[NotifierBus, MovableClock]:
    """An empty store on LOAN_DAY + day, the patron and the loan read back from the topics."""
    at = LOAN_DAY + timedelta(days=day)
    clock = MovableClock(paris(at.year, at.month, at.day, 8))
    n, _, _, _ = fake_notifier(clock)
    await n.handle(ApplyPatronChange(patron, 1))
    assert await n.handle(RestoreLoan(event(LoanEventKind.CREATED, 3, 0)))
    return n, clock


async def test_stages_before_the_rebuild_day_are_not_sent_again(
    patron: Callable[..., PatronContact],
) -> None:
    # Rebuilt Saturday 14 November (+12): the reminder (+4) and recall 1 (+11) went out before.
    n, clock = await rebuilt_on(12, patron())

    assert await passes(n, clock, 12, 40) == [(25, "recall2"), (39, "recall3")]


async def test_the_stage_of_the_rebuild_day_is_sent(patron: Callable[..., PatronContact]) -> None:
    # Rebuilt Friday 13 November (+11) before the pass: recall 1 falls that day.
    n, clock = await rebuilt_on(11, patron())

    assert await passes(n, clock, 11, 26) == [(11, "recall1"), (25, "recall2")]


async def test_a_tombstone_removes_a_restored_loan_only(
    patron: Callable[..., PatronContact],
) -> None:
    n, _ = await rebuilt_on(2, patron())
    # The loan's own events, later, bring nothing older: the restored state stays.
    await n.handle(ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 0)))
    assert (await n.store.get_loan("L1")) is not None

    assert await n.handle(ForgetRestoredLoan("L1"))
    assert await n.store.get_loan("L1") is None

    await n.handle(ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 0, loan_id="L2")))
    assert not await n.handle(ForgetRestoredLoan("L2"))  # written by its events: they end it
    assert not await n.handle(RestoreLoan(event(LoanEventKind.RENEWED, 2, 1, 9, loan_id="L2")))
    assert (await n.store.get_loan("L2")) is not None

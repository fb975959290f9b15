"""The sending protocol on fakes: outages, crashes, graceful stops, catch-up, the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

import pytest

from notifier.domain import LoanEventKind, PatronContact
from notifier.service_layer import (
    ApplyLoanEvent,
    ApplyPatronChange,
    DeliveryUncertainError,
    LetterState,
    NotDeliveredError,
    PlanDay,
    RecoverInFlight,
    RunDailyPass,
    SendActivityReport,
    UnknownPatronError,
)
from rebub_shared.clock import MovableClock
from rebub_shared.contracts.letters import LetterSent

from .conftest import paris
from .fakes import event, fake_notifier

REMINDER_DAY = paris(2026, 11, 6, 9)  # loans created on 2 November, due on the 6th


async def reminders_due(
    patron: Callable[..., PatronContact], patrons: int = 1, email: bool = True
) -> tuple:  # type: ignore[type-arg]
    clock = MovableClock(REMINDER_DAY)
    n, store, mailer, printer = fake_notifier(clock)
    for i in range(1, patrons + 1):
        contact = patron(patron_id=f"P{i}", email=f"p{i}@example.org" if email else None)
        await n.handle(ApplyPatronChange(contact, 1))
        await n.handle(
            ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 0, loan_id=f"L{i}", patron_id=f"P{i}"))
        )
    return n, store, mailer, printer, clock


async def test_smtp_down_leaves_the_letter_pending_and_the_next_pass_sends_it_once(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, _, clock = await reminders_due(patron)
    mailer.failures.append(NotDeliveredError("connection refused"))

    first = await n.handle(RunDailyPass(clock.now()))
    second = await n.handle(RunDailyPass(clock.now()))
    third = await n.handle(RunDailyPass(clock.now()))

    assert (first.states, second.states, third.states) == ({"pending": 1}, {"sent": 1}, {})
    assert len(mailer.sent) == 1
    [record] = await store.find_letters(patron_id="P1")
    assert (record.state, record.attempts) == (LetterState.SENT, 1)
    assert len(store.outbox) == 1


async def test_the_letter_sent_event_names_stage_loans_channel_and_time(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, _, _, clock = await reminders_due(patron)

    await n.handle(RunDailyPass(clock.now()))

    [(topic, key, sent)] = store.outbox
    assert isinstance(sent.data, LetterSent)
    assert (topic, key) == ("ub.notifier.letter.v1", "P1")
    assert (sent.data.kind, sent.data.loan_ids, sent.data.channel) == ("reminder", ["L1"], "email")
    assert sent.data.sent_at == clock.now()


async def test_a_broken_transfer_is_uncertain_reported_and_never_resent(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, _, clock = await reminders_due(patron)
    mailer.failures.append(DeliveryUncertainError("server disconnected after DATA"))

    await n.handle(RunDailyPass(clock.now()))
    await n.handle(RunDailyPass(clock.now()))

    assert mailer.sent == []
    [record] = await store.find_letters(loan_id="L1")
    assert record.state is LetterState.UNCERTAIN
    assert [r.kind for r in await store.reports()] == ["uncertain"]


async def test_a_crash_while_emailing_leaves_an_uncertain_letter_that_is_never_resent(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, _, clock = await reminders_due(patron)
    mailer.block = asyncio.Event()  # the SMTP server holds the message...
    running = asyncio.create_task(n.handle(RunDailyPass(clock.now())))
    await mailer.entered.wait()
    running.cancel()  # ...and the process dies
    with pytest.raises(asyncio.CancelledError):
        await running

    restarted, _, new_mailer, _ = fake_notifier(clock, store)
    assert await restarted.handle(RecoverInFlight()) == 1
    await restarted.handle(RunDailyPass(clock.now()))

    assert new_mailer.sent == []
    [record] = await store.find_letters(patron_id="P1")
    assert record.state is LetterState.UNCERTAIN


async def crash_while_printing(patron: Callable[..., PatronContact], after_write: bool) -> tuple:  # type: ignore[type-arg]
    """Two printed reminders; the process dies while the pass writes the day's batch (before
    the file is written, or after it and before the letters are recorded sent)."""
    n, store, _, printer, clock = await reminders_due(patron, patrons=2, email=False)
    printer.block, printer.block_after_write = asyncio.Event(), after_write
    running = asyncio.create_task(n.handle(RunDailyPass(clock.now())))
    await printer.entered.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    return store, printer, clock


@pytest.mark.parametrize("after_write", [False, True])
async def test_a_crash_while_printing_is_printed_once_at_restart(
    patron: Callable[..., PatronContact], after_write: bool
) -> None:
    store, before, clock = await crash_while_printing(patron, after_write)
    written = list(before.batches.values())
    states = {r.letter_id: r.state.value for r in await store.find_letters()}

    restarted, _, _, printer = fake_notifier(clock, store)
    assert await restarted.handle(RecoverInFlight()) == 2
    await restarted.handle(RunDailyPass(clock.now()))

    ids = ["ub:P1:reminder:2026-11-06", "ub:P2:reminder:2026-11-06"]
    assert states == dict.fromkeys(ids, "sending")
    assert written == ([ids] if after_write else [])
    assert printer.batches == {("ub", date(2026, 11, 6)): ids}
    assert store.batches == {"2026-11-06": ids}
    assert [(r.letter_id, r.state) for r in await store.find_letters()] == [
        (i, LetterState.SENT) for i in ids
    ]
    assert len(store.outbox) == 2


async def test_a_pass_writes_the_days_printed_batch_once_with_every_letter(
    patron: Callable[..., PatronContact],
) -> None:
    n, _, _, printer, clock = await reminders_due(patron, patrons=3, email=False)

    summary = await n.handle(RunDailyPass(clock.now()))

    assert summary.states == {"sent": 3}
    assert printer.writes == 1
    [(_, batch)] = printer.batches.items()
    assert batch == [f"ub:P{i}:reminder:2026-11-06" for i in (1, 2, 3)]


async def test_a_later_pass_adds_its_printed_letters_to_the_days_batch(
    patron: Callable[..., PatronContact],
) -> None:
    n, _store, _, printer, clock = await reminders_due(patron, email=False)
    await n.handle(RunDailyPass(clock.now()))
    await n.handle(ApplyPatronChange(patron(patron_id="P2", email=None), 1))
    await n.handle(ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 1, loan_id="L2", patron_id="P2")))

    await n.handle(RunDailyPass(clock.now()))

    assert printer.writes == 2
    assert printer.batches == {
        ("ub", date(2026, 11, 6)): ["ub:P1:reminder:2026-11-06", "ub:P2:reminder:2026-11-06"]
    }


async def test_a_batch_not_written_leaves_its_letters_pending_then_prints_them_once(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, _, printer, clock = await reminders_due(patron, patrons=2, email=False)
    printer.failures.append(NotDeliveredError("disk full"))

    first = await n.handle(RunDailyPass(clock.now()))
    second = await n.handle(RunDailyPass(clock.now()))

    assert (first.states, second.states) == ({"pending": 2}, {"sent": 2})
    assert printer.batches == {
        ("ub", date(2026, 11, 6)): ["ub:P1:reminder:2026-11-06", "ub:P2:reminder:2026-11-06"]
    }
    assert {r.attempts for r in await store.find_letters()} == {1}


async def test_a_crash_after_the_attempt_was_taken_sends_the_letter_once_after_restart(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, _, clock = await reminders_due(patron)
    n.ctx.stopping = True  # the pass records the letter pending and sends nothing
    await n.handle(RunDailyPass(clock.now()))
    letter_id = "ub:P1:reminder:2026-11-06"
    # The crashed process had taken attempt 0 and died before SENDING: nothing left.
    assert await store.claim_attempt(letter_id, 0, "the-process-that-died")

    restarted, _, new_mailer, _ = fake_notifier(clock, store)
    await restarted.handle(RecoverInFlight())
    summary = await restarted.handle(RunDailyPass(clock.now()))

    assert summary.states == {"sent": 1}
    assert mailer.sent == []
    assert [letter.key for letter, _ in new_mailer.sent] == [letter_id]
    assert (await store.get_letter(letter_id)).attempts == 1  # type: ignore[union-attr]


async def test_an_attempt_another_live_process_took_is_left_to_it(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, _, clock = await reminders_due(patron)
    assert await store.claim_attempt("ub:P1:reminder:2026-11-06", 0, "another-process")

    summary = await n.handle(RunDailyPass(clock.now()))

    assert (summary.states, mailer.sent, store.keys) == ({"pending": 1}, [], {})


async def test_a_graceful_stop_finishes_the_letter_in_flight_and_the_next_run_the_rest(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, _, clock = await reminders_due(patron, patrons=5)
    mailer.block = asyncio.Event()
    running = asyncio.create_task(n.handle(RunDailyPass(clock.now())))
    await mailer.entered.wait()
    n.ctx.stopping = True  # the stop signal arrives while the first email is being sent
    mailer.block.set()
    summary = await running

    restarted, _, new_mailer, _ = fake_notifier(clock, store)
    await restarted.handle(RecoverInFlight())
    await restarted.handle(RunDailyPass(clock.now()))

    assert (summary.interrupted, summary.states) == (True, {"sent": 1})
    sent_to = [letter.patron.patron_id for letter, _ in mailer.sent + new_mailer.sent]
    assert sorted(sent_to) == ["P1", "P2", "P3", "P4", "P5"]


async def test_keys_claimed_before_a_crash_still_let_their_letter_go_once(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, _, clock = await reminders_due(patron)
    # Crash after the letter was recorded and its key claimed, before SENDING.
    mailer.failures.append(NotDeliveredError("down"))
    await n.handle(RunDailyPass(clock.now()))
    assert store.keys == {"ub:L1:reminder:v1": "ub:P1:reminder:2026-11-06"}

    await n.handle(RunDailyPass(clock.now()))
    await n.handle(RunDailyPass(clock.now()))

    assert len(mailer.sent) == 1


async def test_a_pending_letter_whose_loan_came_back_is_not_sent(
    patron: Callable[..., PatronContact],
) -> None:
    n, _store, mailer, _, clock = await reminders_due(patron)
    mailer.failures.append(NotDeliveredError("down"))
    await n.handle(RunDailyPass(clock.now()))
    await n.handle(ApplyLoanEvent(event(LoanEventKind.RETURNED, 2, 4)))

    summary = await n.handle(RunDailyPass(clock.now()))

    assert summary.states == {"superseded": 1}
    assert mailer.sent == []


async def test_after_a_long_outage_only_the_latest_stage_goes_out(
    patron: Callable[..., PatronContact],
) -> None:
    n, store, mailer, _, clock = await reminders_due(patron)
    mailer.failures.extend(NotDeliveredError("down") for _ in range(2))
    await n.handle(RunDailyPass(clock.now()))  # reminder day: SMTP down
    clock.set(paris(2026, 11, 13, 9))  # recall 1 day: still down
    await n.handle(RunDailyPass(clock.now()))

    clock.set(paris(2026, 11, 14, 9))
    await n.handle(RunDailyPass(clock.now()))

    assert [letter.kind.value for letter, _ in mailer.sent] == ["recall1"]
    states = {r.letter_id: r.state.value for r in await store.find_letters(patron_id="P1")}
    assert states == {
        "ub:P1:reminder:2026-11-06": "superseded",
        "ub:P1:recall1:2026-11-13": "sent",
    }


async def test_an_activity_report_is_sent_once_per_request(
    patron: Callable[..., PatronContact],
) -> None:
    n, _, mailer, _, _ = await reminders_due(patron)

    first = await n.handle(SendActivityReport("P1", "req-1"))
    again = await n.handle(SendActivityReport("P1", "req-1"))

    assert first == again
    assert first.state is LetterState.SENT
    assert [(letter.kind.value, len(letter.items)) for letter, _ in mailer.sent] == [
        ("activity_report", 1)
    ]
    with pytest.raises(UnknownPatronError, match="'P9'"):
        await n.handle(SendActivityReport("P9", "req-2"))


async def test_a_loan_reaching_the_stage_while_smtp_is_down_joins_the_waiting_letter(
    patron: Callable[..., PatronContact],
) -> None:
    n, _store, mailer, _, clock = await reminders_due(patron)
    mailer.failures.append(NotDeliveredError("down"))
    await n.handle(RunDailyPass(clock.now()))  # L1's key is claimed by the pending letter
    await n.handle(ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 1, loan_id="L2")))

    await n.handle(RunDailyPass(clock.now()))

    [(letter, _)] = mailer.sent
    assert sorted(item.loan_id for item in letter.items) == ["L1", "L2"]


async def test_a_key_claimed_but_not_noted_on_its_loan_is_not_due_and_gets_noted(
    patron: Callable[..., PatronContact],
) -> None:
    """A crash between the claim and its note on the loan (or data older than the notes)."""
    n, store, mailer, _, clock = await reminders_due(patron, patrons=2)
    assert await store.claim_key("ub:L1:reminder:v1", "ub:P1:reminder:2026-11-06")

    plan = await n.handle(PlanDay(date(2026, 11, 6)))
    summary = await n.handle(RunDailyPass(clock.now()))

    assert [letter.key for letter in plan.due.letters] == ["ub:P2:reminder:2026-11-06"]
    assert summary.states == {"sent": 1}
    assert [letter.patron.patron_id for letter, _ in mailer.sent] == ["P2"]
    _, noted = await store.active_chain()
    assert noted == {"ub:L1:reminder:v1", "ub:L2:reminder:v1"}

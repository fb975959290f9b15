"""The daily pass on fakes: the chain walked day by day, grouping, channels, reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

from notifier.domain import LoanEvent, LoanEventKind, PatronContact
from notifier.service_layer import (
    ApplyLoanEvent,
    ApplyPatronChange,
    LetterState,
    NotifierBus,
    RunDailyPass,
)
from rebub_shared.clock import MovableClock

from .conftest import paris
from .fakes import LOAN_DAY, FakeMailer, FakePrinter, event, fake_notifier


async def walk(
    n: NotifierBus,
    clock: MovableClock,
    events: Mapping[int, list[LoanEvent]],
    last_day: int,
) -> list[tuple[int, str, str, str]]:
    """Move the clock from LOAN_DAY to +last_day, applying each day's events then running the
    pass at 09:00 and 15:00; return (day, patron, kind, channel) of every letter sent."""
    sent: list[tuple[int, str, str, str]] = []
    for day in range(last_day + 1):
        current = LOAN_DAY + timedelta(days=day)
        for loan_event in events.get(day, []):
            await n.handle(ApplyLoanEvent(loan_event))
        for hour in (9, 15):
            clock.set(paris(current.year, current.month, current.day, hour))
            await n.handle(RunDailyPass(clock.now()))
        for record in await n.store.find_letters(patron_id=None, loan_id=None):
            if record.state is LetterState.SENT and record.letter.day == current:
                letter = record.letter
                sent.append((day, letter.patron.patron_id, letter.kind.value, letter.channel.value))
    return sent


async def setup(
    patron: Callable[..., PatronContact], *patrons: PatronContact
) -> tuple[NotifierBus, MovableClock, FakeMailer, FakePrinter]:
    clock = MovableClock(paris(2026, 11, 2, 9))
    n, _, mailer, printer = fake_notifier(clock)
    for contact in patrons or (patron(),):
        await n.handle(ApplyPatronChange(contact, 1))
    return n, clock, mailer, printer


async def test_forty_days_send_each_stage_once_on_its_day_the_last_printed(
    patron: Callable[..., PatronContact],
) -> None:
    n, clock, mailer, printer = await setup(patron)

    sent = await walk(n, clock, {0: [event(LoanEventKind.CREATED, 1, 0)]}, 40)

    assert sent == [
        (1, "P1", "courtesy", "email"),
        (4, "P1", "reminder", "email"),
        (11, "P1", "recall1", "email"),
        (25, "P1", "recall2", "email"),
        (39, "P1", "recall3", "post"),
    ]
    assert len(mailer.sent) == 4
    assert printer.batches == {("ub", date(2026, 12, 11)): ["ub:P1:recall3:2026-12-11"]}


async def test_a_return_on_day_ten_ends_the_chain(patron: Callable[..., PatronContact]) -> None:
    n, clock, _, _ = await setup(patron)
    events = {0: [event(LoanEventKind.CREATED, 1, 0)], 10: [event(LoanEventKind.RETURNED, 2, 10)]}

    sent = await walk(n, clock, events, 40)

    assert [(day, kind) for day, _, kind, _ in sent] == [(1, "courtesy"), (4, "reminder")]


async def test_a_renewal_before_the_courtesy_date_moves_every_stage(
    patron: Callable[..., PatronContact],
) -> None:
    n, clock, _, _ = await setup(patron)
    events = {
        0: [event(LoanEventKind.CREATED, 1, 0, due_day=6)],
        2: [event(LoanEventKind.RENEWED, 2, 2, due_day=12)],
    }

    sent = await walk(n, clock, events, 48)

    assert [(day, kind) for day, _, kind, _ in sent] == [
        (9, "courtesy"),
        (12, "reminder"),
        (19, "recall1"),
        (33, "recall2"),
        (47, "recall3"),
    ]


async def test_loans_of_one_patron_at_one_stage_go_in_one_letter(
    patron: Callable[..., PatronContact],
) -> None:
    n, clock, mailer, _ = await setup(patron)
    for loan_id in ("L1", "L2"):
        await n.handle(ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 0, loan_id=loan_id)))
    clock.set(paris(2026, 11, 6, 9))

    await n.handle(RunDailyPass(clock.now()))

    [(letter, message_id)] = mailer.sent
    assert [item.loan_id for item in letter.items] == ["L1", "L2"]
    assert message_id == "<ub.P1.reminder.2026-11-06@notifier.rebub.u-bordeaux.fr>"


async def test_a_patron_without_email_gets_the_letter_printed_and_staff_are_told(
    patron: Callable[..., PatronContact],
) -> None:
    n, clock, mailer, printer = await setup(patron, patron(email=None))
    await n.handle(ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 0)))
    clock.set(paris(2026, 11, 6, 9))

    await n.handle(RunDailyPass(clock.now()))

    assert mailer.sent == []
    assert printer.batches == {("ub", date(2026, 11, 6)): ["ub:P1:reminder:2026-11-06"]}
    [report] = await n.store.reports()
    assert (report.kind, report.loan_ids) == ("channel_changed", ("L1",))


async def test_a_patron_nobody_can_reach_gets_no_letter_and_is_reported_once(
    patron: Callable[..., PatronContact],
) -> None:
    n, clock, mailer, _ = await setup(patron, patron(email=None, address=False))
    await n.handle(ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 0)))
    clock.set(paris(2026, 11, 6, 9))

    for _ in range(2):
        summary = await n.handle(RunDailyPass(clock.now()))

    assert summary.unreachable == 1
    assert mailer.sent == []
    assert [r.reason for r in await n.store.reports()] == ["neither email nor postal address"]


async def test_an_older_or_repeated_loan_event_changes_nothing(
    patron: Callable[..., PatronContact],
) -> None:
    n, _, _, _ = await setup(patron)
    await n.handle(ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 0)))
    await n.handle(ApplyLoanEvent(event(LoanEventKind.RENEWED, 3, 2, due_day=12)))

    stale = await n.handle(ApplyLoanEvent(event(LoanEventKind.RETURNED, 2, 3)))

    assert (stale.is_active, stale.due_version, stale.event_version) == (True, 2, 3)
    assert await n.store.get_loan("L1") == stale

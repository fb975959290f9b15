"""The notifier's retention (issue 21 item 3), dates written out: a record 364 days old stays,
366 days old goes, for letters (by their day, once settled), loans that left the chain (by
their end), reports (by when raised); contacts go with their patron's last loan and letter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from notifier.domain import EndReason, LoanEventKind, LoanInChain, LoanStatus, PatronContact
from notifier.domain.retention import (
    NotifierRetention,
    cutoffs,
    letter_is_due,
    loan_is_due,
    report_is_due,
)
from notifier.service_layer import (
    ApplyLoanEvent,
    ApplyPatronChange,
    LetterState,
    RunDailyPass,
    RunRetention,
)
from rebub_shared.clock import MovableClock

from .conftest import paris
from .fakes import event, fake_notifier

PERIODS = NotifierRetention()  # 365 days each


def test_a_settled_letter_of_364_days_ago_stays_and_one_of_366_days_ago_goes() -> None:
    cut = cutoffs(PERIODS, paris(2027, 11, 6, 9))  # Paris day 6 November 2027
    assert not letter_is_due(date(2026, 11, 7), True, cut)  # 364 days
    assert not letter_is_due(date(2026, 11, 6), True, cut)  # 365 days: the period itself
    assert letter_is_due(date(2026, 11, 5), True, cut)  # 366 days
    assert not letter_is_due(date(2020, 1, 1), False, cut)  # still pending or sending: never


def test_the_letters_day_is_the_paris_one() -> None:
    # 5 November 2027 at 23:30 UTC is already the 6th in Paris: the letter of 5 November 2026
    # is 366 days old there.
    from datetime import UTC, datetime

    cut = cutoffs(PERIODS, datetime(2027, 11, 5, 23, 30, tzinfo=UTC))
    assert letter_is_due(date(2026, 11, 5), True, cut)


def _loan(**changes: object) -> LoanInChain:
    due = paris(2026, 11, 6, 19)
    base = LoanInChain("ub", "L1", "P1", "B-L1", "Titre", "BUST", due, paris(2026, 11, 2, 10))
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_loan_that_left_the_chain_364_days_ago_stays_and_366_days_ago_goes() -> None:
    cut = cutoffs(PERIODS, paris(2027, 11, 10, 10))
    ended = _loan(status=LoanStatus.ENDED, ended_reason=EndReason.RETURNED)
    assert not loan_is_due(replace(ended, ended_at=paris(2026, 11, 11, 10)), cut)  # 364 days
    assert loan_is_due(replace(ended, ended_at=paris(2026, 11, 9, 10)), cut)  # 366 days
    assert not loan_is_due(_loan(), cut)  # active: never
    assert not loan_is_due(ended, cut)  # ended before its end was recorded: no instant


def test_a_report_raised_364_days_ago_stays_and_366_days_ago_goes() -> None:
    cut = cutoffs(PERIODS, paris(2027, 11, 10, 10))
    assert not report_is_due(paris(2026, 11, 11, 10), cut)
    assert report_is_due(paris(2026, 11, 9, 10), cut)


async def test_letters_batches_loans_reports_and_contacts_go_on_their_dates(
    patron: Callable[..., PatronContact],
) -> None:
    clock = MovableClock(paris(2026, 11, 6, 9))
    bus, store, _, printer = fake_notifier(clock)
    # P1 has an email, P2 none (their reminder is printed), P3 no contact at all (a report);
    # P4 keeps an active loan.
    await bus.handle(ApplyPatronChange(patron("P1"), 1))
    await bus.handle(ApplyPatronChange(patron("P2", email=None), 1))
    await bus.handle(ApplyPatronChange(patron("P3", email=None, address=False), 1))
    await bus.handle(ApplyPatronChange(patron("P4"), 1))
    for n in (1, 2, 3, 4):
        await bus.handle(
            ApplyLoanEvent(event(LoanEventKind.CREATED, 1, 0, loan_id=f"L{n}", patron_id=f"P{n}"))
        )
    await bus.handle(RunDailyPass(clock.now()))  # the reminders of 6 November 2026
    for n in (1, 2, 3):  # returned on 10 November 2026 at 10:00 Paris
        await bus.handle(
            ApplyLoanEvent(event(LoanEventKind.RETURNED, 2, 8, loan_id=f"L{n}", patron_id=f"P{n}"))
        )
    letters = await store.find_letters()
    assert {r.letter.patron.patron_id for r in letters} == {"P1", "P2", "P4"}
    assert all(r.state is LetterState.SENT for r in letters)
    assert [day for _, day in printer.batches] == [date(2026, 11, 6)]
    # P2's reminder went by post (a changed channel), P3 is unreachable: raised on 6 November.
    assert len(await store.reports()) == 2

    async def retain(year: int, month: int, day: int) -> dict[str, int]:
        return await bus.handle(RunRetention(paris(year, month, day, 12), PERIODS))

    # 5 November 2027: the letters and the report are 364 days old, the loans less.
    assert sum((await retain(2027, 11, 5)).values()) == 0
    assert len(await store.find_letters()) == 3

    # 7 November 2027: letters, batch and report of 6 November 2026 are 366 days old; the
    # returned loans (10 November) are 362: they and their patrons' contacts stay.
    counts = await retain(2027, 11, 7)
    assert counts == {"letters": 3, "print_batches": 1, "loans": 0, "reports": 2, "contacts": 0}
    assert await store.find_letters() == []
    assert await store.reports() == []
    assert printer.batches == {}
    assert store.attempts == {}  # the letters' attempts went with them
    assert set(await store.patrons(["P1", "P2", "P3", "P4"])) == {"P1", "P2", "P3", "P4"}

    # 9 November 2027 at noon: the loans returned on 10 November 2026 at 10:00 are 364 days old.
    assert (await retain(2027, 11, 9))["loans"] == 0

    # 11 November 2027: 366 days: the returned loans go, their claimed keys, and the contacts
    # of P1, P2 and P3, left with nothing to write about; P4's loan is active: it stays.
    counts = await retain(2027, 11, 11)
    assert counts == {"letters": 0, "print_batches": 0, "loans": 3, "reports": 0, "contacts": 3}
    assert set(store.loans) == {"L4"}
    assert set(await store.patrons(["P1", "P2", "P3", "P4"])) == {"P4"}
    assert all(":L4:" in key for key in store.keys)


def test_a_loan_records_when_it_left_the_chain_and_forgets_it_when_reopened() -> None:
    from notifier.domain import apply_event

    created = apply_event(None, event(LoanEventKind.CREATED, 1, 0))
    assert created.ended_at is None
    lost = apply_event(created, event(LoanEventKind.LOST, 2, 40))  # 12 December 2026
    assert lost.ended_at == paris(2026, 12, 12, 10)
    returned = apply_event(lost, event(LoanEventKind.RETURNED, 3, 45))  # found: returned
    assert returned.ended_at == paris(2026, 12, 17, 10)
    reopened = apply_event(lost, event(LoanEventKind.DUE_DATE_CHANGED, 3, 45, due_day=60))
    assert (reopened.status, reopened.ended_at) == (LoanStatus.ACTIVE, None)

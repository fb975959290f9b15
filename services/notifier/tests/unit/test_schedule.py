"""Which letters go out each day: the chain walked day by day, catch-up, grouping, channels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

import pytest

from notifier.domain import (
    Channel,
    LetterKind,
    LettersDue,
    LoanEvent,
    LoanEventKind,
    LoanInChain,
    PatronContact,
    Stage,
    apply_event,
    idempotency_key,
    institution_settings,
    letters_due,
)

from .conftest import paris

UB = institution_settings("ub")
Build = Callable[..., LoanEvent]


def walk(
    events: Iterable[LoanEvent],
    patrons: dict[str, PatronContact],
    first: date,
    last: date,
    down: Iterable[date] = (),
) -> list[tuple[date, LetterKind, Channel, int]]:
    """Run the daily pass from `first` to `last`, applying each event on its Paris day and
    recording sent keys as the store would; days in `down` are skipped (notifier down)."""
    pending = sorted(events, key=lambda e: e.loan_version)
    loans: dict[str, LoanInChain] = {}
    sent: set[str] = set()
    letters = []
    day = first
    while day <= last:
        for event in [e for e in pending if e.occurred_at.date() <= day]:
            loans[event.loan_id] = apply_event(loans.get(event.loan_id), event)
            pending.remove(event)
        if day not in set(down):
            due = letters_due(loans.values(), patrons, day, sent, UB)
            for letter in due.letters:
                sent.update(letter.idempotency_keys)
                letters.append((day, letter.kind, letter.channel, len(letter.items)))
        day += timedelta(days=1)
    return letters


def test_walking_from_the_loan_to_day_40_sends_each_stage_once(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    created = loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3, 10))

    sent = walk([created], {"P1": patron()}, date(2026, 11, 3), date(2027, 1, 10))

    assert sent == [
        (date(2026, 11, 28), LetterKind.COURTESY, Channel.EMAIL, 1),
        (date(2026, 12, 1), LetterKind.REMINDER, Channel.EMAIL, 1),
        (date(2026, 12, 8), LetterKind.RECALL1, Channel.EMAIL, 1),
        (date(2026, 12, 22), LetterKind.RECALL2, Channel.EMAIL, 1),
        (date(2027, 1, 5), LetterKind.RECALL3, Channel.POST, 1),
    ]


def test_after_downtime_only_the_latest_stage_is_caught_up_once(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    created = loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3, 10))
    # Down from day +5 (6 December) to day +22 (23 December) inclusive of +5, back on +22.
    down = [date(2026, 12, 6) + timedelta(days=n) for n in range(17)]

    sent = walk([created], {"P1": patron()}, date(2026, 11, 3), date(2027, 1, 10), down)

    assert [(day, kind) for day, kind, _, _ in sent] == [
        (date(2026, 11, 28), LetterKind.COURTESY),
        (date(2026, 12, 1), LetterKind.REMINDER),
        (date(2026, 12, 23), LetterKind.RECALL2),
        (date(2027, 1, 5), LetterKind.RECALL3),
    ]


def test_running_the_same_day_twice_sends_nothing_new(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    loan = apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3, 10)))
    first = letters_due([loan], {"P1": patron()}, date(2026, 12, 8), set(), UB)
    sent = {key for letter in first.letters for key in letter.idempotency_keys}

    again = letters_due([loan], {"P1": patron()}, date(2026, 12, 8), sent, UB)

    assert len(first.letters) == 1
    assert again == LettersDue((), ())


def test_loans_of_one_patron_at_one_stage_make_one_letter(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    loans = [
        apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3), loan_id=name))
        for name in ("L1", "L2", "L3")
    ]
    other = apply_event(
        None,
        loan_event(
            LoanEventKind.CREATED, 1, paris(2026, 11, 3), loan_id="L4", due_at=paris(2026, 11, 17)
        ),
    )

    due = letters_due([*loans, other], {"P1": patron()}, date(2026, 12, 8), set(), UB)

    assert [(letter.kind, len(letter.items)) for letter in due.letters] == [
        (LetterKind.RECALL1, 3),
        (LetterKind.RECALL2, 1),
    ]
    assert due.letters[0].key == "ub:P1:recall1:2026-12-08"
    assert {i.days_overdue for i in due.letters[0].items} == {7}


def test_a_patron_without_email_gets_a_printed_letter_and_is_reported(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    loan = apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3)))

    due = letters_due([loan], {"P1": patron(email=None)}, date(2026, 12, 1), set(), UB)

    assert due.letters[0].channel is Channel.POST
    assert due.letters[0].reported_reason == "no email address: printed and posted"


def test_recall_3_without_postal_address_goes_by_email_and_is_reported(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    loan = apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3)))

    due = letters_due([loan], {"P1": patron(address=False)}, date(2027, 1, 5), set(), UB)

    assert (due.letters[0].kind, due.letters[0].channel) == (LetterKind.RECALL3, Channel.EMAIL)
    assert due.letters[0].reported_reason == "no postal address: sent by email"


def test_patrons_nobody_can_reach_are_listed_not_dropped(
    loan_event: Build, patron: Callable[..., PatronContact]
) -> None:
    loans = [
        apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3), patron_id=p))
        for p in ("P1", "P2")
    ]

    due = letters_due(
        loans, {"P1": patron(email=None, address=False)}, date(2026, 12, 1), set(), UB
    )

    assert due.letters == ()
    assert [(u.patron_id, u.stage, u.reason) for u in due.unreachable] == [
        ("P1", Stage.REMINDER, "neither email nor postal address"),
        ("P2", Stage.REMINDER, "patron unknown"),
    ]


def test_idempotency_keys_differ_per_due_date_version(loan_event: Build) -> None:
    created = apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3)))
    moved = apply_event(
        created,
        loan_event(
            LoanEventKind.DUE_DATE_CHANGED, 2, paris(2026, 12, 2), due_at=paris(2026, 12, 9)
        ),
    )

    first = idempotency_key("ub", "L1", Stage.REMINDER, created.due_version)
    second = idempotency_key("ub", "L1", Stage.REMINDER, moved.due_version)

    assert (first, second) == ("ub:L1:reminder:v1", "ub:L1:reminder:v2")


COURTESY, REMINDER, RECALL1 = LetterKind.COURTESY, LetterKind.REMINDER, LetterKind.RECALL1


@pytest.mark.parametrize(
    ("kind", "occurred_at", "new_due_at", "expected"),
    [
        pytest.param(
            LoanEventKind.RETURNED,
            paris(2026, 12, 11, 16),  # day +10
            None,
            [
                (date(2026, 11, 28), COURTESY),
                (date(2026, 12, 1), REMINDER),
                (date(2026, 12, 8), RECALL1),
            ],
            id="a return on day +10 ends the chain",
        ),
        pytest.param(
            LoanEventKind.LOST,
            paris(2026, 12, 2, 9),
            None,
            [(date(2026, 11, 28), COURTESY), (date(2026, 12, 1), REMINDER)],
            id="no letter once the loan is lost",
        ),
        pytest.param(
            LoanEventKind.RENEWED,
            paris(2026, 11, 20, 11),
            paris(2026, 12, 15, 19),
            [
                (date(2026, 12, 12), COURTESY),
                (date(2026, 12, 15), REMINDER),
                (date(2026, 12, 22), RECALL1),
                (date(2027, 1, 5), LetterKind.RECALL2),
                (date(2027, 1, 19), LetterKind.RECALL3),
            ],
            id="a renewal before the courtesy day moves every stage",
        ),
        pytest.param(
            LoanEventKind.DUE_DATE_CHANGED,
            paris(2026, 12, 2, 9),
            paris(2026, 12, 9, 19),
            [
                (date(2026, 11, 28), COURTESY),
                (date(2026, 12, 1), REMINDER),
                (date(2026, 12, 6), COURTESY),
                (date(2026, 12, 9), REMINDER),
                (date(2026, 12, 16), RECALL1),
                (date(2026, 12, 30), LetterKind.RECALL2),
                (date(2027, 1, 13), LetterKind.RECALL3),
            ],
            id="a due date change after the reminder sends the new chain",
        ),
    ],
)
def test_loan_events_change_the_letters_sent(
    loan_event: Build,
    patron: Callable[..., PatronContact],
    kind: LoanEventKind,
    occurred_at: datetime,
    new_due_at: datetime | None,
    expected: list[tuple[date, LetterKind]],
) -> None:
    moved = {"due_at": new_due_at} if new_due_at else {}
    events = [
        loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3, 10)),
        loan_event(kind, 2, occurred_at, **moved),
    ]

    sent = walk(events, {"P1": patron()}, date(2026, 11, 3), date(2027, 1, 25))

    assert [(day, kind) for day, kind, _, _ in sent] == expected

"""Loan events move the loan in the chain, idempotently."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from notifier.domain import (
    ChainSettings,
    EndReason,
    LoanEvent,
    LoanEventKind,
    LoanInChain,
    LoanMismatchError,
    LoanStatus,
    Stage,
    TenantMismatchError,
    apply_event,
    stages_for,
)

from .conftest import paris

Build = Callable[..., LoanEvent]


@pytest.fixture
def created(loan_event: Build) -> LoanInChain:
    """Loan L1 checked out on 3 November 2026, due 1 December 2026 at 19:00."""
    return apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3, 10)))


def test_creation_opens_the_chain_at_due_version_1(loan_event: Build) -> None:
    state = apply_event(None, loan_event(LoanEventKind.CREATED, 1, paris(2026, 11, 3, 10)))

    assert state.status is LoanStatus.ACTIVE
    assert (state.due_version, state.event_version) == (1, 1)
    assert state.due_at == paris(2026, 12, 1, 19)


def test_renewal_before_the_courtesy_day_moves_every_stage(
    loan_event: Build, created: LoanInChain
) -> None:
    renewed = apply_event(
        created,
        loan_event(
            LoanEventKind.RENEWED, 2, paris(2026, 11, 20, 11), due_at=paris(2026, 12, 15, 19)
        ),
    )

    assert renewed.due_version == 2
    assert renewed.due_set_at == paris(2026, 11, 20, 11)
    assert [s.day for s in stages_for(renewed.due_at, ChainSettings())] == [
        date(2026, 12, 12),
        date(2026, 12, 15),
        date(2026, 12, 22),
        date(2027, 1, 5),
        date(2027, 1, 19),
    ]


def test_redelivered_or_older_events_change_nothing(
    loan_event: Build, created: LoanInChain
) -> None:
    renewal = loan_event(
        LoanEventKind.RENEWED, 3, paris(2026, 11, 20, 11), due_at=paris(2026, 12, 15, 19)
    )
    renewed = apply_event(created, renewal)

    assert apply_event(renewed, renewal) == renewed
    stale_return = loan_event(LoanEventKind.RETURNED, 2, paris(2026, 11, 10, 9))
    assert apply_event(renewed, stale_return) == renewed


def test_a_renewal_to_the_same_due_date_keeps_the_version(
    loan_event: Build, created: LoanInChain
) -> None:

    renewed = apply_event(created, loan_event(LoanEventKind.RENEWED, 2, paris(2026, 11, 30, 9)))

    assert renewed.due_version == 1


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        (LoanEventKind.RETURNED, EndReason.RETURNED),
        (LoanEventKind.LOST, EndReason.LOST),
        (LoanEventKind.CLAIMED_RETURNED, EndReason.CLAIMED_RETURNED),
        (LoanEventKind.DELETED, EndReason.DELETED),
    ],
)
def test_return_loss_claim_and_deletion_end_the_chain(
    loan_event: Build, created: LoanInChain, kind: LoanEventKind, reason: EndReason
) -> None:
    ended = apply_event(created, loan_event(kind, 2, paris(2026, 12, 11, 15)))

    assert (ended.status, ended.ended_reason) == (LoanStatus.ENDED, reason)


def test_a_new_due_date_reopens_a_claimed_return_but_not_a_deleted_loan(
    loan_event: Build, created: LoanInChain
) -> None:
    new_date = paris(2026, 12, 20, 19)
    claimed = apply_event(
        created, loan_event(LoanEventKind.CLAIMED_RETURNED, 2, paris(2026, 12, 9))
    )
    deleted = apply_event(created, loan_event(LoanEventKind.DELETED, 2, paris(2026, 12, 9)))
    change = loan_event(LoanEventKind.DUE_DATE_CHANGED, 3, paris(2026, 12, 14), due_at=new_date)

    assert apply_event(claimed, change).status is LoanStatus.ACTIVE
    assert apply_event(claimed, change).due_version == 2
    assert apply_event(deleted, change).status is LoanStatus.ENDED


def test_a_first_event_that_is_a_return_records_an_ended_loan(loan_event: Build) -> None:
    state = apply_event(None, loan_event(LoanEventKind.RETURNED, 4, paris(2026, 12, 2, 10)))

    assert state.status is LoanStatus.ENDED
    assert state.event_version == 4


def test_recall_marks_the_loan_and_moves_a_shortened_due_date(
    loan_event: Build, created: LoanInChain
) -> None:

    recalled = apply_event(
        created,
        loan_event(
            LoanEventKind.RECALLED, 2, paris(2026, 11, 10, 9), due_at=paris(2026, 11, 24, 19)
        ),
    )

    assert recalled.recalled
    assert stages_for(recalled.due_at, ChainSettings())[1].stage is Stage.REMINDER
    assert recalled.due_day == date(2026, 11, 24)


def test_a_merged_waiting_account_moves_the_loan_to_the_new_patron(
    loan_event: Build, created: LoanInChain
) -> None:

    moved = apply_event(
        created, loan_event(LoanEventKind.DUE_DATE_CHANGED, 2, paris(2026, 11, 5), patron_id="P9")
    )

    assert moved.patron_id == "P9"


def test_events_of_another_institution_or_loan_are_refused(
    loan_event: Build, created: LoanInChain
) -> None:

    with pytest.raises(TenantMismatchError, match="'inp'"):
        apply_event(
            created, loan_event(LoanEventKind.RETURNED, 2, paris(2026, 11, 5), institution="inp")
        )
    with pytest.raises(LoanMismatchError, match="'L2'"):
        apply_event(
            created, loan_event(LoanEventKind.RETURNED, 2, paris(2026, 11, 5), loan_id="L2")
        )

"""Stage dates on the Paris calendar (DOMAIN.md section 7)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from notifier.domain import (
    ChainSettings,
    InvalidSettingsError,
    Stage,
    UnknownInstitutionError,
    current_stage,
    institution_settings,
    next_stage_on,
    stages_for,
)
from rebub_shared.clock import NaiveDatetimeError

from .conftest import paris


def test_stage_days_of_a_loan_due_tuesday_1_december_2026_at_19h() -> None:
    stages = stages_for(paris(2026, 12, 1, 19), ChainSettings())

    assert [(s.stage, s.day) for s in stages] == [
        (Stage.COURTESY, date(2026, 11, 28)),  # Saturday
        (Stage.REMINDER, date(2026, 12, 1)),
        (Stage.RECALL1, date(2026, 12, 8)),
        (Stage.RECALL2, date(2026, 12, 22)),
        (Stage.RECALL3, date(2027, 1, 5)),
    ]
    assert stages[0].day.strftime("%A") == "Saturday"


def test_days_are_paris_days_not_utc_days() -> None:
    # 00:30 on Sunday 25 October 2026 in Paris is still 22:30 UTC on Saturday 24 October.
    due_at = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)

    stages = stages_for(due_at, ChainSettings())

    assert stages[1].day == date(2026, 10, 25)
    # DST ends that night; recall 1 stays seven calendar days later.
    assert stages[2].day == date(2026, 11, 1)


def test_courtesy_days_and_recall_offsets_are_settings() -> None:
    settings = ChainSettings(courtesy_days=5, recall_offsets_days=(10, 30, 45))

    days = {s.stage: s.day for s in stages_for(paris(2026, 12, 1, 19), settings)}

    assert days[Stage.COURTESY] == date(2026, 11, 26)
    assert days[Stage.RECALL1] == date(2026, 12, 11)
    assert days[Stage.RECALL3] == date(2027, 1, 15)


def test_zero_courtesy_days_turns_the_courtesy_letter_off() -> None:
    stages = stages_for(paris(2026, 12, 1, 19), ChainSettings(courtesy_days=0))

    assert stages[0].stage is Stage.REMINDER


@pytest.mark.parametrize("offsets", [(7, 7, 35), (0, 21, 35), (21, 7, 35)])
def test_recall_offsets_must_increase(offsets: tuple[int, int, int]) -> None:
    with pytest.raises(InvalidSettingsError, match="recall_offsets_days"):
        ChainSettings(recall_offsets_days=offsets)


def test_naive_due_date_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError, match="due_at='2026-12-01T19:00:00' has no time zone"):
        stages_for(datetime(2026, 12, 1, 19), ChainSettings())


def test_catch_up_keeps_only_the_latest_stage_reached() -> None:
    reached = current_stage(
        paris(2026, 12, 1, 19), paris(2026, 11, 3, 10), date(2026, 12, 23), ChainSettings()
    )

    assert reached is not None
    assert reached.stage is Stage.RECALL2


def test_no_courtesy_letter_for_a_due_date_set_after_the_courtesy_day() -> None:
    # Loaned on Sunday 29 November, due 1 December: the courtesy day (28th) came before the loan.
    reached = current_stage(
        paris(2026, 12, 1, 19), paris(2026, 11, 29, 15), date(2026, 11, 29), ChainSettings()
    )

    assert reached is None


def test_the_five_institutions_have_settings_and_others_do_not() -> None:
    assert institution_settings("bsa").address.city == "Gradignan"
    assert institution_settings("scpo").suspends_after_late_return
    assert not institution_settings("ubm").suspends_after_late_return
    with pytest.raises(UnknownInstitutionError, match="'xyz'"):
        institution_settings("xyz")


def test_the_next_stage_day_once_a_stage_is_dealt_with_is_the_next_stage_of_the_chain() -> None:
    """Due Tuesday 1 December 2026 at 19h, lent on 2 November: courtesy 28 Nov, reminder 1 Dec,
    recalls 8 Dec, 22 Dec and 5 Jan 2027; after recall 3 no stage is left."""
    due, lent = paris(2026, 12, 1, 19), paris(2026, 11, 2, 10)
    chain = ChainSettings()

    assert next_stage_on(due, lent, date(2026, 11, 2), chain) == date(2026, 11, 28)
    assert next_stage_on(due, lent, date(2026, 11, 28), chain) == date(2026, 12, 1)
    assert next_stage_on(due, lent, date(2026, 12, 1), chain) == date(2026, 12, 8)
    assert next_stage_on(due, lent, date(2026, 12, 9), chain) == date(2026, 12, 22)
    assert next_stage_on(due, lent, date(2027, 1, 5), chain) is None


def test_a_skipped_courtesy_letter_is_no_next_stage_day() -> None:
    """Renewed on Monday 30 November to be due on 1 December: the courtesy day (28 Nov) came
    before the due date was set, so nothing changes before the reminder on 1 December."""
    due, renewed = paris(2026, 12, 1, 19), paris(2026, 11, 30, 10)

    assert next_stage_on(due, renewed, date(2026, 11, 25), ChainSettings()) == date(2026, 12, 1)

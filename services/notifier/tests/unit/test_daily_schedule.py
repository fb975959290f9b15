"""The daily pass reads the loans whose next stage day has come, not every active loan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from notifier.domain import PatronContact
from notifier.service_layer import PlanDay, RunDailyPass

from .conftest import paris
from .test_exactly_once import reminders_due


async def test_after_the_reminder_a_loan_is_read_again_only_on_the_day_of_recall_1(
    patron: Callable[..., PatronContact],
) -> None:
    """Lent on 2 November, due Friday 6 November 2026: reminder on the 6th, recall 1 on the
    13th, recall 2 on the 27th."""
    n, store, mailer, _, clock = await reminders_due(patron)

    await n.handle(RunDailyPass(clock.now()))

    for quiet_day in (date(2026, 11, 7), date(2026, 11, 12)):
        plan = await n.handle(PlanDay(quiet_day))
        assert (plan.active, plan.due.letters) == ({}, ())  # nothing read, nothing due
    clock.set(paris(2026, 11, 13, 9))
    summary = await n.handle(RunDailyPass(clock.now()))
    assert summary.states == {"sent": 1}
    assert [letter.kind.value for letter, _ in mailer.sent] == ["reminder", "recall1"]
    assert store.loans["L1"]["next_stage_on"] == "2026-11-27"


async def test_a_loan_written_since_the_last_pass_is_read_and_scheduled(
    patron: Callable[..., PatronContact],
) -> None:
    """A loan event unschedules the loan (its due date may have moved): the next pass reads it,
    finds nothing due on 2 November (the day it was lent), and schedules it for its courtesy
    letter on Tuesday 3 November (due Friday the 6th)."""
    n, store, _, _, _ = await reminders_due(patron)
    assert store.loans["L1"]["next_stage_on"] == ""  # not scheduled yet

    plan = await n.handle(PlanDay(date(2026, 11, 2)))

    assert (list(plan.active), plan.due.letters) == (["L1"], ())
    assert store.loans["L1"]["next_stage_on"] == "2026-11-03"
    assert (await n.handle(PlanDay(date(2026, 11, 2)))).active == {}
    assert list((await n.handle(PlanDay(date(2026, 11, 3)))).active) == ["L1"]

"""When each stage of the letter chain falls, on the Paris calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rebub_shared.clock import paris_date

from .kinds import CHAIN, Stage
from .settings import ChainSettings


@dataclass(frozen=True)
class StageDate:
    """A stage and the Paris day on which its letter is sent."""

    stage: Stage
    day: date


def stages_for(due_at: datetime, settings: ChainSettings) -> tuple[StageDate, ...]:
    """Each stage of the chain and its send day, in chain order.

    Days are counted on the Europe/Paris calendar from the due day (the Paris date of `due_at`),
    so a daylight-saving change never moves a letter: courtesy = due day - courtesy_days,
    reminder = due day, recall N = due day + its offset. A turned-off stage is left out.
    """
    due_day = paris_date(due_at, "due_at")
    result = []
    for stage in CHAIN:
        offset = settings.offset_days(stage)
        if offset is not None:
            result.append(StageDate(stage, due_day + timedelta(days=offset)))
    return tuple(result)


def current_stage(
    due_at: datetime, due_set_at: datetime, today: date, settings: ChainSettings
) -> StageDate | None:
    """The one stage to send on `today` for this due date, or None.

    Catch-up rule: the latest stage whose day has come is the one to send; every earlier stage
    is superseded, sent or not (after downtime from day +5 to day +22, only recall 2 goes out
    on day +22). Overdue stages are always caught up, since the patron owes the item. The
    courtesy letter is not: it is skipped when its day fell before the day the due date was
    set (a loan or renewal made two days before the due date needs no courtesy letter).
    """
    reached = [s for s in stages_for(due_at, settings) if s.day <= today]
    if not reached:
        return None
    latest = reached[-1]
    if latest.stage is Stage.COURTESY and latest.day < paris_date(due_set_at):
        return None
    return latest


def next_stage_on(
    due_at: datetime, due_set_at: datetime, after: date, settings: ChainSettings
) -> date | None:
    """The first Paris day after `after` on which the stage to send changes, or None.

    Once the stage of `after` is dealt with (sent, or none due), nothing changes for the loan
    until the next stage's day: the daily pass reads a loan only from that day on (the loan's
    ``next_stage_on``). A courtesy stage skipped by ``current_stage`` is no such day.
    """
    for stage in stages_for(due_at, settings):
        if stage.day > after and current_stage(due_at, due_set_at, stage.day, settings):
            return stage.day
    return None

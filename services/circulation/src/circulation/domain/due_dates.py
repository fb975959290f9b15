"""Due dates from a loan period and a library calendar, with a step-by-step explanation.

Day and month periods: the Paris loan day plus the period gives the due day; the loan is due at
the library's closing time that day; a closed due day moves to the next opening day.
Hour periods (evening and weekend loans): elapsed hours from the loan instant; an instant at
which the library is closed moves to its next opening time (due back "at opening").
Results are aware UTC datetimes; the wall-clock arithmetic is done in Europe/Paris.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime

from rebub_shared.clock import PARIS, as_utc, paris_date

from .errors import LoanNotRenewableError
from .library_calendar import LibraryCalendar
from .period import Period
from .values import ValueModel

StepKind = Literal[
    "loan_period", "renewal_cap", "closed_day", "closing_time", "opening_time", "not_shortened"
]


class DueDateStep(ValueModel):
    """One step of the computation, for the "check the rules" explanation."""

    kind: StepKind
    description: str


class DueDateExplanation(ValueModel):
    """The due date (aware, UTC) and how it was reached."""

    due_at: AwareDatetime
    steps: tuple[DueDateStep, ...]


def due_at_for_loan(
    loaned_at: datetime, period: Period, calendar: LibraryCalendar
) -> DueDateExplanation:
    """Due date of a new loan made at ``loaned_at`` under ``period``."""
    loaned_at = as_utc("loaned_at", loaned_at)
    if period.in_hours:
        raw = loaned_at + timedelta(hours=period.hours)
        due_at = calendar.next_opening_at(raw)
        steps = [_step("loan_period", f"{_paris(loaned_at)} + {period} = {_paris(raw)}")]
        if due_at != raw:
            steps.append(
                _step("opening_time", f"library closed then: due at opening, {_paris(due_at)}")
            )
        return DueDateExplanation(due_at=due_at, steps=tuple(steps))
    loan_day = paris_date(loaned_at)
    due_day = period.add_to(loan_day)
    first = _step("loan_period", f"loan day {loan_day} + {period} = {due_day}")
    return _on_calendar(due_day, calendar, [first])


def due_at_for_renewal(
    renewed_at: datetime,
    loan_period: Period,
    original_due_at: datetime,
    renewal_period: Period,
    calendar: LibraryCalendar,
    current_due_at: datetime | None = None,
) -> DueDateExplanation:
    """Due date after a renewal: the earlier of (renewal day + loan period) and (due date fixed
    at loan time + renewal period), then the library calendar.

    A renewal never shortens the loan: if staff had set a later ``current_due_at`` by hand,
    it is kept.
    """
    renewed_at = as_utc("renewed_at", renewed_at)
    if loan_period.in_hours:
        raise LoanNotRenewableError(f"loan_period={loan_period}: hour loans cannot be renewed")
    renewal_day, fixed_day = paris_date(renewed_at), paris_date(original_due_at)
    by_period = loan_period.add_to(renewal_day)
    cap = renewal_period.add_to(fixed_day)
    steps = [
        _step("loan_period", f"renewal day {renewal_day} + {loan_period} = {by_period}"),
        _step(
            "renewal_cap",
            f"due date fixed at loan time {fixed_day} + renewal period {renewal_period} = {cap}; "
            f"the earlier is {min(by_period, cap)}",
        ),
    ]
    explained = _on_calendar(min(by_period, cap), calendar, steps)
    if current_due_at is None or explained.due_at >= current_due_at:
        return explained
    kept = _step("not_shortened", f"current due date {_paris(current_due_at)} is later: kept")
    return DueDateExplanation(due_at=current_due_at, steps=(*explained.steps, kept))


def _on_calendar(
    day: date, calendar: LibraryCalendar, steps: list[DueDateStep]
) -> DueDateExplanation:
    open_day, moves = calendar.next_opening_day(day)
    steps += [_step("closed_day", f"{m.day} closed ({m.reason}): moved on") for m in moves]
    due_at = calendar.closing_at(open_day)
    steps.append(_step("closing_time", f"due at closing time on {open_day}: {_paris(due_at)}"))
    return DueDateExplanation(due_at=due_at, steps=tuple(steps))


def _step(kind: StepKind, description: str) -> DueDateStep:
    return DueDateStep(kind=kind, description=description)


def _paris(instant: datetime) -> str:
    return instant.astimezone(PARIS).strftime("%Y-%m-%d %H:%M %Z")

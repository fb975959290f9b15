"""Due dates: closing time of the due day, closed days moved on, Paris time with DST, in UTC."""

from datetime import UTC, datetime

import pytest

from circulation.domain import InstitutionPolicy, LibraryCalendar, Period, due_at_for_loan

ONE_MONTH, TWO_MONTHS, TWELVE_HOURS = Period(months=1), Period(months=2), Period(hours=12)


@pytest.mark.parametrize(
    ("library", "loaned_at", "period", "expected_due_at"),
    [
        pytest.param(
            # Thu 3 Sep 2026 + 1 month = Sat 3 Oct; BUST closes 13:00 CEST = 11:00 UTC
            "BUST",
            datetime(2026, 9, 3, 14, 0, tzinfo=UTC),
            ONE_MONTH,
            datetime(2026, 10, 3, 11, 0, tzinfo=UTC),
            id="summer-time-saturday-closing",
        ),
        pytest.param(
            # Sat 3 Oct 2026 12:00 CEST; clocks go back on 25 Oct; Tue 3 Nov 19:00 CET
            "BUST",
            datetime(2026, 10, 3, 10, 0, tzinfo=UTC),
            ONE_MONTH,
            datetime(2026, 11, 3, 18, 0, tzinfo=UTC),
            id="across-dst-change-25-oct-2026",
        ),
        pytest.param(
            # Fri 11 Sep 2026 + 2 months = Wed 11 Nov (Armistice) -> Thu 12 Nov 19:00 CET
            "BUST",
            datetime(2026, 9, 11, 9, 0, tzinfo=UTC),
            TWO_MONTHS,
            datetime(2026, 11, 12, 18, 0, tzinfo=UTC),
            id="public-holiday",
        ),
        pytest.param(
            # Fri 16 Oct 2026 18:00 CEST + 12 h = Sat 06:00 -> opens 09:00 CEST = 07:00 UTC
            "BUST",
            datetime(2026, 10, 16, 16, 0, tzinfo=UTC),
            TWELVE_HOURS,
            datetime(2026, 10, 17, 7, 0, tzinfo=UTC),
            id="evening-loan-due-at-opening",
        ),
        pytest.param(
            # Sat 24 Oct 2026 12:30 CEST + 12 h = Sun 25 Oct 00:30 CEST; closed Sunday;
            # Mon 26 Oct opens 08:30 CET = 07:30 UTC
            "BUST",
            datetime(2026, 10, 24, 10, 30, tzinfo=UTC),
            TWELVE_HOURS,
            datetime(2026, 10, 26, 7, 30, tzinfo=UTC),
            id="weekend-loan-across-dst-change",
        ),
        pytest.param(
            # Mon 12 Oct 2026 08:30 CEST + 12 h = 20:30 CEST, DEG open until 22:00: kept
            "DEG",
            datetime(2026, 10, 12, 6, 30, tzinfo=UTC),
            TWELVE_HOURS,
            datetime(2026, 10, 12, 18, 30, tzinfo=UTC),
            id="hour-loan-ending-while-open",
        ),
    ],
)
def test_due_at(
    ub: InstitutionPolicy,
    library: str,
    loaned_at: datetime,
    period: Period,
    expected_due_at: datetime,
) -> None:
    explained = due_at_for_loan(loaned_at, period, LibraryCalendar.of(ub, library))
    assert explained.due_at == expected_due_at
    assert explained.due_at.tzinfo is UTC


def test_due_day_on_a_sunday_moves_to_monday(ub: InstitutionPolicy) -> None:
    bust = LibraryCalendar.of(ub, "BUST")
    # loaned Thu 8 Oct 2026 + 1 month = Sun 8 Nov 2026 -> Mon 9 Nov, 19:00 CET
    explained = due_at_for_loan(datetime(2026, 10, 8, 9, 0, tzinfo=UTC), ONE_MONTH, bust)
    assert explained.due_at == datetime(2026, 11, 9, 18, 0, tzinfo=UTC)
    assert [step.kind for step in explained.steps] == ["loan_period", "closed_day", "closing_time"]
    assert "closed on sundays" in explained.steps[1].description


def test_due_day_on_christmas_moves_past_the_closure(ub: InstitutionPolicy) -> None:
    bust = LibraryCalendar.of(ub, "BUST")
    # loaned Wed 25 Nov 2026 + 1 month = Fri 25 Dec; closed 24 Dec 2026 - 3 Jan 2027
    explained = due_at_for_loan(datetime(2026, 11, 25, 10, 0, tzinfo=UTC), ONE_MONTH, bust)
    assert explained.due_at == datetime(2027, 1, 4, 18, 0, tzinfo=UTC)
    moves = [step.description for step in explained.steps if step.kind == "closed_day"]
    assert len(moves) == 10  # 25 Dec 2026 to 3 Jan 2027
    assert "Fermeture de Noël" in moves[0]

"""Periods: ISO-like strings, calendar months, clamping to the month's last day."""

from datetime import date

import pytest

from circulation.domain.period import InvalidPeriodError, Period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P1M", Period(months=1)),
        ("P2M", Period(months=2)),
        ("P14D", Period(days=14)),
        ("P2W", Period(days=14)),
        ("P1M15D", Period(months=1, days=15)),
        ("PT12H", Period(hours=12)),
    ],
)
def test_parse_accepted_forms(text: str, expected: Period) -> None:
    assert Period.parse(text) == expected


@pytest.mark.parametrize("text", ["", "P", "1M", "P1X", "P1DT2H", "P0D", "two weeks"])
def test_parse_refuses_and_names_the_value(text: str) -> None:
    with pytest.raises(InvalidPeriodError, match=repr(text).replace("(", r"\(")):
        Period.parse(text)


def test_month_period_is_calendar_months() -> None:
    assert Period.parse("P2M").add_to(date(2026, 10, 3)) == date(2026, 12, 3)
    assert Period.parse("P1M").add_to(date(2026, 12, 15)) == date(2027, 1, 15)


def test_month_period_clamps_to_the_last_day_of_the_month() -> None:
    assert Period.parse("P1M").add_to(date(2027, 1, 31)) == date(2027, 2, 28)
    assert Period.parse("P1M").add_to(date(2028, 1, 31)) == date(2028, 2, 29)


def test_day_period_and_string_form() -> None:
    assert Period.parse("P7D").add_to(date(2026, 12, 3)) == date(2026, 12, 10)
    assert str(Period.parse("P2W")) == "P14D"
    assert str(Period.parse("PT12H")) == "PT12H"


def test_hour_period_cannot_be_added_to_a_date() -> None:
    with pytest.raises(InvalidPeriodError, match="PT12H"):
        Period.parse("PT12H").add_to(date(2026, 10, 3))

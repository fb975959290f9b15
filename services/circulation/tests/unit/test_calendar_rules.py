"""Calendars that last: public holidays of any year from the `holidays` library, yearly closures
as rules, dated exceptions; written-out dates of 2028, 2029 and 2031 (past the old lists)."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from circulation.domain import InstitutionPolicy, LibraryCalendar, Period, due_at_for_loan
from circulation.domain.closures import PublicHolidays, YearlyClosure


@pytest.mark.parametrize(
    ("day", "next_opening", "reason"),
    [
        pytest.param(date(2028, 4, 17), date(2028, 4, 18), "Lundi de Pâques", id="easter-2028"),
        pytest.param(date(2028, 5, 1), date(2028, 5, 2), "Fête du Travail", id="1-may-2028"),
        pytest.param(date(2028, 5, 25), date(2028, 5, 26), "Ascension", id="ascension-2028"),
        # Fri 14 July 2028 -> Sat 15 July (BUST opens Saturday mornings)
        pytest.param(date(2028, 7, 14), date(2028, 7, 15), "Fête nationale", id="14-july-2028"),
        pytest.param(date(2029, 4, 2), date(2029, 4, 3), "Lundi de Pâques", id="easter-2029"),
        pytest.param(date(2031, 4, 14), date(2031, 4, 15), "Lundi de Pâques", id="easter-2031"),
        # Thu 1 May 2031 -> Fri 2 May
        pytest.param(date(2031, 5, 1), date(2031, 5, 2), "Fête du Travail", id="1-may-2031"),
        pytest.param(date(2031, 5, 22), date(2031, 5, 23), "Ascension", id="ascension-2031"),
        # ub keeps Whit Monday closed (its policy names no open_on)
        pytest.param(date(2031, 6, 2), date(2031, 6, 3), "Lundi de Pentecôte", id="whit-2031"),
        # Mon 14 July 2031 -> Tue 15 July
        pytest.param(date(2031, 7, 14), date(2031, 7, 15), "Fête nationale", id="14-july-2031"),
        # BUST's summer rule (1 to 16 August): Fri 1 Aug 2031 -> Mon 18 Aug (Sun 17 closed)
        pytest.param(date(2031, 8, 1), date(2031, 8, 18), "Fermeture estivale", id="summer-2031"),
        # ub's Christmas rule (24 Dec to 2 Jan) crosses the new year: Wed 24 Dec 2031 -> Sat 3 Jan
        pytest.param(date(2031, 12, 24), date(2032, 1, 3), "Fermeture de Noël", id="xmas-2031"),
    ],
)
def test_holidays_and_yearly_closures_of_years_past_the_old_lists(
    ub: InstitutionPolicy, day: date, next_opening: date, reason: str
) -> None:
    bust = LibraryCalendar.of(ub, "BUST")
    assert bust.closed_reason(day) == reason
    opening, moves = bust.next_opening_day(day)
    assert opening == next_opening
    assert moves[0].reason == reason


def test_a_2029_due_date_on_1_may_moves_to_the_next_opening_day(ub: InstitutionPolicy) -> None:
    # Tue 3 Apr 2029 12:00 CEST + 28 days = Tue 1 May 2029, a public holiday:
    # Wed 2 May 2029, BUST closes 19:00 CEST = 17:00 UTC
    explained = due_at_for_loan(
        datetime(2029, 4, 3, 10, 0, tzinfo=UTC), Period(days=28), LibraryCalendar.of(ub, "BUST")
    )
    assert explained.due_at == datetime(2029, 5, 2, 17, 0, tzinfo=UTC)
    moves = [step.description for step in explained.steps if step.kind == "closed_day"]
    assert moves == ["2029-05-01 closed (Fête du Travail): moved on"]


def test_a_library_without_the_summer_rule_opens_in_august(ub: InstitutionPolicy) -> None:
    # Only BUST closes in summer: DEG opens on Fri 1 Aug 2031 and closes on Fri 15 Aug 2031.
    deg = LibraryCalendar.of(ub, "DEG")
    assert deg.closed_reason(date(2031, 8, 1)) is None
    assert deg.closed_reason(date(2031, 8, 15)) == "Assomption"


def test_a_dated_exception_adds_to_the_rules(ub: InstitutionPolicy) -> None:
    bust = LibraryCalendar.of(ub, "BUST")
    assert bust.closed_reason(date(2027, 7, 31)) == "Fermeture estivale"  # the exception
    assert bust.closed_reason(date(2028, 7, 29)) is None  # a Saturday, no exception that year


def test_whit_monday_opens_when_the_policy_says_so() -> None:
    kept_open = PublicHolidays.model_validate({"open_on": ["Lundi de Pentecôte"]})
    assert kept_open.closed_reason(date(2029, 5, 21)) is None
    assert kept_open.closed_reason(date(2029, 5, 10)) == "Ascension"
    assert PublicHolidays().closed_reason(date(2029, 5, 21)) == "Lundi de Pentecôte"


def test_moselle_keeps_good_friday() -> None:
    assert PublicHolidays(subdivision="57").closed_reason(date(2029, 3, 30)) == "Vendredi saint"
    assert PublicHolidays().closed_reason(date(2029, 3, 30)) is None


def test_every_25_december() -> None:
    christmas = YearlyClosure.model_validate({"on": "12-25", "reason": "Noël"})
    assert christmas.closed_reason(date(2028, 12, 25)) == "Noël"
    assert christmas.closed_reason(date(2031, 12, 25)) == "Noël"
    assert christmas.closed_reason(date(2031, 12, 26)) is None


def test_a_span_across_the_new_year() -> None:
    closure = YearlyClosure.model_validate({"from": "12-24", "to": "01-02", "reason": "Noël"})
    covered = [date(2028, 12, 24), date(2028, 12, 31), date(2029, 1, 1), date(2029, 1, 2)]
    assert [closure.closed_reason(day) for day in covered] == ["Noël"] * 4
    assert closure.closed_reason(date(2029, 1, 3)) is None
    assert closure.closed_reason(date(2028, 12, 23)) is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"on": "13-01", "reason": "x"}, "month must be in 1..12"),
        ({"on": "25/12", "reason": "x"}, "'25/12' is not a day of the year written MM-DD"),
        ({"from": "08-01", "reason": "x"}, "give either 'on' or both 'from' and 'to'"),
    ],
)
def test_a_bad_yearly_closure_names_the_value(entry: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        YearlyClosure.model_validate(entry)


def test_a_misspelt_open_on_is_refused() -> None:
    with pytest.raises(ValidationError, match="'Lundi de Pentecote' is not a public holiday"):
        PublicHolidays.model_validate({"open_on": ["Lundi de Pentecote"]})

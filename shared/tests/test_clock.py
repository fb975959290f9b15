from datetime import UTC, date, datetime, time, timedelta

import pytest

from rebub_shared.clock import MovableClock, NaiveDatetimeError, paris_date, paris_instant, to_paris


def test_paris_wall_clock_follows_daylight_saving() -> None:
    # Summer time (UTC+2) until Sunday 25 October 2026 03:00, then winter time (UTC+1).
    assert paris_instant(date(2026, 10, 24), time(19)) == datetime(2026, 10, 24, 17, 0, tzinfo=UTC)
    assert paris_instant(date(2026, 10, 26), time(19)) == datetime(2026, 10, 26, 18, 0, tzinfo=UTC)
    assert to_paris(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)).hour == 3  # spring forward


def test_the_paris_day_of_a_late_utc_instant_is_the_next_day() -> None:
    assert paris_date(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)


def test_a_movable_clock_is_set_and_moved() -> None:
    clock = MovableClock(datetime(2026, 10, 3, 9, 0, tzinfo=UTC))
    assert clock.now() == datetime(2026, 10, 3, 9, 0, tzinfo=UTC)
    clock.advance(timedelta(days=61))
    assert clock.now() == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    with pytest.raises(NaiveDatetimeError, match="at='2026-12-03T09:00:00' has no time zone"):
        clock.set(datetime(2026, 12, 3, 9, 0))

"""The retention periods' rule, dates written out: strictly older than the period is due."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from rebub_shared.retention import AUDIT_PERIOD, AuditedRetention, Period

NOW = datetime(2027, 11, 6, 9, 0, tzinfo=UTC)


def test_a_record_364_days_old_stays_and_366_days_old_goes() -> None:
    year = Period(days=365, reason="a year")
    assert not year.is_due(datetime(2026, 11, 7, 9, 0, tzinfo=UTC), NOW)  # 364 days
    assert not year.is_due(datetime(2026, 11, 6, 9, 0, tzinfo=UTC), NOW)  # 365 days exactly
    assert year.is_due(datetime(2026, 11, 6, 8, 59, tzinfo=UTC), NOW)  # a minute more
    assert year.is_due(datetime(2026, 11, 5, 9, 0, tzinfo=UTC), NOW)  # 366 days


def test_a_day_364_days_ago_stays_and_366_days_ago_goes() -> None:
    year = Period(days=365, reason="a year")
    assert not year.is_day_due(date(2026, 11, 7), date(2027, 11, 6))
    assert year.is_day_due(date(2026, 11, 5), date(2027, 11, 6))


def test_the_audit_trail_is_kept_a_year_and_a_period_says_why() -> None:
    assert AuditedRetention().audit == AUDIT_PERIOD
    assert AUDIT_PERIOD.days == 365
    assert "CNIL" in AUDIT_PERIOD.reason
    with pytest.raises(ValidationError):
        Period(days=0, reason="nothing kept is no period")
    with pytest.raises(ValidationError):
        Period(days=30)  # type: ignore[call-arg]  # a period without its reason

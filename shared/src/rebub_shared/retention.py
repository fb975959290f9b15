"""Retention periods: how long a kind of record is kept, and why (in the settings), and which
instants are past a period on a given clock. Pure; the deleting and the daily job are
``rebub_shared.retention_job``.

A record is due when it is strictly older than the period: with 365 days, a record 364 or 365
days old stays, one 366 days old goes. Every retention of every service is built on these:
the notifier's letters, reports and loans, patron-sync's import history, circulation's webhook
deliveries, every service's audit trail.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

DAY_S = 86_400.0


class Period(BaseModel):
    """How long a kind of record is kept, and why (the register's reason, in the settings)."""

    model_config = ConfigDict(frozen=True)

    days: int = Field(ge=1, description="Days a record is kept after its reference instant.")
    reason: str = Field(description="Why this long (shown in docs/privacy.md).")

    def cutoff(self, now: datetime) -> datetime:
        """Records whose reference instant is before this are due."""
        return now - timedelta(days=self.days)

    def day_cutoff(self, today: date) -> date:
        """Records of a day before this one are due."""
        return today - timedelta(days=self.days)

    def is_due(self, at: datetime, now: datetime) -> bool:
        """Whether a record of instant ``at`` is past the period on ``now``."""
        return at < self.cutoff(now)

    def is_day_due(self, day: date, today: date) -> bool:
        """Whether a record of ``day`` is past the period on ``today``."""
        return day < self.day_cutoff(today)


AUDIT_PERIOD = Period(
    days=365,
    reason="the audit trail of privileged actions is an access log: the CNIL's practice is 6 "
    "months to 1 year; 1 year, the upper bound, because it answers for actions on loans, "
    "blocks and erasures whose history is itself kept 1 year (DOMAIN.md section 8)",
)


class RetentionSettings(BaseModel):
    """The retention job of one service instance: whether and how often it runs (a service
    adds its periods to a subclass)."""

    enabled: bool = True
    interval_s: float = Field(default=DAY_S, gt=0, description="Seconds between two runs.")


class AuditedRetention(RetentionSettings):
    """The retention job of a service keeping an audit trail, and that trail's period."""

    audit: Period = Field(default=AUDIT_PERIOD, description="The `audit` collection.")

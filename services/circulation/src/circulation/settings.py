"""Settings of one circulation instance (one institution), from ``REBUB_CIRCULATION__*``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from rebub_shared.retention import AuditedRetention, Period
from rebub_shared.settings import ServiceSettings

from .domain.policies import DEFAULT_POLICIES_DIR
from .domain.webhooks import RetrySchedule

WEBHOOK_DELIVERIES = Period(
    days=183,
    reason="the delivery log is a technical log (the CNIL's practice: 6 months to 1 year); the "
    "lower bound, 6 months: it serves to diagnose and redeliver to a listener, done within "
    "weeks, and each listener keeps what it received",
)


class CirculationRetention(AuditedRetention):
    """Circulation's retention job (the audit trail, the webhooks' delivery log); the loans'
    and requests' history is the institution's policy (``history``), run by the jobs."""

    webhook_deliveries: Period = Field(
        default=WEBHOOK_DELIVERIES,
        description="Delivered webhook deliveries, from their delivery (a pending one: never).",
    )


class CirculationSettings(ServiceSettings):
    """The institution's circulation: where its policies and items are, how events are relayed.

    ``tenant`` must be an institution (circulation has no network zone instance).
    """

    model_config = SettingsConfigDict(
        env_prefix="REBUB_CIRCULATION__", env_nested_delimiter="__", extra="ignore"
    )

    policies_dir: Path = DEFAULT_POLICIES_DIR
    # How often the policy file is re-read (a ConfigMap edit takes effect without a new image or
    # a restart); 0 turns the watcher off.
    policy_reload_interval_s: float = 30.0
    # JSON lines (.jsonl, .ndjson) or CSV (.csv) with a header; loaded (upserted) at start.
    items_file: Path | None = None
    # Relay pending loan events right after each command (low latency) and in the background
    # (what a crash left: swept once at start, then flagged documents every interval). Off only
    # to simulate a crash between the write and the relay.
    relay_enabled: bool = True
    relay_interval_s: float = 10.0
    consume_patrons: bool = True
    # Its own loan-state topic: open loans the store lacks are written back (rebub rebuild).
    consume_loan_state: bool = True
    # The other institutions' loan summaries (net.loan-activity.v1) for the network activity tab.
    consume_network_activity: bool = True
    # Background jobs (aged to lost, retention); outside production also POST /_dev/jobs/<name>.
    jobs_enabled: bool = True
    jobs_interval_s: float = 3600.0
    # Short polls and heartbeats for tests and the demo.
    fast_consumers: bool = False
    # Webhooks: the loan events' consumer that queues them, and the deliverer that sends them.
    # ``REBUB_CIRCULATION__WEBHOOK_RETRY__FIRST_WAIT_S`` etc. set the backoff and the pause.
    webhooks_enabled: bool = True
    webhook_retry: RetrySchedule = RetrySchedule()
    webhook_poll_s: float = 2.0
    retention: CirculationRetention = Field(
        default_factory=CirculationRetention,
        description="How long the audit trail and the webhooks' delivery log are kept, and why "
        "(a daily job in one replica: docs/privacy.md, Retention jobs).",
    )

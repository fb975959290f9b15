"""patron-sync settings: one instance per tenant (the network zone or one institution)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from patron_sync.domain.absence import ABSENT_EXPIRY, ABSENT_PURGE
from rebub_shared.bounds import FEED_BODY_MAX_BYTES
from rebub_shared.retention import AuditedRetention, Period
from rebub_shared.settings import ServiceSettings

SERVICE = "patron-sync"

IMPORT_HISTORY = Period(
    days=365,
    reason="an academic year of imports: feed loaders compare a source's feeds over the year "
    "(the start of each year changes the most accounts); the reports' rejects quote primary "
    "ids and name the staff member who uploaded",
)


class PatronSyncRetention(AuditedRetention):
    """patron-sync's retention job: the audit trail and, in the network zone, the import
    history (absent accounts keep their own periods: ``absent_*_after_days``)."""

    import_history: Period = Field(
        default=IMPORT_HISTORY, description="Imports and their reports, from their reception."
    )


class PatronSyncSettings(ServiceSettings):
    """Environment: ``REBUB_PATRON_SYNC__TENANT=ubm``, ``REBUB_PATRON_SYNC__KAFKA__BOOTSTRAP=...``."""

    model_config = SettingsConfigDict(
        env_prefix="REBUB_PATRON_SYNC__", env_nested_delimiter="__", extra="ignore"
    )

    absent_expire_after: Period = Field(
        default=ABSENT_EXPIRY,
        description="An account absent from its source's full feeds this long expires (Paris "
        "days).",
    )
    absent_purge_after: Period = Field(
        default=ABSENT_PURGE,
        description="An account absent strictly longer than this is purged from the network zone "
        "(a tombstone on nz.patron.v1 removes every institution's copy).",
    )
    #: Default: a full feed holding fewer records than this share of the last full feed of the
    #: same source is refused (a truncated DSI export would flag thousands of accounts absent).
    full_feed_min_ratio: float = Field(default=0.8, ge=0.0, le=1.0)
    import_batch_size: int = Field(default=1000, ge=1)
    consumer_batch_size: int = Field(default=1000, ge=1)
    name_search_limit: int = Field(default=20, ge=1)
    #: Consumer tuning for tests and the demo (``consumer_options(fast=True)``).
    fast_consumers: bool = False
    #: Where HTTP uploads are streamed before the import (``None``: the system temp folder).
    spool_dir: Path | None = None
    #: How often the network instance reads the import history for the feed metrics and the
    #: missing-feed alarm (a source silent for a day), in seconds.
    feed_watch_s: float = Field(default=600.0, gt=0)
    #: The largest feed an upload (``POST /imports``) may carry, in bytes: larger is refused 413.
    feed_max_bytes: int = Field(default=FEED_BODY_MAX_BYTES, ge=1)
    retention: PatronSyncRetention = Field(
        default_factory=PatronSyncRetention,
        description="How long the audit trail and the import history are kept, and why (a daily "
        "job in one replica: docs/privacy.md, Retention jobs).",
    )

"""The notifier's settings: the shared service settings plus SMTP, sender, printed letters and
scheduler (environment variables ``REBUB_NOTIFIER__...``, e.g. ``REBUB_NOTIFIER__SMTP__PORT``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from rebub_shared.settings import ServiceSettings
from rebub_shared.tenancy import InstitutionCode, TenantCode, institution

from .domain import InstitutionSettings, institution_settings
from .domain.retention import NotifierRetention


class SmtpSettings(BaseModel):
    """Where letters are emailed, and how hard a send is retried before the next pass.

    In production host, port and TLS come from the overlay's ``notifier-settings`` ConfigMap,
    the credentials from the Secret ``rebub-smtp`` (``docs/deploy.md``).
    """

    host: str = "127.0.0.1"
    port: int = 8025
    timeout_s: float = 10.0
    start_tls: bool | None = False  # None: STARTTLS when the server offers it
    use_tls: bool = False  # TLS from the first byte (submissions port 465); excludes start_tls
    username: str | None = None  # no login when None (a relay that trusts the cluster)
    password: SecretStr | None = None
    attempts: int = Field(default=4, ge=1)
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 8.0

    @model_validator(mode="after")
    def _one_tls_mode(self) -> SmtpSettings:
        if self.use_tls and self.start_tls:
            raise ValueError("smtp: use_tls (port 465) and start_tls exclude each other")
        if (self.username is None) != (self.password is None):
            raise ValueError("smtp: give both username and password, or neither")
        return self


class NotifierSettings(ServiceSettings):
    """One institution's notifier."""

    model_config = SettingsConfigDict(
        env_prefix="REBUB_NOTIFIER__", env_nested_delimiter="__", extra="ignore"
    )

    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    sender_email: str = "pret@bibliotheques.u-bordeaux.fr"
    sender_name: str = "Service du prêt"
    message_id_domain: str = "notifier.rebub.u-bordeaux.fr"
    letters_dir: Path = Path(".rebub/letters")
    templates_dir: Path | None = None
    scheduler_interval_s: float = 300.0
    scheduler_enabled: bool = True  # tests drive passes through POST /_dev/scheduler/run
    # The daily pass's lease: one replica of the institution holds it, renewed every third of
    # this; another takes over this long after its holder died (at once after a graceful stop).
    lease_ttl_s: float = Field(default=60.0, gt=0)
    courtesy_days: int | None = None  # None: the institution's default (3)
    fast_consumers: bool = False  # tests and the demo: quicker polls and heartbeats
    # The loan-state topic: open loans the store lacks are kept (rebub rebuild).
    consume_loan_state: bool = True
    retention: NotifierRetention = Field(
        default_factory=NotifierRetention,
        description="How long letters, loans that left the chain and reports are kept, and why "
        "(a daily job in one replica: docs/privacy.md, Retention jobs).",
    )

    @field_validator("tenant")
    @classmethod
    def _institution_only(cls, value: str) -> TenantCode:
        # The letters of the network zone are written by each institution's notifier.
        return institution(value, "tenant").code

    @property
    def institution_code(self) -> InstitutionCode:
        """The institution this notifier writes for."""
        return institution(self.tenant, "tenant").code

    def institution(self) -> InstitutionSettings:
        """The institution's letter settings, with this deployment's courtesy delay."""
        base = institution_settings(self.tenant)
        if self.courtesy_days is None:
            return base
        return replace(base, chain=replace(base.chain, courtesy_days=self.courtesy_days))

"""Settings base classes (pydantic-settings): one class per service, an env prefix, nested groups.

Environment variables use ``__`` between a group and its field, for example
``REBUB_CIRCULATION__KAFKA__BOOTSTRAP=broker:9092``. Network-wide variables set a field for
every service at once: ``REBUB_KAFKA_BOOTSTRAP`` and ``REBUB_MONGO_URI`` name the servers,
``REBUB_OIDC_ISSUER`` the token issuer (the ``auth`` group, ``rebub_shared.auth.settings``),
``REBUB_TOPIC_PREFIX`` and ``REBUB_DATABASE_PREFIX`` put a whole network (and the tools that read
its topics, such as ``rebub demo``) under a namespace of its own. Constructor arguments override
the environment (tests use that).
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rebub_shared.auth.settings import AuthSettings
from rebub_shared.tenancy import TenantCode, check_tenant

DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27017/"


class KafkaSettings(BaseModel):
    """How a service reaches the broker, and with which credentials."""

    bootstrap: str = Field(
        default_factory=lambda: os.environ.get("REBUB_KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)
    )
    security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    username: str | None = None
    password: SecretStr | None = None
    # Prefixes every topic and consumer group name: tests give each test its own namespace.
    topic_prefix: str = Field(default_factory=lambda: os.environ.get("REBUB_TOPIC_PREFIX", ""))
    # How long a command waits for its own events to be published before leaving them to the
    # outbox relay's loop: a broker outage costs a desk at most this (aiokafka would wait for
    # metadata up to its 40 s request timeout).
    publish_timeout_s: float = Field(default=2.0, gt=0)

    @model_validator(mode="after")
    def _credentials_go_together(self) -> KafkaSettings:
        if self.security_protocol != "PLAINTEXT" and not (self.username and self.password):
            raise ValueError(
                f"kafka.username and kafka.password are required with security_protocol="
                f"{self.security_protocol!r}"
            )
        return self


class MongoSettings(BaseModel):
    """How a service reaches its document store."""

    uri: SecretStr = Field(
        default_factory=lambda: SecretStr(os.environ.get("REBUB_MONGO_URI", DEFAULT_MONGO_URI))
    )
    # Prefixes every database name: tests give each test its own databases.
    database_prefix: str = Field(
        default_factory=lambda: os.environ.get("REBUB_DATABASE_PREFIX", "")
    )
    # A store that is away answers 503 within these bounds, never a hang: choosing a server,
    # opening a connection, then waiting for one operation's answer.
    timeout_ms: int = 3000
    connect_timeout_ms: int = 3000
    # The last bound is generous: a bulk write on FerretDB v1 under load takes seconds, and a
    # store that is down closes its connections (ConnectionFailure at once, then selection).
    socket_timeout_ms: int = 60000


class HttpSettings(BaseModel):
    """Where a service's HTTP API listens."""

    host: str = "127.0.0.1"
    port: int = 8000


class ServiceSettings(BaseSettings):
    """Base of every service's settings: its tenant, its servers, its environment."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    tenant: TenantCode
    environment: Literal["production", "development", "test"] = "production"
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    mongo: MongoSettings = Field(default_factory=MongoSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    log_json: bool | None = None  # None: JSON when stderr is not a terminal

    @field_validator("tenant", mode="before")
    @classmethod
    def _known_tenant(cls, value: object) -> TenantCode:
        return check_tenant(str(value), "tenant")

    @property
    def dev_clock_enabled(self) -> bool:
        """The development clock (``PUT /_dev/clock``) exists outside production only."""
        return self.environment != "production"

"""The ``auth`` settings group of every service: which OIDC issuer's tokens it accepts.

``REBUB_OIDC_ISSUER`` sets the issuer of every service at once (like ``REBUB_KAFKA_BOOTSTRAP``);
``<PREFIX>AUTH__ISSUER`` sets one service's. There is no default issuer and no switch to turn
checking off: a service without an issuer refuses to start (``AuthNotConfiguredError``).
"""

from __future__ import annotations

import os

from pydantic import BaseModel, Field


class AuthNotConfiguredError(RuntimeError):
    """No token issuer is configured: the service refuses to start rather than answer anyone."""


class AuthSettings(BaseModel):
    """The issuer (and its keys) whose access tokens a service accepts, and what stays open."""

    issuer: str | None = Field(default_factory=lambda: os.environ.get("REBUB_OIDC_ISSUER") or None)
    audience: str = "rebub"
    # Default: the issuer's ``/protocol/openid-connect/certs`` (Keycloak's JWKS address).
    jwks_url: str | None = None
    # The claim naming the operator stored on every record (the identity contract: ``sub``).
    operator_claim: str = "sub"
    open_docs: bool = False  # /docs, /redoc, /openapi.json without a token
    open_metrics: bool = False  # /metrics without a token (a scraper inside the cluster)
    leeway_s: int = Field(default=30, ge=0, le=300)
    jwks_timeout_s: float = Field(default=3.0, gt=0)
    # An unknown ``kid`` refetches the key set at most this often (a key rotation, not a flood).
    jwks_refresh_min_interval_s: float = Field(default=5.0, ge=0)

    def required_issuer(self) -> str:
        """The issuer, or ``AuthNotConfiguredError`` (safe by default: no issuer, no service)."""
        if not self.issuer:
            raise AuthNotConfiguredError(
                "auth.issuer is not set: set REBUB_OIDC_ISSUER (or <PREFIX>AUTH__ISSUER) to the "
                "OIDC issuer whose tokens this service accepts, e.g. "
                "http://127.0.0.1:8180/realms/rebub"
            )
        return self.issuer.rstrip("/")

    def keys_url(self) -> str:
        """Where the issuer's signing keys (JWKS) are fetched."""
        return self.jwks_url or f"{self.required_issuer()}/protocol/openid-connect/certs"

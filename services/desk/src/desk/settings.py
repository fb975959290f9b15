"""Settings of one desk instance (one institution), from ``REBUB_DESK__*``.

The desk is a backend-for-frontend: it logs staff in with the institution's OIDC provider
(``auth.issuer``, client ``client_id``), keeps their tokens in a server-side session, and calls
circulation and patron-sync with them. It reads the broker (``kafka``) and the network zone's
patron-sync (the last imports) only for the network page.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from rebub_shared.settings import ServiceSettings

#: The circulation policies of the repository (the same files circulation reads).
DEFAULT_POLICIES_DIR = Path(__file__).resolve().parents[3] / "circulation" / "policies"


class DeskSettings(ServiceSettings):
    """Where the desk is reached, which client it logs in as, which APIs it calls."""

    model_config = SettingsConfigDict(
        env_prefix="REBUB_DESK__", env_nested_delimiter="__", extra="ignore"
    )

    # The address staff type in their browser (the OIDC redirect URI is built from it).
    public_url: str | None = None
    # The desk's OIDC client (a confidential client: the code is exchanged with its secret).
    client_id: str | None = None
    client_secret: SecretStr | None = None
    circulation_url: str = "http://127.0.0.1:8111"
    patron_sync_url: str = "http://127.0.0.1:8110"
    notifier_url: str = "http://127.0.0.1:8112"
    # The network zone's patron-sync: the last imports on the network page.
    network_patron_sync_url: str = "http://127.0.0.1:8100"
    policies_dir: Path = DEFAULT_POLICIES_DIR
    # A session unused this long is forgotten (the staff member logs in again).
    session_idle_s: float = Field(default=8 * 3600, gt=0)
    # Whether this desk serves the network page. On Kubernetes only the network team's desk
    # (overlay network, read-only observer Kafka user) does: an institution's Kafka user sees only
    # its own topics and groups (docs/desk.md). Locally the broker has no ACLs.
    network_page: bool = True
    # How often the network page reads the broker again.
    network_refresh_s: float = Field(default=2.0, gt=0)
    # How often it reads the last imports again (a few feeds a day: no need to hurry).
    imports_refresh_s: float = Field(default=15.0, gt=0)
    api_timeout_s: float = Field(default=10.0, gt=0)
    # Cookies sent over HTTPS only (production); plain HTTP on loopback otherwise.
    secure_cookies: bool = True

    def oidc_client_id(self) -> str:
        return self.client_id or f"rebub-desk-{self.tenant}"

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.http.host}:{self.http.port}").rstrip("/")

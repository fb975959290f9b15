"""The whole network on one machine: which service instances run, on which stable ports, with
which settings.

Ports (``REBUB_PORT_BASE``, default 8100): the network zone's patron-sync on the base port; each
institution ``i`` (ub, ubm, scpo, inp, bsa in that order) on ``base + 10 * (i + 1)``, plus 0 for
patron-sync, 1 for circulation, 2 for notifier, 3 for the web desk (``services/desk``). The local
SMTP server on ``REBUB_SMTP_PORT`` (default 2525).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rebub.infra.keycloak_realm import desk_client_id, dev_secret
from rebub_shared.tenancy import NETWORK, TenantCode, institution_codes

SERVICES = {
    "patron-sync": "patron_sync",
    "circulation": "circulation",
    "notifier": "notifier",
    "desk": "desk",
}
_OFFSET = {"patron-sync": 0, "circulation": 1, "notifier": 2, "desk": 3}


@dataclass(frozen=True)
class ServiceInstance:
    """One running service: a service bound to one tenant, on one port."""

    service: str
    tenant: TenantCode
    port: int

    @property
    def name(self) -> str:
        return f"{self.service}[{self.tenant}]"

    @property
    def module(self) -> str:
        return SERVICES[self.service]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env_prefix(self) -> str:
        return f"REBUB_{self.module.upper()}__"

    def environment(
        self, *, kafka: str, mongo: str, smtp_port: int, home: Path, issuer: str | None = None
    ) -> dict[str, str]:
        """The settings of this instance, as environment variables (development settings)."""
        p = self.env_prefix
        env = {
            "REBUB_KAFKA_BOOTSTRAP": kafka,
            "REBUB_MONGO_URI": mongo,
            f"{p}TENANT": self.tenant,
            f"{p}ENVIRONMENT": "development",
            f"{p}HTTP__HOST": "127.0.0.1",
            f"{p}HTTP__PORT": str(self.port),
            f"{p}LOG_JSON": "true",
        }
        if issuer:  # the OIDC provider whose tokens the instance accepts
            env[f"{p}AUTH__ISSUER"] = issuer
        if self.service == "desk":  # its institution's APIs, and its OIDC client of the realm
            client = desk_client_id(self.tenant)
            # the network zone's patron-sync is on the base port (the network page's imports)
            base = self.port - 10 * (institution_codes().index(self.tenant) + 1) - 3
            env |= {
                f"{p}PUBLIC_URL": self.url,
                f"{p}CIRCULATION_URL": f"http://127.0.0.1:{self.port - 2}",
                f"{p}PATRON_SYNC_URL": f"http://127.0.0.1:{self.port - 3}",
                f"{p}NOTIFIER_URL": f"http://127.0.0.1:{self.port - 1}",
                f"{p}NETWORK_PATRON_SYNC_URL": f"http://127.0.0.1:{base}",
                f"{p}CLIENT_ID": client,
                f"{p}CLIENT_SECRET": dev_secret(client),
                f"{p}SECURE_COOKIES": "false",
            }
        if self.service == "notifier":
            env |= {
                f"{p}SMTP__PORT": str(smtp_port),
                f"{p}LETTERS_DIR": str(home / "letters"),
                f"{p}SCHEDULER_INTERVAL_S": "5",
            }
        return env


def port_base() -> int:
    return int(os.environ.get("REBUB_PORT_BASE", "8100"))


def smtp_port() -> int:
    return int(os.environ.get("REBUB_SMTP_PORT", "2525"))


def network_plan(base: int | None = None) -> list[ServiceInstance]:
    """Every instance of the local network: 1 network patron-sync and 4 services x 5 institutions
    (patron-sync, circulation, notifier, desk)."""
    base = port_base() if base is None else base
    plan = [ServiceInstance("patron-sync", NETWORK, base)]
    for index, code in enumerate(institution_codes()):
        for service, offset in _OFFSET.items():
            plan.append(ServiceInstance(service, code, base + 10 * (index + 1) + offset))
    return plan


def desks(plan: list[ServiceInstance] | None = None) -> list[ServiceInstance]:
    """The web desks of ``plan`` (default: the local network's), one per institution."""
    return [i for i in (network_plan() if plan is None else plan) if i.service == "desk"]


def desks_line(plan: list[ServiceInstance] | None = None) -> str:
    """Where staff open the desks, for ``rebub up`` and the demo."""
    urls = ", ".join(f"{d.tenant} {d.url}" for d in desks(plan))
    return (
        f"web desks: {urls} (log in as <institution>-desk or -manager; "
        "network-observer for the network page)"
    )

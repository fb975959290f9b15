"""The embedded local infrastructure: Kafka, FerretDB and Keycloak on loopback, started by
``rebub infra up``.

When ``REBUB_KAFKA_BOOTSTRAP`` / ``REBUB_MONGO_URI`` / ``REBUB_OIDC_ISSUER`` are set, those servers
are used and nothing is started for them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from rebub.infra.ferretdb import LocalFerretDB
from rebub.infra.kafka import LocalKafka
from rebub.infra.keycloak import LocalKeycloak, configured_port
from rebub.infra.paths import InfraPaths
from rebub.infra.server import InfraError, LocalServer, ServerStatus

__all__ = ["InfraError", "LocalInfra", "ServerStatus"]


@dataclass
class LocalInfra:
    """Kafka, FerretDB and Keycloak, with ports from ``REBUB_KAFKA_PORT``,
    ``REBUB_FERRETDB_PORT`` and ``REBUB_KEYCLOAK_PORT`` (default 8180).

    ``secure`` (default: ``REBUB_KAFKA_SECURE=1``) runs Kafka with SASL/SCRAM and the platform's ACLs.
    """

    kafka: LocalKafka
    ferretdb: LocalFerretDB
    keycloak: LocalKeycloak | None = None  # None: a broker and a store only (lifecycle tests)

    @classmethod
    def default(cls, *, secure: bool | None = None) -> LocalInfra:
        paths = InfraPaths.default()
        if secure is None:
            secure = os.environ.get("REBUB_KAFKA_SECURE", "") not in ("", "0", "false")
        return cls(
            kafka=LocalKafka(paths, int(os.environ.get("REBUB_KAFKA_PORT", "9092")), secure=secure),
            ferretdb=LocalFerretDB(paths, int(os.environ.get("REBUB_FERRETDB_PORT", "27017"))),
            keycloak=LocalKeycloak(paths, configured_port()),
        )

    @property
    def servers(self) -> tuple[LocalServer, ...]:
        servers: tuple[LocalServer, ...] = (self.kafka, self.ferretdb)
        return (*servers, self.keycloak) if self.keycloak else servers

    def up(self) -> list[ServerStatus]:
        """Prepare (cached) and start each; harmless when they run already."""
        for server in self.servers:
            if not server.external:
                server.prepare()
        if self.keycloak and not self.keycloak.external:
            self.keycloak.launch()  # the slowest to start: it does while the others start
        return [server.start() for server in self.servers]

    def down(self) -> list[str]:
        """Stop what rebub started; return the names of the servers stopped."""
        return [server.name for server in self.servers if server.stop()]

    def status(self) -> list[ServerStatus]:
        return [server.status() for server in self.servers]

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.external or self.kafka.address

    @property
    def mongo_uri(self) -> str:
        return self.ferretdb.external or self.ferretdb.address

    @property
    def oidc_issuer(self) -> str:
        if self.keycloak is None:
            raise InfraError("no OIDC provider in this infrastructure")
        return self.keycloak.issuer

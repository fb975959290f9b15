"""Which real Kafka broker, document store and OIDC provider a test run uses, chosen once per run.

1. ``REBUB_KAFKA_BOOTSTRAP`` and ``REBUB_MONGO_URI`` when both are set (a real cluster, a MongoDB);
2. else containers (MongoDB 7, Apache Kafka 4.1) when a Docker engine answers;
3. else the embedded local servers (Kafka, FerretDB and Keycloak), started if they are not already
   up and stopped at the end of the run if this run started them.

The OIDC provider is ``REBUB_OIDC_ISSUER`` when set; otherwise the local Keycloak (in cases 1 and 2
too, started alone), whose realm holds the development users and clients.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Literal

from rebub.infra import LocalInfra


@dataclass(frozen=True)
class Backends:
    kafka_bootstrap: str
    mongo_uri: str
    origin: Literal["environment", "docker", "local"]
    oidc_issuer: str


def docker_answers() -> bool:
    """True when a Docker engine answers a ping (a client alone is not enough)."""
    try:
        import docker  # testcontainers' dependency

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:  # no engine, no socket, no permission: all mean "no Docker here"
        return False


@contextmanager
def _containers() -> Iterator[Backends]:
    from testcontainers.community.mongodb import MongoDbContainer
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    with socket.socket() as s:  # the advertised listener must name the port the host sees
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kafka = (
        DockerContainer("apache/kafka:4.1.1")
        .with_bind_ports(9092, port)
        .with_env("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093")
        .with_env("KAFKA_ADVERTISED_LISTENERS", f"PLAINTEXT://127.0.0.1:{port}")
        .with_env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
        .with_env("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "1")
    )
    with ExitStack() as stack:
        mongo = stack.enter_context(MongoDbContainer("mongo:7"))
        stack.enter_context(kafka)
        wait_for_logs(kafka, "Kafka Server started", timeout=120)
        issuer = stack.enter_context(_oidc_provider())
        yield Backends(f"127.0.0.1:{port}", mongo.get_connection_url(), "docker", issuer)


@contextmanager
def _oidc_provider() -> Iterator[str]:
    """``REBUB_OIDC_ISSUER``, else the local Keycloak (stopped at the end if started here)."""
    keycloak = LocalInfra.default().keycloak
    assert keycloak is not None
    if keycloak.external:
        yield keycloak.issuer
        return
    already_up = keycloak.status().running
    keycloak.start()
    try:
        yield keycloak.issuer
    finally:
        if not already_up:
            keycloak.stop()


@contextmanager
def choose_backends() -> Iterator[Backends]:
    """The backends of this run (see the module's docstring)."""
    kafka, mongo = os.environ.get("REBUB_KAFKA_BOOTSTRAP"), os.environ.get("REBUB_MONGO_URI")
    if kafka and mongo:
        with _oidc_provider() as issuer:
            yield Backends(kafka, mongo, "environment", issuer)
        return
    if docker_answers():
        with _containers() as backends:
            yield backends
        return
    infra = LocalInfra.default()
    already_up = {s.name for s in infra.status() if s.running}
    infra.up()
    try:
        yield Backends(infra.kafka_bootstrap, infra.mongo_uri, "local", infra.oidc_issuer)
    finally:
        for server in infra.servers:
            if server.name not in already_up:
                server.stop()

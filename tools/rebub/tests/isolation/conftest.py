"""A second local Kafka, secured (SASL/SCRAM and the platform's ACLs), shared by the isolation tests.

It runs from a temporary state folder on free ports, with the run's cached jars, beside (never
instead of) the run's own PLAINTEXT broker; it starts once (a few seconds) and stops at the end.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
from collections.abc import Iterator

import pytest

from rebub.infra.kafka import LocalKafka
from rebub.infra.paths import InfraPaths


def _free_port_pair() -> int:
    """A port whose successor is free too (the broker listens on both: clients, controller)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports on 127.0.0.1")


@pytest.fixture(scope="session")
def secured_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """The secured broker: users ``admin``, ``network``, one per institution and the network
    observer."""
    if os.environ.get("REBUB_KAFKA_BOOTSTRAP"):
        pytest.skip("servers come from the environment: no local Kafka jars to start a second one")
    if shutil.which("java") is None:
        pytest.skip("java is needed to start the secured local Kafka")
    home = tmp_path_factory.mktemp("secured-kafka")
    paths = dataclasses.replace(InfraPaths.default(), home=home)
    kafka = LocalKafka(paths, _free_port_pair(), secure=True)
    kafka.start()
    try:
        yield kafka
    finally:
        kafka.stop()
        shutil.rmtree(home, ignore_errors=True)

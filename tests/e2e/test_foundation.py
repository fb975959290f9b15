"""The foundation end to end: real Kafka, real document store, and the local servers' lifecycle."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from rebub.infra import LocalInfra
from rebub.infra.ferretdb import LocalFerretDB
from rebub.infra.kafka import LocalKafka
from rebub.infra.paths import InfraPaths
from rebub.infra.process import read_pid
from rebub.infra.server import port_open
from rebub.proof import proof_roundtrip
from rebub.testing.plugin import Namespace

pytestmark = pytest.mark.e2e


async def test_an_event_crosses_the_real_broker_into_the_real_store_once(
    namespace: Namespace,
) -> None:
    result = await proof_roundtrip(
        kafka_bootstrap=namespace.backends.kafka_bootstrap,
        mongo_uri=namespace.backends.mongo_uri,
        topic_prefix=namespace.topic_prefix,
        database_prefix=namespace.database_prefix,
    )

    # The same event published twice is one document, read back from the store.
    assert len(result.documents) == 1
    assert result.documents[0]["message"] == "Bonjour du réseau des bibliothèques bordelaises"
    # The record that is not an event went to the dead-letter topic with its reason...
    assert len(result.dead_letters) == 1
    assert result.dead_letters[0]["value"] == "not an event"
    assert "ce_specversion" in result.dead_letters[0]["dlq_reason"]
    # ...and the consumer went on: every record, the bad one included, is committed.
    assert result.committed_offset == result.end_offset == 3


@pytest.mark.skipif(
    bool(os.environ.get("REBUB_KAFKA_BOOTSTRAP")), reason="servers come from the environment"
)
def test_local_servers_start_twice_harmlessly_and_stop_leaving_no_process(tmp_path: Path) -> None:
    # Own state folder and ports, the same cached jars and FerretDB build as the run's servers.
    paths = dataclasses.replace(InfraPaths.default(), home=tmp_path)
    infra = LocalInfra(kafka=LocalKafka(paths, 19192), ferretdb=LocalFerretDB(paths, 27117))

    first = infra.up()
    second = infra.up()

    assert [s.running for s in first] == [True, True]
    assert [s.pid for s in second] == [s.pid for s in first]  # nothing started twice
    assert {s.name: s.address for s in infra.status()} == {
        "kafka": "127.0.0.1:19192",
        "ferretdb": "mongodb://127.0.0.1:27117/?maxPoolSize=1",
    }

    assert infra.down() == ["kafka", "ferretdb"]

    for server in infra.servers:
        assert read_pid(server.pid_file) is None
        assert not port_open(server.host, server.port)
    assert all(not s.running for s in infra.status())
    assert infra.down() == []
    shutil.rmtree(tmp_path, ignore_errors=True)

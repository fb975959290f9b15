"""The network team's flow view reads a secured broker with the admin's credentials."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaProducer

from rebub.flows import sample_flows
from rebub.infra.kafka import LocalKafka

pytestmark = pytest.mark.integration


async def test_flows_read_a_secured_broker_as_admin(secured_kafka: LocalKafka) -> None:
    admin = secured_kafka.client_options()
    producer = AIOKafkaProducer(bootstrap_servers=secured_kafka.address, **admin)
    await producer.start()
    await producer.send_and_wait("inp.notifier.letter.v1", b"lettre")
    await producer.stop()

    snapshot = await sample_flows(secured_kafka.address, **admin)

    letters = next(t for t in snapshot.topics if t.topic == "inp.notifier.letter.v1")
    assert letters.zone == "inp"
    assert letters.end_offset >= 1

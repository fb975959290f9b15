"""`rebub topics` reads real offsets and group positions from the broker."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from rebub.flows import sample_flows, sample_with_rates, zone_of
from rebub.testing.plugin import Namespace


def test_topics_are_placed_in_their_zone() -> None:
    assert zone_of("nz.patron.v1") == "nz"
    assert zone_of("net.loan-activity.v1") == "net"
    assert zone_of("t-1.bsa.circulation.loan.v1", "t-1.") == "bsa"
    assert zone_of("__consumer_offsets") is None


async def test_flows_show_messages_lag_per_group_and_dead_letters(namespace: Namespace) -> None:
    topics = namespace.topics
    loans, dead = topics.loan("ub"), topics.dead_letter(topics.nz_patron, "ub")
    bootstrap = namespace.backends.kafka_bootstrap
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    for i in range(5):
        await producer.send_and_wait(loans, f"loan {i}".encode(), key=b"P1")
    await producer.send_and_wait(dead, b"poison", key=b"P9")
    await producer.stop()

    group = topics.group("ub", "notifier")
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    consumer.assign([TopicPartition(loans, 0)])
    await consumer.start()
    await consumer.commit({TopicPartition(loans, 0): OffsetAndMetadata(3, "")})
    await consumer.stop()

    snapshot = await sample_flows(bootstrap, prefix=namespace.topic_prefix)
    by_topic = {f.topic: f for f in snapshot.topics}

    assert by_topic[loans].zone == "ub"
    assert by_topic[loans].end_offset == 5
    assert [(g.group, g.committed, g.lag) for g in by_topic[loans].groups] == [(group, 3, 2)]
    assert by_topic[dead].dead_letter
    assert snapshot.as_json()["dead_letters"] == 1
    assert snapshot.as_json()["total_lag"] == 2


async def test_rates_come_from_two_readings(namespace: Namespace) -> None:
    bootstrap = namespace.backends.kafka_bootstrap
    topic = namespace.topics.letter("inp")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    await producer.send_and_wait(topic, b"first")
    before = await sample_flows(bootstrap, prefix=namespace.topic_prefix)
    for _ in range(4):
        await producer.send_and_wait(topic, b"more")
    await producer.stop()

    after = await sample_with_rates(bootstrap, prefix=namespace.topic_prefix, previous=before)

    flow = next(f for f in after.topics if f.topic == topic)
    elapsed = after.taken_at - before.taken_at
    assert flow.rate_per_s == 4 / elapsed

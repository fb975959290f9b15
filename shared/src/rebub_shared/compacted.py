"""One key's (or some keys') latest record on a compacted topic, read on demand (issue 21: an
institution zone reads a network account when it links it instead of keeping every account's
contact data; a bulk link reads many at once).

The key's partition is the producer's (murmur2, as Kafka's and aiokafka's default partitioner);
the reader is assigned that partition alone (those of the keys), reads it from its start to the
end offset it saw at the start, and keeps the last record of the key whose writer may write there
(a tombstone's value is None). No consumer group: nothing is committed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from rebub_shared.provenance import provenance_error
from rebub_shared.settings import KafkaSettings
from rebub_shared.topics import Topics

#: How long one fetch waits for records (the partition is read to its end offset).
FETCH_WAIT_MS = 200


@dataclass(frozen=True, slots=True)
class KeyedRecord:
    """A record's value (None: a tombstone) and headers."""

    value: bytes | None
    headers: dict[str, bytes]


def client_options(settings: KafkaSettings) -> dict[str, Any]:
    """aiokafka client options for ``settings`` (the tenant's own credentials when set)."""
    if settings.security_protocol == "PLAINTEXT":
        return {}
    assert settings.username is not None
    assert settings.password is not None
    return {
        "security_protocol": settings.security_protocol,
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": settings.username,
        "sasl_plain_password": settings.password.get_secret_value(),
    }


def partition_of(key: bytes, partitions: int) -> int:
    """The partition the default partitioner gives ``key`` among ``partitions``."""
    every = list(range(partitions))
    return int(DefaultPartitioner()(key, every, every))


async def latest_record(
    settings: KafkaSettings, topics: Topics, topic: str, key: str
) -> KeyedRecord | None:
    """The last record of ``key`` on ``topic`` written by a tenant allowed to (None: none; a
    tombstone is a record whose value is None)."""
    return (await latest_records(settings, topics, topic, [key])).get(key)


async def latest_records(
    settings: KafkaSettings, topics: Topics, topic: str, keys: Iterable[str]
) -> dict[str, KeyedRecord]:
    """The last record of each of ``keys`` that has one (see :func:`latest_record`): each
    partition holding one of them is read once, whatever the number of keys (a bulk link)."""
    wanted = {key.encode(): key for key in keys}
    reader = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap,
        enable_auto_commit=False,
        fetch_max_wait_ms=FETCH_WAIT_MS,
        **client_options(settings),
    )
    await reader.start()
    try:
        # The cluster's metadata as the broker has it now (``partitions_for_topic`` knows only
        # the topics the consumer's own metadata holds: none for a consumer assigned nothing).
        cluster = await reader._client.fetch_all_metadata()
        partitions = cluster.partitions_for_topic(topic)
        if not partitions or not wanted:
            return {}
        tps = sorted({TopicPartition(topic, partition_of(k, len(partitions))) for k in wanted})
        reader.assign(tps)
        await reader.seek_to_beginning(*tps)
        ends = await reader.end_offsets(tps)
        found: dict[str, KeyedRecord] = {}
        for tp in tps:
            while await reader.position(tp) < ends[tp]:
                batches = await reader.getmany(tp, timeout_ms=FETCH_WAIT_MS * 5)
                for record in batches.get(tp, []):
                    key = wanted.get(record.key) if record.key is not None else None
                    if key is None or record.offset >= ends[tp]:
                        continue
                    headers = {k: v for k, v in record.headers or ()}
                    if provenance_error(topics, topic, headers) is None:
                        found[key] = KeyedRecord(record.value, headers)
        return found
    finally:
        await reader.stop()

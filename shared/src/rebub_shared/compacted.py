"""One key's (or some keys') latest record on a compacted topic, read on demand (issue 21: an
institution zone reads a network account when it links it instead of keeping every account's
contact data; a bulk link reads many at once).

The key's partition is the producer's (murmur2, as Kafka's and aiokafka's default partitioner);
the reader is assigned that partition alone (those of the keys), reads it from its start to the
end offset it saw at the start, and keeps the last record of the key whose writer may write there
(a tombstone's value is None). No consumer group: nothing is committed. A key whose position is
known (where the reader that keeps the topic's projection saw its last record) is read with one
fetch at that offset: reading a partition of a network's 100,000 accounts took a second a link.
"""

import asyncio
from collections.abc import Iterable, Mapping
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
    settings: KafkaSettings,
    topics: Topics,
    topic: str,
    keys: Iterable[str],
    positions: Mapping[str, tuple[int, int]] | None = None,
) -> dict[str, KeyedRecord]:
    """The last record of each of ``keys`` that has one, read by a reader of its own (see
    :meth:`CompactedReader.latest`)."""
    reader = CompactedReader(settings, topics, topic)
    try:
        return await reader.latest(keys, positions)
    finally:
        await reader.close()


class CompactedReader:
    """On-demand reads of one compacted topic through one consumer kept open (no group): the
    first read starts it, :meth:`close` stops it. Reads take turns (a consumer's assignment is
    its state). A consumer per read cost a connection and the whole cluster's metadata each
    time; this one asks the broker for its topic's metadata only."""

    def __init__(self, settings: KafkaSettings, topics: Topics, topic: str) -> None:
        self._settings, self._topics, self.topic = settings, topics, topic
        self._reader: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def latest(
        self, keys: Iterable[str], positions: Mapping[str, tuple[int, int]] | None = None
    ) -> dict[str, KeyedRecord]:
        """The last record of each of ``keys`` that has one: each partition holding one of them
        is read once, whatever the number of keys (a bulk link).

        A key with a position (``(partition, offset)``: where a reader of the topic saw its last
        record) is read there, one fetch. Should that record be gone (compacted away behind a
        newer one) or not be the key's, the key's partition is read as for the others.
        """
        wanted = {key.encode(): key for key in keys}
        if not wanted:
            return {}
        async with self._lock:
            reader = await self._started()
            partitions = await self._partitions(reader)
            if not partitions:
                return {}
            tps = {k: TopicPartition(self.topic, partition_of(k, len(partitions))) for k in wanted}
            assigned = sorted(set(tps.values()))
            reader.assign(assigned)
            try:
                found: dict[str, KeyedRecord] = {}
                for key, (partition, offset) in (positions or {}).items():
                    tp = tps.get(key.encode())
                    if tp is not None and tp.partition == partition:
                        record = await _record_at(reader, tp, offset)
                        if record is not None and record.key == key.encode():
                            _keep(found, key, record, self._topics, self.topic)
                rest = {k: tp for k, tp in tps.items() if wanted[k] not in found}
                await _scan(reader, rest, wanted, found, self._topics, self.topic)
                return found
            finally:
                reader.pause(*assigned)  # no fetching between reads

    async def _started(self) -> AIOKafkaConsumer:
        if self._reader is None:
            reader = AIOKafkaConsumer(
                bootstrap_servers=self._settings.bootstrap,
                enable_auto_commit=False,
                fetch_max_wait_ms=FETCH_WAIT_MS,
                **client_options(self._settings),
            )
            await reader.start()
            self._reader = reader
        return self._reader

    async def _partitions(self, reader: AIOKafkaConsumer) -> set[int] | None:
        """The topic's partitions, from the broker's metadata of this topic alone (asked again
        while the topic is unknown: it may be created after the reader started)."""
        client = reader._client
        partitions = client.cluster.partitions_for_topic(self.topic)
        if not partitions:
            await client.set_topics([self.topic])
            await client.force_metadata_update()
            partitions = client.cluster.partitions_for_topic(self.topic)
        return set(partitions) if partitions else None

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            await reader.stop()


async def _record_at(reader: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> Any:
    """The record at ``offset`` of ``tp`` (None: gone, or nothing there)."""
    reader.seek(tp, offset)
    batches = await reader.getmany(tp, timeout_ms=FETCH_WAIT_MS * 5, max_records=1)
    records = batches.get(tp, [])
    return records[0] if records and records[0].offset == offset else None


async def _scan(
    reader: AIOKafkaConsumer,
    tps: Mapping[bytes, TopicPartition],
    wanted: Mapping[bytes, str],
    found: dict[str, KeyedRecord],
    topics: Topics,
    topic: str,
) -> None:
    """Read each partition of ``tps`` from its start to the end offset seen now, keeping the
    last record of each wanted key there."""
    partitions = sorted(set(tps.values()))
    if not partitions:
        return
    await reader.seek_to_beginning(*partitions)
    ends = await reader.end_offsets(partitions)
    for tp in partitions:
        while await reader.position(tp) < ends[tp]:
            batches = await reader.getmany(tp, timeout_ms=FETCH_WAIT_MS * 5)
            for record in batches.get(tp, []):
                key = wanted.get(record.key) if record.key is not None else None
                if key is not None and record.key in tps and record.offset < ends[tp]:
                    _keep(found, key, record, topics, topic)


def _keep(found: dict[str, KeyedRecord], key: str, record: Any, topics: Topics, topic: str) -> None:
    """Keep ``record`` as ``key``'s if its writer may write on ``topic``."""
    headers = {k: v for k, v in record.headers or ()}
    if provenance_error(topics, topic, headers) is None:
        found[key] = KeyedRecord(record.value, headers)

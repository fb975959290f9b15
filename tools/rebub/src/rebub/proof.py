"""The foundation's proof: one CloudEvent through the real broker into the real store, exactly once.

A publisher sends the same event twice (a retried publication keeps its ``ce_id``) and one record
that is not an event. A consumer in its own group, committing only after its write, stores events
keyed by ``ce_id`` (the same event twice gives one document) and sets the bad record aside on the
dead-letter topic. The document is read back, and the group's committed offset checked.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaMessage
from pymongo import AsyncMongoClient

from rebub_shared.clock import Clock, SystemClock
from rebub_shared.cloudevents import EventPayload, EventRegistry, new_event
from rebub_shared.messaging import (
    DeadLetters,
    consumer_options,
    dead_letter_middleware,
    make_broker,
)
from rebub_shared.mongo import insert_once
from rebub_shared.settings import KafkaSettings
from rebub_shared.tenancy import NETWORK
from rebub_shared.topics import Topics


class ProofRecorded(EventPayload):
    """A message of the foundation's proof (no library meaning)."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.proof.recorded.v1"
    message: str


@dataclass(frozen=True)
class ProofResult:
    documents: list[dict[str, Any]]
    dead_letters: list[dict[str, str]]
    committed_offset: int
    end_offset: int
    seconds: float

    def lines(self) -> list[str]:
        doc = self.documents[0] if self.documents else {}
        return [
            f"published: the same event twice (ce_id {doc.get('_id', '?')}) and one record that is not an event",
            f"stored: {len(self.documents)} document(s), read back: {doc.get('message')!r}",
            f"dead-lettered: {len(self.dead_letters)} record(s), reason: {self.dead_letters[0]['dlq_reason'] if self.dead_letters else '-'}",
            f"committed offset {self.committed_offset} of {self.end_offset} (committed after the write)",
            f"round trip in {self.seconds:.2f} s",
        ]


async def proof_roundtrip(
    *,
    kafka_bootstrap: str,
    mongo_uri: str,
    topic_prefix: str,
    database_prefix: str,
    clock: Clock | None = None,
    timeout_s: float = 30,
) -> ProofResult:
    """Run the proof under its own topics, group and database; return what it saw."""
    started = time.monotonic()
    clock = clock or SystemClock()
    topics = Topics(topic_prefix)
    topic = f"{topic_prefix}network.proof.v1"
    group = topics.group(NETWORK, "proof")
    settings = KafkaSettings(bootstrap=kafka_bootstrap, topic_prefix=topic_prefix)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri, tz_aware=True)
    db = mongo[f"{database_prefix}network_proof"]
    registry = EventRegistry(ProofRecorded)

    consumer = make_broker(settings, client_id="proof-consumer")
    consumer.add_middleware(dead_letter_middleware(DeadLetters(consumer, topics, NETWORK)))

    @consumer.subscriber(topic, group_id=group, **consumer_options(fast=True))
    async def record(body: Any, msg: KafkaMessage) -> None:
        event = registry.decode(msg.headers, body)
        await insert_once(db, "events", {"_id": event.envelope.id, "message": event.data.message})

    event = new_event(
        ProofRecorded(message="Bonjour du réseau des bibliothèques bordelaises"),
        source="/rebub/proof",
        tenant=NETWORK,
        subject="proof",
        clock=clock,
        correlation_id=str(uuid.uuid4()),
    )
    publisher = make_broker(settings, client_id="proof-publisher")
    try:
        async with publisher:
            await publisher.start()
            for _ in range(2):
                await publisher.publish(
                    event.data.model_dump(mode="json"),
                    topic,
                    key=b"proof",
                    headers=event.envelope.headers(),
                )
            await publisher.publish(b"not an event", topic, key=b"proof")
        async with consumer:
            await consumer.start()
            end = await _wait_committed(
                kafka_bootstrap, topic, group, expected=3, timeout_s=timeout_s
            )
        documents = await db["events"].find().to_list()
        dead = await _read_all(kafka_bootstrap, topics.dead_letter(topic, NETWORK))
    finally:
        await mongo.close()
    return ProofResult(documents, dead, end, 3, time.monotonic() - started)


async def _wait_committed(
    bootstrap: str, topic: str, group: str, *, expected: int, timeout_s: float
) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout_s
        committed = -1
        while time.monotonic() < deadline:
            offsets = await admin.list_consumer_group_offsets(group)
            meta = offsets.get(TopicPartition(topic, 0))
            committed = meta.offset if meta else -1
            if committed >= expected:
                return committed
            await asyncio.sleep(0.1)
        return committed
    finally:
        await admin.close()


async def _read_all(bootstrap: str, topic: str) -> list[dict[str, str]]:
    reader = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await reader.start()
    try:
        batches = await reader.getmany(timeout_ms=5000)
        return [
            {k: v.decode() for k, v in record.headers} | {"value": (record.value or b"").decode()}
            for records in batches.values()
            for record in records
        ]
    finally:
        await reader.stop()


def run_proof(*, kafka_bootstrap: str, mongo_uri: str) -> list[str]:
    """The proof for the command line, under a fresh prefix."""
    token = uuid.uuid4().hex[:8]
    result = asyncio.run(
        proof_roundtrip(
            kafka_bootstrap=kafka_bootstrap,
            mongo_uri=mongo_uri,
            topic_prefix=f"proof-{token}.",
            database_prefix=f"proof{token}_",
        )
    )
    return result.lines()

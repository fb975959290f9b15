"""The reference for the patron-sync import benchmark: the same fan-out done by a plain aiokafka
and PyMongo loop in this process, with nothing parsed or decided.

For each changed record: upsert the NZ document, publish it on a topic; five consumers (one per
IZ) each upsert the records linked in their IZ into a database of their own. Upserts go in
ordered ``bulk_write`` chunks of at most :data:`CHUNK`, inserts in one ``insert_many``: FerretDB
v1 (SQLite) deadlocks on unordered bulk writes and on ordered ones of more than about 60.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pymongo import AsyncMongoClient, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection

CHUNK = 50
PARTITIONS = 3

Document = dict[str, Any]


@dataclass(frozen=True)
class RawPlan:
    """What the raw loop holds and changes: ``accounts`` (the NZ, inserted before the timing),
    ``linked`` (per IZ, inserted before the timing), ``changed`` (the documents upserted,
    published and copied where linked)."""

    accounts: Sequence[Document]
    linked: dict[str, set[str]]
    changed: Sequence[Document]


async def upsert(collection: AsyncCollection[Document], docs: Sequence[Document]) -> None:
    """Replace-or-insert by ``_id`` in ordered chunks FerretDB v1 accepts."""
    ops = [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs]
    for start in range(0, len(ops), CHUNK):
        await collection.bulk_write(ops[start : start + CHUNK], ordered=True)


async def raw_fan_out(bootstrap: str, mongo_uri: str, plan: RawPlan) -> dict[str, Any]:
    """Seed the raw databases, then time the fan-out of ``plan.changed``; drop them at the end."""
    token = uuid.uuid4().hex[:8]
    topic = f"bench-raw-nz-{token}"
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri)
    nz = client[f"benchraw{token}_nz"]["accounts"]
    izs = {tenant: client[f"benchraw{token}_{tenant}"]["patrons"] for tenant in plan.linked}
    try:
        started = time.perf_counter()
        await nz.insert_many(list(plan.accounts), ordered=True)
        for tenant, ids in plan.linked.items():
            docs = [a for a in plan.accounts if a["_id"] in ids]
            if docs:
                await izs[tenant].insert_many(docs, ordered=True)
        seeding_s = time.perf_counter() - started
        await _create_topic(bootstrap, topic)
        consumers = [await _consumer(bootstrap, topic) for _ in plan.linked]
        started = time.perf_counter()
        copied = asyncio.gather(
            *(
                _copy_linked(consumer, izs[tenant], ids, len(plan.changed))
                for consumer, (tenant, ids) in zip(consumers, plan.linked.items(), strict=True)
            )
        )
        await upsert(nz, plan.changed)
        nz_written = time.perf_counter() - started
        await _publish(bootstrap, topic, plan.changed)
        published = time.perf_counter() - started
        counts = await copied
        return {
            "seeding_s": seeding_s,
            "nz_upserted_s": nz_written,
            "published_s": published,
            "consistent_s": time.perf_counter() - started,
            "changed": len(plan.changed),
            "iz_upserts": dict(zip(plan.linked, counts, strict=True)),
        }
    finally:
        for db in (nz.database, *(c.database for c in izs.values())):
            await client.drop_database(db.name)
        await client.close()


async def _create_topic(bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    finally:
        await admin.close()


async def _consumer(bootstrap: str, topic: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(parts)
    await consumer.seek_to_beginning(*parts)
    return consumer


async def _publish(bootstrap: str, topic: str, docs: Sequence[Document]) -> None:
    """Send every document (key = ``_id``), then wait for all acknowledgements."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        sends = [
            await producer.send(topic, json.dumps(d).encode(), key=str(d["_id"]).encode())
            for d in docs
        ]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def _copy_linked(
    consumer: AIOKafkaConsumer, collection: AsyncCollection[Document], ids: set[str], count: int
) -> int:
    """One IZ: read ``count`` records, upsert those linked here (batch by batch); how many."""
    seen = written = 0
    try:
        while seen < count:
            batches = await consumer.getmany(timeout_ms=200, max_records=1000)
            records = [r for part in batches.values() for r in part]
            seen += len(records)
            mine = [json.loads(r.value) for r in records if r.key.decode() in ids]
            await upsert(collection, mine)
            written += len(mine)
    finally:
        await consumer.stop()
    return written

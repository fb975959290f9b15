"""Measurement helpers shared by the benchmarks: percentiles, CPU time of processes, and the raw
speed of the broker and the store measured in the same run, so results are quoted as ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo import AsyncMongoClient

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentiles(samples: Sequence[float], points: Sequence[int] = (50, 95, 99)) -> dict[str, float]:
    """Percentiles of ``samples`` (inclusive method), keyed ``p50`` etc."""
    if len(samples) < 2:
        value = samples[0] if samples else float("nan")
        return {f"p{p}": value for p in points}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {f"p{p}": cuts[p - 1] for p in points}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process (and its reaped children) has used so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    return (utime + stime + cutime + cstime) / CLOCK_TICKS


@dataclass(frozen=True)
class RawSpeed:
    """The raw broker and store, measured in the same run as a service."""

    kafka_produce_per_s: float
    kafka_consume_per_s: float
    mongo_insert_ms: float  # median of single inserts
    mongo_find_ms: float  # median of single finds by _id
    mongo_update_ms: float  # median of single updates by _id

    def as_dict(self) -> dict[str, float]:
        return self.__dict__.copy()


async def raw_speed(
    bootstrap: str, mongo_uri: str, *, messages: int = 5000, docs: int = 300
) -> RawSpeed:
    """Time a plain aiokafka produce/consume loop and single PyMongo operations on this machine."""
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    payload = b'{"loan_id": "L-000001", "patron_id": "P-000001", "status": "active"}'
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    started = time.perf_counter()
    futures = [
        await producer.send(topic, payload, key=str(i % 100).encode()) for i in range(messages)
    ]
    await producer.flush()
    for future in futures:
        await future
    produce_s = time.perf_counter() - started
    await producer.stop()

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    started, seen = time.perf_counter(), 0
    while seen < messages:
        batch = await consumer.getmany(timeout_ms=1000, max_records=1000)
        seen += sum(len(records) for records in batch.values())
    consume_s = time.perf_counter() - started
    await consumer.stop()

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    collection = client[f"benchraw_{uuid.uuid4().hex[:8]}"]["docs"]
    inserts, finds, updates = [], [], []
    for i in range(docs):
        t0 = time.perf_counter()
        await collection.insert_one({"_id": i, "status": "active", "version": 1})
        t1 = time.perf_counter()
        await collection.find_one({"_id": i})
        t2 = time.perf_counter()
        await collection.update_one(
            {"_id": i, "version": 1}, {"$set": {"status": "returned"}, "$inc": {"version": 1}}
        )
        inserts.append(t1 - t0)
        finds.append(t2 - t1)
        updates.append(time.perf_counter() - t2)
    await client.drop_database(collection.database.name)
    await client.close()
    return RawSpeed(
        kafka_produce_per_s=messages / produce_s,
        kafka_consume_per_s=messages / consume_s,
        mongo_insert_ms=statistics.median(inserts) * 1000,
        mongo_find_ms=statistics.median(finds) * 1000,
        mongo_update_ms=statistics.median(updates) * 1000,
    )


def add_raw_options(parser: argparse.ArgumentParser) -> None:
    """``--raw-messages`` and ``--raw-docs``: the size of the raw reference measured in the run."""
    parser.add_argument("--raw-messages", type=int, default=5000, help="raw broker messages")
    parser.add_argument(
        "--raw-docs", type=int, default=300, help="raw store operations of each kind"
    )

"""Reading keys' latest records on a compacted topic, on the real broker: a key whose position is
known is read there with one fetch; a position that no longer holds the key's record (another
key's, or past the end) falls back to reading the partition."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

import rebub_shared.compacted as compacted
from rebub.testing.plugin import Namespace
from rebub_shared.compacted import latest_records

HEADERS = [("ce_tenant", b"network"), ("ce_source", b"/rebub/network/patron-sync")]


async def _write(namespace: Namespace, topic: str, records: list[tuple[str, str]]) -> list[Any]:
    """Write ``(key, value)`` records; return their metadata (partition, offset)."""
    producer = AIOKafkaProducer(bootstrap_servers=namespace.backends.kafka_bootstrap)
    await producer.start()
    try:
        sent = [
            await producer.send_and_wait(topic, v.encode(), key=k.encode(), headers=HEADERS)
            for k, v in records
        ]
    finally:
        await producer.stop()
    return sent


async def test_a_known_position_is_read_alone_and_a_stale_one_falls_back(
    namespace: Namespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    topics = namespace.topics
    topic = topics.nz_patron
    records = [(f"UB-{n:04d}", f"v1 of {n}") for n in range(300)] + [("UB-0007", "v2 of 7")]
    sent = await _write(namespace, topic, records)
    assert len({m.partition for m in sent}) == 1  # one partition (the test topic's default)
    at = {k: (m.partition, m.offset) for (k, _), m in zip(records, sent, strict=True)}

    scanned: list[int] = []
    scan = compacted._scan

    async def counting_scan(reader: Any, tps: Any, *args: Any) -> None:
        scanned.append(len(tps))
        await scan(reader, tps, *args)

    monkeypatch.setattr(compacted, "_scan", counting_scan)
    settings = namespace.kafka()

    # Where the projection read each key: one fetch each, no partition read.
    found = await latest_records(
        settings, topics, topic, ["UB-0150", "UB-0007"], {k: at[k] for k in ("UB-0150", "UB-0007")}
    )
    assert {k: r.value for k, r in found.items()} == {
        "UB-0150": b"v1 of 150",
        "UB-0007": b"v2 of 7",
    }
    assert scanned == [0]

    # Another key's offset, and an offset past the end: both keys read from their partition.
    wrong = {"UB-0150": at["UB-0151"], "UB-0042": (at["UB-0042"][0], at["UB-0007"][1] + 50)}
    found = await latest_records(settings, topics, topic, ["UB-0150", "UB-0042"], wrong)
    assert {k: r.value for k, r in found.items()} == {
        "UB-0150": b"v1 of 150",
        "UB-0042": b"v1 of 42",
    }
    assert scanned == [0, 2]

    # No position: the partition, and the key's last record there.
    found = await latest_records(settings, topics, topic, ["UB-0007"])
    assert found["UB-0007"].value == b"v2 of 7"
    assert scanned == [0, 2, 1]

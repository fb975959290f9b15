"""The relay never stops behind one entry: what can never be published is parked, the rest goes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from rebub.testing.plugin import Namespace
from rebub_shared.cloudevents import new_event
from rebub_shared.messaging import make_broker
from rebub_shared.outbox import PENDING, OutboxRelay, outbox_set
from rebub_shared.parking import PARKED, ParkedPurge, list_parked, park, parked_counter

from .test_outbox_relay import CLOCK, ShelfMarkChanged, _consume, _unflatten, _until_relayed

TOO_LARGE = "x" * 1_200_000  # past aiokafka's max_request_size (1 MiB): never publishable


def _event(mark: str, subject: str) -> Any:
    return new_event(
        ShelfMarkChanged(shelf_mark=mark),
        source="/rebub/ub/t",
        tenant="ub",
        subject=subject,
        clock=CLOCK,
    )


async def test_an_oversized_and_a_corrupt_entry_are_parked_and_twenty_others_are_published(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    """20 entries left by a crash over 10 documents; in the first document, an oversized entry
    comes before two good ones, and a corrupt entry (no topic) sits in another document."""
    topic = f"{namespace.topic_prefix}ub.test.v1"
    db = mongo_client[f"{namespace.database_prefix}ub_test"]
    collection = db["items"]
    good = [_event(f"027.{n}", f"d{n // 2}") for n in range(20)]
    oversized = _event(TOO_LARGE, "d0")
    documents = []
    for d in range(10):
        events = [(topic, f"d{d}", e) for e in good[2 * d : 2 * d + 2]]
        if d == 0:
            events.insert(0, (topic, "d0", oversized))
        documents.append({"_id": f"d{d}"} | _unflatten(outbox_set(events, first_seq=1)))
    documents[5]["outbox"]["corrupt-1"] = {"seq": 0, "key": "d5"}  # no topic, headers, data
    await collection.insert_many(documents)

    registry = CollectorRegistry()
    broker = make_broker(namespace.kafka(), client_id="test-parking")
    relay = OutboxRelay(collection, broker, interval_s=0.1, parked=parked_counter(registry))
    async with broker:
        await broker.start()
        relay.start()
        await _until_relayed(collection, [f"d{d}" for d in range(10)])
        await relay.stop()

    records = await _consume(namespace.backends.kafka_bootstrap, topic, 20)
    published = [dict(r.headers)["ce_id"].decode() for r in records]
    assert sorted(published) == sorted(e.envelope.id for e in good)  # each once, none lost
    assert oversized.envelope.id not in published
    parked = {p["event_id"]: p for p in await list_parked(db)}
    assert set(parked) == {oversized.envelope.id, "corrupt-1"}
    assert parked[oversized.envelope.id]["reason"].startswith("MessageSizeTooLargeError")
    assert parked[oversized.envelope.id]["document_id"] == "d0"
    assert parked["corrupt-1"]["reason"].startswith("ValidationError")
    stored = await db[PARKED].find_one({"_id": oversized.envelope.id})
    assert stored is not None
    assert stored["data"]["shelf_mark"] == TOO_LARGE  # kept whole, for an operator to fix
    assert (
        registry.get_sample_value(
            "rebub_outbox_parked_total",
            {"tenant": "ub", "topic": topic, "reason": "MessageSizeTooLargeError"},
        )
        == 1.0
    )
    doc = await collection.find_one({"_id": "d0"})
    assert doc is not None
    assert (doc["outbox"], doc[PENDING]) == ({}, False)


class _HangingBroker:
    """A broker whose publish waits as aiokafka does for metadata from a broker that is away
    (the real outage is in ``tests/robustness``)."""

    async def publish(self, *args: Any, **kwargs: Any) -> None:
        await asyncio.sleep(40)


async def test_a_command_relay_that_cannot_reach_the_broker_gives_up_within_its_bound(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    """The command's own relay returns after ``publish_timeout_s``; the entry stays in the outbox
    and the document is left to the loop."""
    topic = f"{namespace.topic_prefix}ub.test.v1"
    collection = mongo_client[f"{namespace.database_prefix}ub_test"]["items"]
    event = _event("944 BOR", "w1")
    await collection.insert_one(
        {"_id": "w1"} | _unflatten(outbox_set([(topic, "w1", event)], first_seq=1))
    )
    relay = OutboxRelay(collection, _HangingBroker(), publish_timeout_s=0.5)  # type: ignore[arg-type]
    started = time.monotonic()
    assert await relay.relay_soon("w1") == 0
    assert time.monotonic() - started < 5  # bounded, not the broker's 40 s
    assert relay.unsent == ["w1"]
    doc = await collection.find_one({"_id": "w1"})
    assert doc is not None
    assert list(doc["outbox"]) == [event.envelope.id]


async def test_an_erasure_removes_the_parked_entries_naming_the_person_and_keeps_the_others(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    db = mongo_client[f"{namespace.database_prefix}ub_erasure"]
    entries = {  # event id: (document id, entry as the outbox held it)
        "e-1": ("P-1", {"topic": "ub.patron.v1", "key": "P-1", "data": {"name": "Léa"}}),
        "e-2": ("L-7", {"topic": "ub.loan.v1", "key": "L-7", "data": {"patron_id": "P-1"}}),
        "e-3": ("P-2", {"topic": "ub.patron.v1", "key": "P-2", "data": {"patron_id": "P-2"}}),
    }
    for event_id, (document_id, entry) in entries.items():
        await park(
            db,
            collection="patrons",
            document_id=document_id,
            event_id=event_id,
            entry=entry,
            error=ValueError("not serialisable"),
            counter=None,
        )

    assert await ParkedPurge(db).purge(("P-1",), "r-1") == 2  # by its document, by its data
    assert [p["event_id"] for p in await list_parked(db)] == ["e-3"]
    assert await ParkedPurge(db).purge(("P-1",), "r-1") == 0

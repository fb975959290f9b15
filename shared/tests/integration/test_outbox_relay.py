"""The outbox relay against the real broker and store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, ClassVar

from aiokafka import AIOKafkaConsumer
from pymongo import AsyncMongoClient

from rebub.testing.commands import CommandLog
from rebub.testing.plugin import Namespace
from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import EventPayload, new_event
from rebub_shared.messaging import make_broker
from rebub_shared.outbox import PENDING, OutboxRelay, outbox_set


class ShelfMarkChanged(EventPayload):
    """A test payload."""

    event_type: ClassVar[str] = "fr.bordeaux.rebub.test.shelf-mark-changed.v1"
    shelf_mark: str


CLOCK = MovableClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))


async def _consume(bootstrap: str, topic: str, expected: int) -> list[Any]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    records: list[Any] = []
    try:
        for _ in range(20):
            batch = await consumer.getmany(timeout_ms=500)
            records += [r for rs in batch.values() for r in rs]
            if len(records) >= expected:
                break
    finally:
        await consumer.stop()
    return records


async def test_state_and_events_written_once_are_relayed_in_order_and_then_cleared(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    topic = f"{namespace.topic_prefix}ub.test.v1"
    collection = mongo_client[f"{namespace.database_prefix}ub_test"]["items"]
    events = [
        new_event(
            ShelfMarkChanged(shelf_mark=mark), source="/t", tenant="ub", subject="i1", clock=CLOCK
        )
        for mark in ("027.7 BIB", "027.7 BIB 2", "027.7 BIB 3")
    ]
    # One write: the state and its three pending events.
    await collection.insert_one(
        {"_id": "i1", "shelf_mark": "027.7 BIB 3"}
        | _unflatten(outbox_set([(topic, "i1", e) for e in events], first_seq=1))
    )
    broker = make_broker(namespace.kafka(), client_id="test-relay")
    relay = OutboxRelay(collection, broker)
    await relay.ensure_index()
    async with broker:
        await broker.start()
        assert await relay.relay() == 3
        assert await relay.relay() == 0  # nothing pending any more: nothing sent twice

    records = await _consume(namespace.backends.kafka_bootstrap, topic, 3)
    assert [dict(r.headers)["ce_id"].decode() for r in records] == [e.envelope.id for e in events]
    assert [r.key for r in records] == [b"i1"] * 3
    doc = await collection.find_one({"_id": "i1"})
    assert doc is not None
    assert (doc["outbox"], doc[PENDING]) == ({}, False)


async def test_an_entry_left_unflagged_by_a_crash_is_found_by_the_start_up_sweep(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    """A writer that added an entry just as the relay cleared the flag, then died before its own
    relay: the entry sits with ``outbox_pending: false``; the sweep at start-up publishes it."""
    topic = f"{namespace.topic_prefix}ub.test.v1"
    collection = mongo_client[f"{namespace.database_prefix}ub_test"]["items"]
    event = new_event(
        ShelfMarkChanged(shelf_mark="944 BOR"), source="/t", tenant="ub", subject="i2", clock=CLOCK
    )
    document = {"_id": "i2", "shelf_mark": "944 BOR"} | _unflatten(
        outbox_set([(topic, "i2", event)], first_seq=1)
    )
    await collection.insert_many([document | {PENDING: False}, {"_id": "i3", "shelf_mark": "1"}])
    broker = make_broker(namespace.kafka(), client_id="test-relay")
    relay = OutboxRelay(collection, broker, interval_s=0.1)
    async with broker:
        await broker.start()
        assert await relay.relay() == 0  # the flag-driven pass cannot see it
        relay.start()
        await _until_relayed(collection, ["i2"])
        await relay.stop()
    records = await _consume(namespace.backends.kafka_bootstrap, topic, 1)
    assert [dict(r.headers)["ce_id"].decode() for r in records] == [event.envelope.id]
    doc = await collection.find_one({"_id": "i2"})
    assert doc is not None
    assert (doc["outbox"], doc[PENDING]) == ({}, False)


async def test_documents_left_to_the_loop_are_relayed_by_id_without_a_sweep(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    """A bulk command hands its documents to the loop (``later``): published within an interval,
    while the next read of flagged documents is ten minutes away."""
    topic = f"{namespace.topic_prefix}ub.test.v1"
    collection = mongo_client[f"{namespace.database_prefix}ub_test"]["items"]
    broker = make_broker(namespace.kafka(), client_id="test-relay")
    relay = OutboxRelay(collection, broker, interval_s=0.1, sweep_interval_s=600)
    events = [
        new_event(
            ShelfMarkChanged(shelf_mark=f"R{n}"),
            source="/t",
            tenant="ub",
            subject=f"b{n}",
            clock=CLOCK,
        )
        for n in range(3)
    ]
    async with broker:
        await broker.start()
        relay.start()
        await asyncio.sleep(0.3)  # the start-up sweep has run over an empty collection
        await collection.insert_many(
            [
                {"_id": f"b{n}"} | _unflatten(outbox_set([(topic, f"b{n}", e)], first_seq=1))
                for n, e in enumerate(events)
            ]
        )
        relay.later(["b0", "b2"])
        await _until_relayed(collection, ["b0", "b2"])
        await relay.stop()
    records = await _consume(namespace.backends.kafka_bootstrap, topic, 2)
    assert sorted(dict(r.headers)["ce_id"].decode() for r in records) == sorted(
        [events[0].envelope.id, events[2].envelope.id]
    )
    left = await collection.find_one({"_id": "b1"})
    assert left is not None
    assert left[PENDING] is True  # for the next sweep


async def test_a_command_relays_the_documents_it_wrote_without_reading_them_and_removes_at_once(
    namespace: Namespace,
) -> None:
    """Two commands each write a document with its events and hand it to the relay as written:
    the store sees no read, and the removal of the three entries is one bulk write; a document
    handed over again with entries already removed sends nothing again."""
    topic = f"{namespace.topic_prefix}ub.test.v1"
    commands = CommandLog()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        namespace.backends.mongo_uri, event_listeners=[commands]
    )
    collection = client[f"{namespace.database_prefix}ub_test"]["items"]
    events = [
        new_event(
            ShelfMarkChanged(shelf_mark=f"W{n}"), source="/t", tenant="ub", subject="w", clock=CLOCK
        )
        for n in range(3)
    ]
    written = [
        {"_id": "w1"} | _unflatten(outbox_set([(topic, "w1", e) for e in events[:2]], first_seq=1)),
        {"_id": "w2"} | _unflatten(outbox_set([(topic, "w2", events[2])], first_seq=1)),
    ]
    broker = make_broker(namespace.kafka(), client_id="test-relay")
    relay = OutboxRelay(collection, broker, removal_linger_s=0.2)
    try:
        async with broker:
            await broker.start()
            for doc in written:
                await collection.insert_one(doc)
            commands.clear()
            sent = [await relay.relay_soon(doc["_id"], doc) for doc in written]
            assert (sent, commands.names) == ([2, 1], [])  # published, nothing read or written
            # What it published it knows (a consumer of our own events need not read the store).
            assert [relay.published(e.envelope.id) for e in events] == [True] * 3
            assert not relay.published("an-event-of-another-process")
            assert await relay.relay_soon("w1", written[0]) == 0  # published, removal waiting
            await asyncio.sleep(0.5)
            assert commands.names == ["update"]  # both documents' removals in one bulk write
            # A command's document written before that removal and relayed after it
            assert await relay.relay_soon("w1", written[0]) == 0  # removed: not sent again
            assert relay.published(events[0].envelope.id)  # its removal written: still known
            await relay.stop()
        records = await _consume(namespace.backends.kafka_bootstrap, topic, 3)
        assert [dict(r.headers)["ce_id"].decode() for r in records] == [
            e.envelope.id for e in events
        ]
        for doc in await collection.find({}).to_list():
            assert (doc["outbox"], doc[PENDING]) == ({}, False)
    finally:
        await client.close()


async def test_an_entry_the_sweep_published_first_is_not_sent_again_by_the_command(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    """A service starting: its sweep reads a request just written and publishes its event before
    the command that wrote it relays its own document. The command's relay sends nothing (CI at
    stop 24 read a request's ``created`` twice on its topic)."""
    topic = f"{namespace.topic_prefix}ub.test.v1"
    collection = mongo_client[f"{namespace.database_prefix}ub_test"]["items"]
    event = new_event(
        ShelfMarkChanged(shelf_mark="R1"), source="/t", tenant="ub", subject="s1", clock=CLOCK
    )
    written = {"_id": "s1"} | _unflatten(outbox_set([(topic, "s1", event)], first_seq=1))
    await collection.insert_one(written)
    broker = make_broker(namespace.kafka(), client_id="test-relay")
    relay = OutboxRelay(collection, broker)
    async with broker:
        await broker.start()
        assert await relay.sweep() == 1
        assert await relay.relay_soon("s1", written) == 0
        await relay.stop()
    records = await _consume(namespace.backends.kafka_bootstrap, topic, 2)
    assert [dict(r.headers)["ce_id"].decode() for r in records] == [event.envelope.id]


async def _until_relayed(collection: Any, ids: list[str]) -> None:
    """Wait until these documents' outboxes are empty (the consumer starts once the topic
    exists: one that subscribes before would not see it until its next metadata refresh)."""
    for _ in range(100):
        docs = await collection.find({"_id": {"$in": ids}}).to_list()
        if all(not doc.get("outbox") for doc in docs):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{ids} not relayed within 10 s")


def _unflatten(fields: dict[str, Any]) -> dict[str, Any]:
    """``outbox_set`` gives ``$set`` paths; an insert wants the nested document."""
    out: dict[str, Any] = {}
    for path, value in fields.items():
        head, _, rest = path.partition(".")
        if rest:
            out.setdefault(head, {})[rest] = value
        else:
            out[head] = value
    return out

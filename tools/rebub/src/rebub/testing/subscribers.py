"""Subscriber contract tests at unit level: a service's subscriber registered on a broker run by
FastStream's own in-memory ``TestKafkaBroker``, CloudEvents records published to it as their
producers would (binary mode headers, JSON data). Integration tests keep the real broker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from faststream.kafka import KafkaBroker, TestKafkaBroker

from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import EventPayload, new_event
from rebub_shared.host import register
from rebub_shared.service import BatchSubscriber, Subscriber
from rebub_shared.tenancy import TenantCode

#: When the published events say they happened.
SENT_AT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def record(
    data: EventPayload, tenant: TenantCode, key: str = "key"
) -> tuple[bytes, dict[str, str]]:
    """The value and headers of a CloudEvents record of ``data`` written by ``tenant``."""
    event = new_event(
        data,
        source=f"/rebub/{tenant}/test",
        tenant=tenant,
        subject=key,
        clock=MovableClock(SENT_AT),
    )
    return data.model_dump_json().encode(), event.envelope.headers()


async def deliver(
    subscriber: Subscriber | BatchSubscriber,
    events: Sequence[tuple[EventPayload, TenantCode]],
    *,
    topic: str | None = None,
) -> None:
    """Publish each ``(data, writing tenant)`` to the subscriber's (first) topic, in order, on
    an in-memory broker; a batch subscriber gets them as one batch."""
    broker = KafkaBroker()
    register(broker, subscriber)
    target = topic or subscriber.consumption.topics[0]
    async with TestKafkaBroker(broker) as test_broker:
        records = [record(data, tenant, key=data.event_type) for data, tenant in events]
        if isinstance(subscriber, BatchSubscriber):  # one batch: the records share headers
            values = [value for value, _ in records]
            await test_broker.publish_batch(*values, topic=target, headers=records[0][1])
            return
        for value, headers in records:
            await test_broker.publish(value, target, key=b"key", headers=headers)


async def deliver_tombstone(
    subscriber: Subscriber,
    key: str,
    *,
    topic: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Publish a tombstone (``key``, null value, ``headers``) to the subscriber's (first) topic."""
    broker = KafkaBroker()
    register(broker, subscriber)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(
            None, topic or subscriber.consumption.topics[0], key=key.encode(), headers=headers
        )

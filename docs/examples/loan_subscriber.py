"""A subscriber of one institution's loan events, as docs/subscribers.md describes it: its own
consumer group (``{inst}.subscriber.<name>.<purpose>``, readable with the read-only KafkaUser),
each record parsed by the CloudEvents SDK, the newest ``version`` of each loan kept (older or
repeated deliveries skipped), the offset committed after the record is handled (at least once).

A new subscriber starts from the current state: ``read_state`` reads the compacted loan-state
topic to its end (the open loans), then ``follow_loans`` follows the events from a moment before
that read, skipping what the state already holds.

Run by the suite (tests/subscribers/test_example_consumer.py); nothing in it is rebub's code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.abc import ConsumerRebalanceListener
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

OnLoan = Callable[[str, str | None, dict[str, Any]], Awaitable[None]]


def _event(record: ConsumerRecord[bytes, bytes]) -> tuple[str, str | None, dict[str, Any]]:
    """A record's CloudEvent type, Alma code and loan (the whole loan after the change)."""
    event = from_binary_event(KafkaMessage(dict(record.headers), record.key, record.value))
    data = event.get_data()
    return (
        event.get_type(),
        event.get_extension("almaevent"),
        (data if isinstance(data, dict) else {})["loan"],
    )


async def read_state(bootstrap: str, topic: str, **security: Any) -> dict[str, dict[str, Any]]:
    """The open loans by loan id: the compacted loan-state topic read from its start to the end
    offsets it had when we began (no group: nothing to commit); a tombstone (null value) is a
    loan closed since, and removes it."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", **security
    )
    await consumer.start()  # without a group, every partition of the topic is assigned
    try:
        partitions = consumer.assignment()
        ends = await consumer.end_offsets(partitions)
        loans: dict[str, dict[str, Any]] = {}
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                for record in batch:
                    if record.value is None:
                        loans.pop(record.key.decode(), None)
                    else:
                        loan = _event(record)[2]
                        loans[loan["loan_id"]] = loan
        return loans
    finally:
        await consumer.stop()


class _StartAt(ConsumerRebalanceListener):  # type: ignore[misc]
    """The partitions the group has no offset for start at the first event at or after
    ``since_ms`` (the end if there is none); the others resume where the group stopped."""

    def __init__(self, consumer: AIOKafkaConsumer, since_ms: int) -> None:
        self.consumer, self.since_ms = consumer, since_ms

    async def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    async def on_partitions_assigned(self, assigned: Any) -> None:
        fresh = [tp for tp in assigned if await self.consumer.committed(tp) is None]
        found = await self.consumer.offsets_for_times(dict.fromkeys(fresh, self.since_ms))
        for tp, at in found.items():
            if at is None:
                await self.consumer.seek_to_end(tp)
            else:
                self.consumer.seek(tp, at.offset)


async def follow_loans(
    bootstrap: str,
    topic: str,
    group: str,
    on_loan: OnLoan,
    *,
    records: int,
    known: Mapping[str, int] | None = None,
    since_ms: int | None = None,
    **security: Any,
) -> dict[str, int]:
    """Hand each new loan state to ``on_loan(type, alma code, loan)``; stop after ``records``
    records (a real subscriber runs forever). ``known``: each loan's version already held (from
    ``read_state``); ``since_ms``: where a new group starts (else from the earliest event kept).
    Returns the newest version seen per loan."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",  # a new subscriber starts from what the topic still holds
        **security,
    )
    consumer.subscribe([topic], listener=None if since_ms is None else _StartAt(consumer, since_ms))
    newest = dict(known or {})
    await consumer.start()
    try:
        for _ in range(records):
            kind, alma, loan = _event(await consumer.getone())
            if loan["version"] > newest.get(loan["loan_id"], 0):
                newest[loan["loan_id"]] = loan["version"]
                await on_loan(kind, alma, loan)
            await consumer.commit()  # after handling: a crash replays, never skips
    finally:
        await consumer.stop()
    return newest

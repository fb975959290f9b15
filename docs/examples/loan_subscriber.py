"""A subscriber of one institution's loan events, as docs/subscribers.md describes it: its own
consumer group (``{inst}.subscriber.<name>.<purpose>``, readable with the read-only KafkaUser),
each record parsed by the CloudEvents SDK, the newest ``version`` of each loan kept (older or
repeated deliveries skipped), the offset committed after the record is handled (at least once).

Run by the suite (tests/subscribers/test_example_consumer.py); nothing in it is rebub's code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

OnLoan = Callable[[str, str | None, dict[str, Any]], Awaitable[None]]


async def follow_loans(
    bootstrap: str, topic: str, group: str, on_loan: OnLoan, *, records: int, **security: Any
) -> dict[str, int]:
    """Hand each new loan state to ``on_loan(type, alma code, loan)``; stop after ``records``
    records (a real subscriber runs forever). Returns the newest version seen per loan."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",  # a new subscriber starts from what the topic still holds
        **security,
    )
    newest: dict[str, int] = {}
    await consumer.start()
    try:
        for _ in range(records):
            record = await consumer.getone()
            event = from_binary_event(KafkaMessage(dict(record.headers), record.key, record.value))
            data = event.get_data()
            loan = (data if isinstance(data, dict) else {})["loan"]
            if loan["version"] > newest.get(loan["loan_id"], 0):
                newest[loan["loan_id"]] = loan["version"]
                await on_loan(event.get_type(), event.get_extension("almaevent"), loan)
            await consumer.commit()  # after handling: a crash replays, never skips
    finally:
        await consumer.stop()
    return newest

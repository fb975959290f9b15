"""``rebub dlq``: read, explain and redrive the dead letters of each tenant's consumers.

A consumer sends what it cannot process to ``{tenant}.dlq.<topic>`` with the reason and where the
record came from in ``dlq_*`` headers (``rebub_shared.messaging.DeadLetters``). Once the cause is
fixed (a consumer's bug, a missing reference), ``redrive`` publishes each pending record again to
its original topic with its own key, value and headers (consumers are idempotent on ``ce_id``).

Each dead letter has a key of its own (the consumer and where it read the record); its original
key is in the ``dlq_key`` header, and a redrive publishes it with that key. A dead letter whose key's
last record is a tombstone (an erasure's: ``rebub_shared.dead_letter_purge``) is neither listed nor
redriven: the broker's cleaner removes it within a day.

What was redriven (or discarded) is remembered as the committed offset of the tenant's group
``{tenant}.rebub.dlq-redrive`` on the dead-letter topic: a record is redriven once, in order,
whoever runs the command again. ``--dry-run`` says what would be published and publishes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from rebub_shared.dead_letter_purge import KEY_PREFIX, ORIGINAL_KEY_HEADER
from rebub_shared.tenancy import TenantCode, check_tenant
from rebub_shared.topics import DEAD_LETTER_SUFFIX, Topics

PREVIEW = 200
DLQ_HEADERS = ("dlq_reason", "dlq_topic", "dlq_partition", "dlq_offset", ORIGINAL_KEY_HEADER)
REDRIVEN_FROM = "rebub_redriven_from"


@dataclass
class DeadLetter:
    """One record of a dead-letter topic, with where it came from and why it is there."""

    dlq_topic: str
    offset: int
    tenant: str
    reason: str
    topic: str  # the original topic
    partition: int | None
    original_offset: int | None
    key: str | None
    ce_type: str | None
    ce_id: str | None
    preview: str
    redriven: bool
    value: bytes = field(repr=False, default=b"")
    headers: dict[str, str] = field(repr=False, default_factory=dict)

    def as_json(self, *, whole: bool = False) -> dict[str, Any]:
        out = asdict(self)
        del out["value"]
        if whole:
            out["payload"] = self.value.decode("utf-8", errors="replace")
        else:
            del out["headers"]
        return out


def redrive_group(topics: Topics, tenant: TenantCode) -> str:
    """The group whose committed offset on a dead-letter topic marks what was redriven."""
    return topics.group(tenant, "rebub", "dlq-redrive")


def tenant_of(dlq_topic: str, topics: Topics) -> str:
    return dlq_topic.removeprefix(topics.prefix).split(DEAD_LETTER_SUFFIX + ".", 1)[0]


async def dead_letter_topics(
    bootstrap: str,
    topics: Topics,
    *,
    tenant: TenantCode | None = None,
    topic: str | None = None,
    **client: Any,
) -> list[str]:
    """The dead-letter topics on the broker, of one tenant and one original topic if given."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client)
    await admin.start()
    try:
        names = await admin.list_topics()
    finally:
        await admin.close()
    found = []
    for name in sorted(names):
        bare = name.removeprefix(topics.prefix)
        if not name.startswith(topics.prefix) or DEAD_LETTER_SUFFIX + "." not in bare:
            continue
        owner, _, original = bare.partition(DEAD_LETTER_SUFFIX + ".")
        try:
            check_tenant(owner)
        except ValueError:
            continue
        if tenant and owner != tenant:
            continue
        if topic and topic not in (original, topics.prefix + original, name):
            continue
        found.append(name)
    return found


def _dead_letter(record: Any, topics: Topics, committed: int) -> DeadLetter:
    headers = {k: v.decode("utf-8", errors="replace") for k, v in record.headers or ()}

    def number(name: str) -> int | None:
        text = headers.get(name, "")
        return int(text) if text.lstrip("-").isdigit() else None

    value = record.value or b""
    key = record.key.decode("utf-8", errors="replace") if record.key is not None else None
    if ORIGINAL_KEY_HEADER in headers:
        key = headers[ORIGINAL_KEY_HEADER]
    elif key is not None and key.startswith(KEY_PREFIX):  # its own id: the original had none
        key = None
    return DeadLetter(
        dlq_topic=record.topic,
        offset=record.offset,
        tenant=tenant_of(record.topic, topics),
        reason=headers.get("dlq_reason", "?"),
        topic=headers.get("dlq_topic", "?"),
        partition=number("dlq_partition"),
        original_offset=number("dlq_offset"),
        key=key,
        ce_type=headers.get("ce_type"),
        ce_id=headers.get("ce_id"),
        preview=value[:PREVIEW].decode("utf-8", errors="replace"),
        redriven=record.offset < committed,
        value=value,
        headers=headers,
    )


@asynccontextmanager
async def _redrive_position(
    bootstrap: str, dlq_topic: str, topics: Topics, **client: Any
) -> AsyncIterator[tuple[AIOKafkaConsumer, TopicPartition]]:
    """A consumer of the tenant's redrive group on the dead-letter topic's one partition (the
    topic table gives dead-letter topics one: order does not matter there)."""
    tenant = check_tenant(tenant_of(dlq_topic, topics))
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=redrive_group(topics, tenant),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **client,
    )
    await consumer.start()
    try:
        tp = TopicPartition(dlq_topic, 0)
        consumer.assign([tp])
        yield consumer, tp
    finally:
        await consumer.stop()


async def read_dead_letters(
    bootstrap: str, dlq_topic: str, topics: Topics, **client: Any
) -> list[DeadLetter]:
    """Every record held by ``dlq_topic``, oldest first, each marked redriven or pending."""
    async with _redrive_position(bootstrap, dlq_topic, topics, **client) as (consumer, tp):
        end = (await consumer.end_offsets([tp]))[tp]
        committed = await consumer.committed(tp) or 0
        # An explicit seek: ``seek_to_beginning`` races with the reset that assigning starts.
        consumer.seek(tp, (await consumer.beginning_offsets([tp]))[tp])
        records: list[Any] = []
        while await consumer.position(tp) < end:
            records += (await consumer.getmany(tp, timeout_ms=1000)).get(tp, [])
        # An erased dead letter: its key's last record is a tombstone (none of them listed).
        last = {r.key: r for r in records if r.key is not None}
        erased = {k for k, r in last.items() if r.value is None}
        kept = [r for r in records if r.value is not None and r.key not in erased]
        return [_dead_letter(r, topics, committed) for r in kept]


def redriven_headers(letter: DeadLetter) -> list[tuple[str, bytes]]:
    """The record's own headers, without the dead-letter ones, and where it was redriven from."""
    kept = {k: v for k, v in letter.headers.items() if k not in DLQ_HEADERS}
    kept[REDRIVEN_FROM] = f"{letter.dlq_topic}:{letter.offset}"
    return [(k, v.encode()) for k, v in kept.items()]


async def redrive(
    bootstrap: str,
    dlq_topic: str,
    topics: Topics,
    *,
    upto: int | None = None,
    dry_run: bool = False,
    discard: bool = False,
    **client: Any,
) -> list[DeadLetter]:
    """Publish the pending records of ``dlq_topic`` (up to offset ``upto`` included) to their
    original topics, in order, then remember them as redriven; ``discard`` remembers them
    without publishing; ``dry_run`` only answers which records it would take."""
    letters = await read_dead_letters(bootstrap, dlq_topic, topics, **client)
    chosen = [d for d in letters if not d.redriven and (upto is None or d.offset <= upto)]
    if dry_run or not chosen:
        return chosen
    if not discard:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **client)
        await producer.start()
        try:
            for d in chosen:
                await producer.send_and_wait(
                    d.topic,
                    d.value,
                    key=d.key.encode() if d.key is not None else None,
                    partition=d.partition if d.key is None else None,
                    headers=redriven_headers(d),
                )
        finally:
            await producer.stop()
    await _commit(bootstrap, dlq_topic, topics, chosen[-1].offset + 1, **client)
    return chosen


async def _commit(
    bootstrap: str, dlq_topic: str, topics: Topics, offset: int, **client: Any
) -> None:
    async with _redrive_position(bootstrap, dlq_topic, topics, **client) as (consumer, tp):
        await consumer.commit({tp: OffsetAndMetadata(offset, "")})

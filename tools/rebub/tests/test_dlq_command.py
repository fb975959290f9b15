"""``rebub dlq``: a dead letter is listed with its reason and origin, a dry run publishes nothing,
a redrive republishes the record once to its original topic, and a consumer fixed since
processes it once; an erasure tombstones the person's dead letters and leaves the others (real
broker)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from typer.testing import CliRunner

from rebub.cli import app
from rebub.dlq import DeadLetter, read_dead_letters, redrive
from rebub.testing.plugin import Namespace
from rebub.testing.samples import loan_snapshot
from rebub.testing.subscribers import record
from rebub.testing.waiting import eventually
from rebub_shared.cloudevents import Event
from rebub_shared.contracts.loans import LoanCreated
from rebub_shared.dead_letter_purge import DeadLetterPurge
from rebub_shared.host import register
from rebub_shared.messaging import DeadLetters, dead_letter_middleware
from rebub_shared.runtime import ensure_topics
from rebub_shared.service import Consumption, On, Subscriber
from rebub_shared.settings import KafkaSettings
from rebub_shared.topic_table import topic_spec

FIXED = b'{"primary_id": "P-1", "version": 3}'


async def _dead_letter(namespace: Namespace, registry: CollectorRegistry) -> str:
    """ub's consumer of nz.patron.v1 dead-letters one record, as the middleware does."""
    topics = namespace.topics
    bootstrap = namespace.backends.kafka_bootstrap
    # As a service's start does: the topic it reads and its dead-letter topic.
    names = (topics.nz_patron, topics.dead_letter(topics.nz_patron, "ub"))
    await ensure_topics(bootstrap, [topic_spec(name, topics) for name in names])
    broker = KafkaBroker(bootstrap)
    await broker.connect()
    try:
        return await DeadLetters(broker, topics, "ub", registry).send(
            topic=topics.nz_patron,
            value=FIXED,
            key=b"P-1",
            headers={
                "ce_id": "ev-1",
                "ce_type": "fr.bordeaux.rebub.nz.patron.v1",
                "ce_tenant": "network",
            },
            reason="ValidationError: version missing",
            partition=0,
            offset=7,
        )
    finally:
        await broker.stop()


async def _records(bootstrap: str, topic: str, partitions: int) -> list[Any]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        for tp, first in (await consumer.beginning_offsets(tps)).items():
            consumer.seek(tp, first)
        records: list[Any] = []
        for tp in tps:
            while await consumer.position(tp) < ends[tp]:
                records += (await consumer.getmany(tp, timeout_ms=1000)).get(tp, [])
        return records
    finally:
        await consumer.stop()


def test_a_dead_letter_is_listed_then_redriven_once_and_a_dry_run_publishes_nothing(
    namespace: Namespace,
) -> None:
    registry = CollectorRegistry()
    dlq = asyncio.run(_dead_letter(namespace, registry))
    bootstrap = namespace.backends.kafka_bootstrap
    options = ["--bootstrap", bootstrap, "--prefix", namespace.topic_prefix]
    original = namespace.topics.nz_patron
    assert dlq == f"{namespace.topic_prefix}ub.dlq.nz.patron.v1"
    assert (
        registry.get_sample_value("rebub_dead_letters_total", {"tenant": "ub", "topic": original})
        == 1.0
    )

    listed = CliRunner().invoke(app, ["dlq", "list", "--tenant", "ub", "--json", *options])
    assert listed.exit_code == 0, listed.output
    [letter] = json.loads(listed.output)
    assert (letter["topic"], letter["partition"], letter["original_offset"]) == (original, 0, 7)
    assert (letter["reason"], letter["key"], letter["redriven"]) == (
        "ValidationError: version missing",
        "P-1",
        False,
    )
    assert letter["preview"] == FIXED.decode()
    assert (
        json.loads(
            CliRunner().invoke(app, ["dlq", "list", "--tenant", "bsa", "--json", *options]).output
        )
        == []
    )

    dry = CliRunner().invoke(app, ["dlq", "redrive", dlq, "--dry-run", *options])
    assert dry.exit_code == 0, dry.output
    assert "1 record(s) would be redriven" in dry.output
    assert (
        asyncio.run(
            _records(bootstrap, original, topic_spec(original, namespace.topics).partitions)
        )
        == []
    )

    done = CliRunner().invoke(app, ["dlq", "redrive", dlq, *options])
    again = CliRunner().invoke(app, ["dlq", "redrive", dlq, *options])

    assert done.exit_code == 0, done.output
    assert "1 record(s) redriven" in done.output
    assert "0 record(s) redriven" in again.output
    [record] = asyncio.run(
        _records(bootstrap, original, topic_spec(original, namespace.topics).partitions)
    )
    headers = {k: v.decode() for k, v in record.headers}
    assert (record.key, record.value) == (b"P-1", FIXED)
    assert headers["ce_id"] == "ev-1"
    assert headers["rebub_redriven_from"] == f"{dlq}:0"
    assert not any(k.startswith("dlq_") for k in headers)
    shown = CliRunner().invoke(app, ["dlq", "show", dlq, "0", *options])
    assert json.loads(shown.output)["redriven"] is True


async def test_a_consumer_fixed_since_processes_the_redriven_record_once(
    namespace: Namespace,
) -> None:
    """A consumer's bug dead-letters records; a record beyond repair is discarded, and once the
    consumer is fixed the redrive hands the other back to it, which processes it once (the
    record after it shows the consumer went on); both leave nothing unhandled."""
    topics, bootstrap = namespace.topics, namespace.backends.kafka_bootstrap
    loans, dlq = topics.loan("ub"), topics.dead_letter(topics.loan("ub"), "ub")
    await ensure_topics(bootstrap, [topic_spec(name, topics) for name in (loans, dlq)])
    fixed, processed = False, []

    async def on_created(event: Event[LoanCreated]) -> None:
        if not fixed or event.data.loan.loan_id == "X":
            raise ValueError("a bug: loans of BUST cannot be handled yet")
        processed.append(event.data.loan.loan_id)

    broker = KafkaBroker(bootstrap)
    broker.add_middleware(dead_letter_middleware(DeadLetters(broker, topics, "ub")))
    consumption = Consumption(
        "loans", f"{namespace.topic_prefix}ub.test.loans", (loans,), (LoanCreated,)
    )
    register(broker, Subscriber(consumption, (On(LoanCreated, on_created),), fast=True))

    async def publish(loan_id: str) -> None:
        value, headers = record(LoanCreated(loan=loan_snapshot(loan_id)), "ub", key=loan_id)
        await broker.publish(value, loans, key=b"P-42", headers=headers)

    async def dead_letters() -> list[DeadLetter]:
        found = await read_dead_letters(bootstrap, dlq, topics)
        return found if len(found) == 2 else []

    async def both_processed() -> bool:
        return len(processed) == 2

    async with broker:
        await broker.start()
        await publish("X")  # beyond repair
        await publish("L1")
        beyond, letter = await eventually(dead_letters, "X and L1 dead-lettered")
        assert letter.reason.startswith("ValueError: a bug")
        [discarded] = await redrive(bootstrap, dlq, topics, upto=beyond.offset, discard=True)
        fixed = True  # the fix deployed
        [redriven] = await redrive(bootstrap, dlq, topics)
        await publish("L2")
        await eventually(both_processed)
        assert await redrive(bootstrap, dlq, topics) == []  # nothing left to redrive

    assert processed == ["L1", "L2"]  # X discarded, never published again
    assert (discarded.offset, redriven.offset) == (beyond.offset, letter.offset)
    assert [d.redriven for d in await dead_letters()] == [True, True]  # what the alert reads


async def _two_dead_letters_then_an_erasure(namespace: Namespace) -> tuple[str, int, list[Any]]:
    """ub's circulation and notifier each dead-letter a record about P-1 (one on a patron
    topic, one whose key is not P-1 but whose payload names it), and one about P-2; then an
    erasure of P-1 purges ub's dead letters."""
    topics, bootstrap = namespace.topics, namespace.backends.kafka_bootstrap
    patrons = topics.patron("ub")
    dlq = topics.dead_letter(patrons, "ub")
    await ensure_topics(bootstrap, [topic_spec(n, topics) for n in (patrons, dlq)])
    broker = KafkaBroker(bootstrap)
    await broker.connect()
    try:
        for service, key, value, offset in (
            ("circulation", b"P-1", b'{"email": "p1@example.org"}', 3),
            ("notifier", b"P-1", b'{"email": "p1@example.org"}', 3),  # same record, other reader
            ("notifier", b"L-9", b'{"loan": {"patron_id": "P-1"}}', 4),
            ("notifier", b"P-2", b'{"patron": {"account_id": "P-2"}}', 5),
        ):
            await DeadLetters(broker, topics, "ub", service=service).send(
                topic=patrons,
                value=value,
                key=key,
                headers={},
                reason="Bad",
                partition=0,
                offset=offset,
            )
        settings = KafkaSettings(bootstrap=bootstrap, topic_prefix=namespace.topic_prefix)
        purged = await DeadLetterPurge(settings, topics, "ub", broker).purge(("P-1",), "r-1")
        again = await DeadLetterPurge(settings, topics, "ub", broker).purge(("P-1",), "r-1")
        assert again == 0  # each key's last record is already a tombstone
    finally:
        await broker.stop()
    return dlq, purged, await _records(bootstrap, dlq, 1)


def test_an_erasure_tombstones_the_persons_dead_letters_and_leaves_the_others(
    namespace: Namespace,
) -> None:
    dlq, purged, records = asyncio.run(_two_dead_letters_then_an_erasure(namespace))

    last = {r.key: r for r in records}
    assert purged == 3
    assert len(last) == 4  # one key per dead letter: two readers of one record are two
    erased = {k for k, r in last.items() if r.value is None}
    assert {dict(last[k].headers)["rebub_erasure"] for k in erased} == {b"r-1"}
    (kept,) = set(last) - erased
    assert last[kept].value == b'{"patron": {"account_id": "P-2"}}'
    options = ["--bootstrap", namespace.backends.kafka_bootstrap]
    options += ["--prefix", namespace.topic_prefix]
    listed = CliRunner().invoke(app, ["dlq", "list", "--tenant", "ub", "--json", *options])
    assert [d["key"] for d in json.loads(listed.output)] == ["P-2"]  # tombstoned ones hidden
    dry = CliRunner().invoke(app, ["dlq", "redrive", dlq, "--dry-run", *options])
    assert "1 record(s) would be redriven" in dry.output

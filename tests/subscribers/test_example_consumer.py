"""The example subscriber of docs/subscribers.md runs against the real broker on records written
as circulation writes them: each loan state once, newest version only, in order per loan; a new
subscriber starts from the compacted loan state, then follows the events."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from rebub.testing.plugin import Namespace
from rebub.testing.samples import DUE_AT, loan_snapshot
from rebub.testing.subscribers import record
from rebub_shared.cloudevents import EventPayload
from rebub_shared.contracts import loans as contract

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "loan_subscriber.py"


def example() -> Any:
    spec = importlib.util.spec_from_file_location("loan_subscriber", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def loan(version: int, status: str = "active") -> contract.LoanSnapshot:
    return loan_snapshot(patron_id="P1", status=status, version=version)


async def publish(
    bootstrap: str, *records: tuple[str, str, EventPayload | None], at_ms: int | None = None
) -> None:
    """Publish each ``(topic, key, data)`` as circulation does (``None``: a tombstone), stamped
    ``at_ms`` (else now)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for topic, key, data in records:
            value, headers = record(data, "ub", key=key) if data else (None, {})
            encoded = [(k, v.encode()) for k, v in headers.items()]
            await producer.send_and_wait(
                topic, value, key=key.encode(), headers=encoded, timestamp_ms=at_ms
            )
    finally:
        await producer.stop()


async def test_the_example_subscriber_keeps_each_loan_s_newest_state(namespace: Namespace) -> None:
    created = contract.LoanCreated(loan=loan(1))
    returned = contract.LoanReturned(loan=loan(2, "returned"))
    topic = namespace.topics.loan("ub")
    bootstrap = namespace.backends.kafka_bootstrap
    # created, returned, then created again (a redelivery): key = patron id
    await publish(bootstrap, *((topic, "P1", data) for data in (created, returned, created)))

    seen: list[tuple[str, str | None, int]] = []

    async def on_loan(kind: str, alma: str | None, state: dict[str, Any]) -> None:
        seen.append((kind, alma, state["version"]))

    group = f"{namespace.topic_prefix}ub.subscriber.example.loans"
    newest = await example().follow_loans(bootstrap, topic, group, on_loan, records=3)
    assert seen == [
        ("fr.bordeaux.rebub.loan.created.v1", "LOAN_CREATED", 1),
        ("fr.bordeaux.rebub.loan.returned.v1", "LOAN_RETURNED", 2),
    ]
    assert newest == {"L1": 2}


async def test_a_new_subscriber_starts_from_the_open_loans_then_follows_the_events(
    namespace: Namespace,
) -> None:
    events, states = namespace.topics.loan("ub"), namespace.topics.loan_state("ub")
    bootstrap = namespace.backends.kafka_bootstrap
    now_ms = int(time.time() * 1000)
    kept = loan_snapshot("L1", patron_id="P1")
    closed = loan_snapshot("L2", patron_id="P1")
    returned = loan_snapshot("L2", patron_id="P1", status="returned", version=2)
    await publish(  # two hours ago: L1 lent, L2 lent and returned (its state a tombstone)
        bootstrap,
        (events, "P1", contract.LoanCreated(loan=kept)),
        (states, "L1", contract.LoanState(loan=kept)),
        (events, "P1", contract.LoanCreated(loan=closed)),
        (states, "L2", contract.LoanState(loan=closed)),
        (events, "P1", contract.LoanReturned(loan=returned)),
        (states, "L2", None),
        at_ms=now_ms - 2 * 3600_000,
    )
    subscriber = example()
    state = await subscriber.read_state(bootstrap, states)
    assert {loan_id: loan["version"] for loan_id, loan in state.items()} == {"L1": 1}

    renewed = loan_snapshot("L1", patron_id="P1", version=2, due_date="2026-10-29T21:59:00Z")
    await publish(  # then L1 is renewed, and its creation is delivered again (a repeat)
        bootstrap,
        (events, "P1", contract.LoanRenewed(loan=renewed, previous_due_date=DUE_AT)),
        (events, "P1", contract.LoanCreated(loan=kept)),
    )
    seen: list[tuple[str, str, int]] = []

    async def on_loan(kind: str, alma: str | None, loan: dict[str, Any]) -> None:
        seen.append((kind, loan["loan_id"], loan["version"]))

    newest = await subscriber.follow_loans(
        bootstrap,
        events,
        f"{namespace.topic_prefix}ub.subscriber.example.loans",
        on_loan,
        records=2,  # from an hour ago: the two new events, not the old ones
        known={loan_id: loan["version"] for loan_id, loan in state.items()},
        since_ms=now_ms - 3600_000,
    )
    assert seen == [("fr.bordeaux.rebub.loan.renewed.v1", "L1", 2)]
    assert newest == {"L1": 2}

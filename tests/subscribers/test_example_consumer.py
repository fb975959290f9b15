"""The example subscriber of docs/subscribers.md runs against the real broker on records written
as circulation writes them: each loan state once, newest version only, in order per loan."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from rebub.testing.plugin import Namespace
from rebub.testing.samples import loan_snapshot
from rebub.testing.subscribers import record
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


async def test_the_example_subscriber_keeps_each_loan_s_newest_state(namespace: Namespace) -> None:
    created = contract.LoanCreated(loan=loan(1))
    returned = contract.LoanReturned(loan=loan(2, "returned"))
    topic = namespace.topics.loan("ub")
    bootstrap = namespace.backends.kafka_bootstrap
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:  # created, returned, then created again (a redelivery): key = patron id
        for data in (created, returned, created):
            value, headers = record(data, "ub", key="L1")
            encoded = [(k, v.encode()) for k, v in headers.items()]
            await producer.send_and_wait(topic, value, key=b"P1", headers=encoded)
    finally:
        await producer.stop()

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

"""``rebub parked list|show|retry`` reads the entries each tenant's services parked and puts one
back into its document's outbox."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import MessageSizeTooLargeError, TopicAuthorizationFailedError
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from typer.testing import CliRunner

from rebub.cli import app
from rebub.testing.plugin import Namespace
from rebub_shared.outbox import OutboxRelay
from rebub_shared.parking import park


async def _park_two(uri: str, prefix: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    for tenant, event_id in (("ub", "L-1:1"), ("bsa", "L-9:1")):
        await park(
            client[f"{prefix}{tenant}_circulation"],
            collection="loans",
            document_id=event_id.split(":")[0],
            event_id=event_id,
            entry={
                "seq": 1,
                "topic": f"{tenant}.circulation.loan.v1",
                "key": "P-1",
                "headers": {"ce_tenant": tenant, "ce_type": "fr.bordeaux.rebub.loan.created.v1"},
                "data": {"loan": {"title": "x" * 10}},
            },
            error=MessageSizeTooLargeError("The message is 1200231 bytes when serialized"),
            counter=None,
            now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        )
    await client.close()


def test_parked_entries_are_listed_per_tenant_with_their_reason(namespace: Namespace) -> None:
    """The command runs its own event loop, as from a shell: this test is synchronous."""
    prefix, uri = namespace.database_prefix, namespace.backends.mongo_uri
    asyncio.run(_park_two(uri, prefix))
    options = ["--mongo-uri", uri, "--prefix", prefix]

    listed = CliRunner().invoke(app, ["parked", "list", "--tenant", "ub", "--json", *options])

    assert listed.exit_code == 0, listed.output
    [entry] = json.loads(listed.output)
    assert (entry["service"], entry["event_id"], entry["document_id"]) == (
        "circulation",
        "L-1:1",
        "L-1",
    )
    assert entry["reason"].startswith("MessageSizeTooLargeError")
    assert "1200231 bytes" in entry["reason"]
    every = CliRunner().invoke(app, ["parked", "list", *options])
    assert every.exit_code == 0, every.output
    assert [line.split()[0] for line in every.output.splitlines()] == ["ub", "bsa"]
    wrong = CliRunner().invoke(app, ["parked", "list", "--tenant", "ucl", *options])
    assert wrong.exit_code == 1
    assert "unknown tenant 'ucl'" in wrong.output


def _client(namespace: Namespace) -> AsyncMongoClient[dict[str, Any]]:
    return AsyncMongoClient(namespace.backends.mongo_uri, tz_aware=True)


async def _park_refused(namespace: Namespace) -> None:
    """A loan's event parked because its topic was refused (the ACL since granted)."""
    client = _client(namespace)
    db = client[f"{namespace.database_prefix}ub_circulation"]
    await db["loans"].insert_one({"_id": "L-7", "outbox": {}, "outbox_pending": False})
    await park(
        db,
        collection="loans",
        document_id="L-7",
        event_id="ev-7",
        entry={
            "seq": 4,
            "topic": namespace.topics.loan("ub"),
            "key": "P-7",
            "headers": {"ce_tenant": "ub", "ce_id": "ev-7"},
            "data": {"loan_id": "L-7"},
        },
        error=TopicAuthorizationFailedError(),
        counter=None,
    )
    await client.close()


async def _relay_flagged(namespace: Namespace) -> int:
    client = _client(namespace)
    db = client[f"{namespace.database_prefix}ub_circulation"]
    broker = KafkaBroker(namespace.backends.kafka_bootstrap)
    await broker.connect()
    try:
        return await OutboxRelay(db["loans"], broker).relay()
    finally:
        await broker.stop()
        await client.close()


def test_a_parked_entry_is_put_back_into_its_outbox_and_published_and_a_dry_run_moves_nothing(
    namespace: Namespace,
) -> None:
    asyncio.run(_park_refused(namespace))
    uri, prefix = namespace.backends.mongo_uri, namespace.database_prefix
    options = ["--tenant", "ub", "--mongo-uri", uri, "--prefix", prefix]

    shown = CliRunner().invoke(app, ["parked", "show", "ev-7", *options])
    dry = CliRunner().invoke(app, ["parked", "retry", "ev-7", "--dry-run", *options])

    assert json.loads(shown.output)["data"] == {"loan_id": "L-7"}
    assert "would be put back into circulation loans L-7" in dry.output
    assert (
        len(json.loads(CliRunner().invoke(app, ["parked", "list", "--json", *options]).output)) == 1
    )

    done = CliRunner().invoke(app, ["parked", "retry", "ev-7", *options])

    assert done.exit_code == 0, done.output
    assert json.loads(CliRunner().invoke(app, ["parked", "list", "--json", *options]).output) == []
    assert asyncio.run(_relay_flagged(namespace)) == 1
    missing = CliRunner().invoke(app, ["parked", "retry", "ev-7", *options])
    assert missing.exit_code == 1
    assert "no parked entry 'ev-7'" in missing.output

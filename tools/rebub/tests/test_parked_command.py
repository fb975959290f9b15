"""``rebub parked list`` reads the entries each tenant's services parked."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import MessageSizeTooLargeError
from pymongo import AsyncMongoClient
from typer.testing import CliRunner

from rebub.cli import app
from rebub.testing.plugin import Namespace
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

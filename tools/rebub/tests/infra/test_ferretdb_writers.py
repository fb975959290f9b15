"""Two writers of one document: the store the services are given keeps every update.

FerretDB v1 reads a document, applies an update in Go and writes the document back whole,
without isolating two writers of it: over a pool of connections, concurrent updates of one
document are lost (100 concurrent ``$inc`` left ``n`` at 5 on this machine), and so are a
command's write and the outbox relay's removal racing on it. The local FerretDB's address
carries ``maxPoolSize=1``: a client's operations then reach it one after the other. This test
runs on the URI the suite hands every service (MongoDB passes it without the option)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pymongo import AsyncMongoClient, ReturnDocument

from rebub.testing.plugin import Namespace

WRITERS = 100


@pytest.mark.integration
async def test_a_hundred_concurrent_updates_of_one_document_are_all_kept(
    namespace: Namespace,
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(namespace.backends.mongo_uri)
    try:
        docs = client[f"{namespace.database_prefix}ub_writers"]["docs"]
        await docs.insert_one({"_id": "loan-1", "n": 0, "outbox": {}})

        async def write(i: int) -> None:
            if i % 2:  # a command's compare-and-set and a relay's removal, as the services do
                await docs.find_one_and_update(
                    {"_id": "loan-1"},
                    {"$inc": {"n": 1}, "$set": {f"outbox.e{i}": i}},
                    return_document=ReturnDocument.AFTER,
                )
            else:
                await docs.update_one({"_id": "loan-1"}, {"$inc": {"n": 1}})

        await asyncio.gather(*(write(i) for i in range(WRITERS)))
        doc = await docs.find_one({"_id": "loan-1"})
        assert doc is not None
        assert doc["n"] == WRITERS
        assert len(doc["outbox"]) == WRITERS // 2
    finally:
        await client.close()

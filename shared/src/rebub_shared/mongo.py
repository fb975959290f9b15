"""The MongoDB client lifecycle: created (no I/O) when a service is wired, checked in the app's
lifespan and closed with it; never at import.

One database per tenant and service (``ub_circulation``, ``network_patrons``...), under an optional
prefix that gives each test its own databases. Only what MongoDB and FerretDB v1 both support is used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient, DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from rebub_shared.settings import MongoSettings
from rebub_shared.tenancy import TenantCode

Document = dict[str, Any]


def database_name(settings: MongoSettings, tenant: TenantCode, service: str) -> str:
    """The one database a tenant's service owns: ``{prefix}{tenant}_{service}``."""
    return f"{settings.database_prefix}{tenant}_{service.replace('-', '_')}"


def mongo_client(settings: MongoSettings) -> AsyncMongoClient[Document]:
    """A client, not yet connected: PyMongo connects on the first operation (so a service can
    be wired before its lifespan, which checks the server answers and closes the client)."""
    return AsyncMongoClient(
        settings.uri.get_secret_value(),
        serverSelectionTimeoutMS=settings.timeout_ms,
        connectTimeoutMS=settings.connect_timeout_ms,
        socketTimeoutMS=settings.socket_timeout_ms,
        tz_aware=True,
        uuidRepresentation="standard",
    )


@asynccontextmanager
async def open_mongo(settings: MongoSettings) -> AsyncIterator[AsyncMongoClient[Document]]:
    """Open a client for the lifespan of an app (and check the server answers)."""
    client = mongo_client(settings)
    try:
        await client.admin.command("ping")
        yield client
    finally:
        await client.close()


async def is_ferretdb(db: AsyncDatabase[Document]) -> bool:
    """FerretDB adds ``ferretdbVersion`` to ``buildInfo``: lets a check skip MongoDB-only features."""
    info = await db.command("buildInfo")
    return "ferretdbVersion" in info


async def insert_once(db: AsyncDatabase[Document], collection: str, doc: Document) -> bool:
    """Insert a document keyed by its ``_id`` unless it exists: True when it was new."""
    try:
        await db[collection].insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


#: The largest ordered bulk write sent at once: FerretDB v1 (SQLite) hangs on an unordered bulk
#: write, or an ordered one of more than about 60 operations (it applies them one by one anyway).
BULK_CHUNK = 50

#: The error code of a write refused by a unique index (MongoDB's, and FerretDB's).
DUPLICATE_KEY = 11000


async def write_in_chunks(
    collection: AsyncCollection[Document],
    ops: Sequence[InsertOne[Document] | ReplaceOne[Document] | UpdateOne | DeleteOne],
) -> None:
    """``ops`` as ordered bulk writes of at most :data:`BULK_CHUNK` operations."""
    for start in range(0, len(ops), BULK_CHUNK):
        await collection.bulk_write(list(ops[start : start + BULK_CHUNK]), ordered=True)

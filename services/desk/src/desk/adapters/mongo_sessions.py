"""The desk's sessions in its store (database ``{tenant}_desk``, collection ``sessions``), so a
restart keeps staff logged in and several replicas share them.

A TTL index on ``expires_at`` lets MongoDB remove expired sessions; FerretDB v1 has no TTL index
("not implemented yet"), so the store also purges them itself now and then
(:class:`~desk.adapters.sessions.SessionStore`), and a read past the expiry finds nothing anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import structlog
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from rebub_shared.mongo import is_ferretdb

from .sessions import Document, SessionStore

log = structlog.get_logger(__name__)
SESSIONS = "sessions"


@dataclass
class MongoSessions(SessionStore):
    """One document per session, keyed by the hash of its id."""

    db: AsyncDatabase[Document] = field(repr=False)

    @property
    def _sessions(self) -> AsyncCollection[Document]:
        return self.db[SESSIONS]

    async def ensure_indexes(self) -> None:
        """The TTL index on ``expires_at`` (MongoDB; FerretDB v1 has none: purged by us)."""
        if await is_ferretdb(self.db):
            log.info("no TTL index on FerretDB: expired sessions purged by the desk")
            return
        try:
            await self._sessions.create_index("expires_at", expireAfterSeconds=0)
        except OperationFailure as error:
            log.warning("no TTL index for the sessions", error=str(error))

    async def _find(self, key: str) -> Document | None:
        found: Document | None = await self._sessions.find_one({"_id": key})
        return found

    async def _insert(self, key: str, doc: Document, expires_at: datetime) -> None:
        await self._sessions.insert_one({"_id": key} | doc | {"expires_at": expires_at})

    async def _update(self, key: str, doc: Document | None, expires_at: datetime) -> None:
        if doc is None:
            await self._sessions.update_one({"_id": key}, {"$set": {"expires_at": expires_at}})
        else:
            await self._sessions.replace_one({"_id": key}, doc | {"expires_at": expires_at})

    async def _delete(self, key: str) -> None:
        await self._sessions.delete_one({"_id": key})

    async def _purge(self, now: datetime) -> None:
        await self._sessions.delete_many({"expires_at": {"$lte": now}})

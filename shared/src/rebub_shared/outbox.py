"""The transactional outbox, in one document: a state change and its events are one write.

An aggregate's document keeps its pending events in ``outbox`` (a map from event id to entry, so
that one entry can be removed with ``$unset`` on any store we run on) and a flag ``outbox_pending``
(indexed) that the relay looks for. The relay publishes each pending entry in order, then removes
it. A crash between the two publishes the entry again with the same ``ce_id``: consumers are
idempotent on it, so delivery stays at least once and effects exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection

from rebub_shared.cloudevents import Event
from rebub_shared.logging import get_logger
from rebub_shared.messaging import TRANSIENT_ERRORS

log = get_logger(__name__)
PENDING = "outbox_pending"


class OutboxEntry(BaseModel):
    """One event waiting to be published: where, with which key, headers and data."""

    seq: int
    topic: str
    key: str
    headers: dict[str, str]
    data: dict[str, Any]


def outbox_set(events: Sequence[tuple[str, str, Event[Any]]], *, first_seq: int) -> dict[str, Any]:
    """The ``$set`` fields that add ``(topic, key, event)`` triples to a document's outbox.

    ``first_seq`` orders them after what the document already holds (its version is a good choice).
    """
    fields: dict[str, Any] = {}
    for offset, (topic, key, event) in enumerate(events):
        entry = OutboxEntry(
            seq=first_seq + offset,
            topic=topic,
            key=key,
            headers=event.envelope.headers(),
            data=event.data.model_dump(mode="json"),
        )
        fields[f"outbox.{event.envelope.id}"] = entry.model_dump()
    if fields:
        fields[PENDING] = True
    return fields


class OutboxRelay:
    """Publishes the pending events of one collection's documents, then removes them."""

    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        broker: KafkaBroker,
        *,
        # A safety net: each command relays its own events at once; the loop catches what a
        # crash left. Polling is not free (FerretDB v1 reads the whole collection to answer).
        interval_s: float = 10.0,
    ) -> None:
        self._collection = collection
        self._broker = broker
        self._interval_s = interval_s
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.batch = 500

    async def ensure_index(self) -> None:
        await self._collection.create_index(PENDING)

    async def relay(self, document_id: Any | None = None) -> int:
        """Publish what is pending (of one document, or of all); return how many events were sent."""
        query: dict[str, Any] = {PENDING: True}
        if document_id is not None:
            query["_id"] = document_id
        sent = 0
        async with (
            self._lock
        ):  # the loop and a handler's immediate relay never publish one entry twice
            # Read the pending documents first: no cursor stays open while we publish and write.
            pending = await self._collection.find(query, {"outbox": 1}).to_list(length=self.batch)
            for doc in pending:
                entries = sorted(
                    (
                        (event_id, OutboxEntry.model_validate(e))
                        for event_id, e in doc.get("outbox", {}).items()
                    ),
                    key=lambda pair: pair[1].seq,
                )
                for event_id, entry in entries:
                    await self._broker.publish(
                        entry.data, entry.topic, key=entry.key.encode(), headers=entry.headers
                    )
                    await self._collection.update_one(
                        {"_id": doc["_id"]}, {"$unset": {f"outbox.{event_id}": ""}}
                    )
                    sent += 1
                await self._collection.update_one(
                    {"_id": doc["_id"], "outbox": {}}, {"$set": {PENDING: False}}
                )
        return sent

    def start(self) -> None:
        """Relay in the background until ``stop`` (catches what a crash left pending)."""
        self._task = asyncio.create_task(self._loop(), name=f"outbox-relay-{self._collection.name}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                await self.relay()
            except TRANSIENT_ERRORS as error:
                log.warning(
                    "outbox_relay_paused", collection=self._collection.name, error=str(error)
                )
            except Exception:  # a bad entry must not stop the relay of every other document
                log.exception("outbox_relay_failed", collection=self._collection.name)
            await asyncio.sleep(self._interval_s)

"""The transactional outbox, in one document: a state change and its events are one write.

An aggregate's document keeps its pending events in ``outbox`` (a map from event id to entry, so
that one entry can be removed with ``$unset`` on any store we run on) and a flag ``outbox_pending``
(indexed) that the relay's background loop looks for. The relay publishes each pending entry in
order, then removes it. A crash between the two publishes the entry again with the same ``ce_id``:
consumers are idempotent on it, so delivery stays at least once and effects exactly once.

Every command relays its own document right after its write, and that path touches the store only
by ``_id`` (the one filter FerretDB v1 answers from an index: any other filter reads the whole
collection). The flag is cleared with the last removal; should a writer add an entry in between,
its own relay publishes it, and if it crashed first, the sweep at start-up (by entries, not by
flag) finds it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
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
        async with self._lock:  # the loop and a handler's relay never publish one entry twice
            if document_id is not None:
                doc = await self._collection.find_one({"_id": document_id}, {"outbox": 1})
                return await self._publish(doc) if doc else 0
            # Read the pending documents first: no cursor stays open while we publish and write.
            pending = await self._collection.find({PENDING: True}, {"outbox": 1}).to_list(
                length=self.batch
            )
            return sum([await self._publish(doc) for doc in pending])

    async def sweep(self) -> int:
        """Publish every entry left in any document, flagged or not (at start-up, after a crash)."""
        async with self._lock:
            sent = 0
            async for doc in self._collection.find({}, {"outbox": 1}):
                if doc.get("outbox"):
                    sent += await self._publish(doc)
            return sent

    async def _publish(self, doc: dict[str, Any]) -> int:
        entries = sorted(
            (
                (event_id, OutboxEntry.model_validate(e))
                for event_id, e in doc.get("outbox", {}).items()
            ),
            key=lambda pair: pair[1].seq,
        )
        for number, (event_id, entry) in enumerate(entries, start=1):
            await self._broker.publish(
                entry.data, entry.topic, key=entry.key.encode(), headers=entry.headers
            )
            update: dict[str, Any] = {"$unset": {f"outbox.{event_id}": ""}}
            if number == len(entries):
                update["$set"] = {PENDING: False}
            await self._collection.update_one({"_id": doc["_id"]}, update)
        if not entries:
            await self._collection.update_one({"_id": doc["_id"]}, {"$set": {PENDING: False}})
        return len(entries)

    def start(self) -> None:
        """Relay in the background until ``stop`` (catches what a crash left pending)."""
        self._task = asyncio.create_task(self._loop(), name=f"outbox-relay-{self._collection.name}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        # The sweep first (until it gets through once), then the flagged documents now and then.
        swept = False
        while True:
            swept = await self._step(self.relay if swept else self.sweep) or swept
            await asyncio.sleep(self._interval_s)

    async def _step(self, step: Callable[[], Awaitable[int]]) -> bool:
        try:
            await step()
        except TRANSIENT_ERRORS as error:
            log.warning("outbox_relay_paused", collection=self._collection.name, error=str(error))
            return False
        except Exception:  # a bad entry must not stop the relay of every other document
            log.exception("outbox_relay_failed", collection=self._collection.name)
            return False
        return True

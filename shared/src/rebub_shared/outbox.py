"""The transactional outbox, in one document: a state change and its events are one write.

An aggregate's document keeps its pending events in ``outbox`` (a map from event id to entry, so
that one entry can be removed with ``$unset`` on any store we run on) and a flag ``outbox_pending``
(indexed) that the relay's background loop looks for. The relay publishes each pending entry in
order, then removes it. A crash between the two publishes the entry again with the same ``ce_id``:
consumers are idempotent on it, so delivery stays at least once and effects exactly once.

Every command relays its own document right after its write, from the document as it wrote it
(an insert's document, or the one ``find_one_and_update`` returned): no read. It publishes the
entries, then their removal waits a moment (``removal_linger_s``) so that the removals of the
commands relayed meanwhile go to the store as one bulk write; until then the relay remembers what
it published, so a command writing the same document again does not publish it twice, and
after it the latest removed entries (a document written before their removal and relayed after
it still holds them). That path touches the store only by ``_id`` (the one filter FerretDB v1
answers from an index: any other filter reads the whole collection). The flag is cleared with
the last removal; should a writer add an entry in between,
its own relay publishes it, and if it crashed first, the sweep at start-up (by entries, not by
flag) finds it. The background loop retries by ``_id`` what a command could not relay; it reads
the store for flagged documents only now and then (see :class:`OutboxRelay`).

The relay never stops behind one entry: an entry that can never be published (too large, not
serialisable, topic refused) is parked (:mod:`rebub_shared.parking`) and the next ones go on; a
document failing for another reason of its own is logged and retried, the others go on. Only a
transient error (broker or store away) ends a pass. A command's own relay is bounded in time
(``relay_soon``): past it, the loop publishes.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from prometheus_client import Counter
from pydantic import BaseModel
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from rebub_shared.cloudevents import Event
from rebub_shared.logging import get_logger
from rebub_shared.messaging import TRANSIENT_ERRORS
from rebub_shared.mongo import write_in_chunks
from rebub_shared.parking import PERMANENT_ERRORS, REASON_MAX, park
from rebub_shared.periodic import Periodic

log = get_logger(__name__)
PENDING = "outbox_pending"
REMEMBERED = 10_000  # removed entries remembered (a command's document relayed a little late)


class OutboxEntry(BaseModel):
    """One event waiting to be published: where, with which key, headers and data."""

    seq: int
    topic: str
    key: str
    headers: dict[str, str]
    data: dict[str, Any] | None  # None: a tombstone (null value) on a compacted topic


def _seq(raw: Any) -> int:
    """An entry's place in its document (a corrupt entry sorts first, to be parked)."""
    seq = raw.get("seq") if isinstance(raw, dict) else None
    return seq if isinstance(seq, int) else -1


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


def outbox_tombstone(
    event_id: str, topic: str, key: str, headers: Mapping[str, str], *, seq: int
) -> dict[str, Any]:
    """The ``$set`` fields adding a tombstone (``key``, null value) for a compacted topic; its
    ``headers`` name the writer (``ce_tenant``, ``ce_source``) as every record's do."""
    entry = OutboxEntry(seq=seq, topic=topic, key=key, headers=dict(headers), data=None)
    return {f"outbox.{event_id}": entry.model_dump(), PENDING: True}


class OutboxRelay:
    """Publishes the pending events of one collection's documents, then removes them.

    Commands relay their documents at once (``relay(id)``) or hand many of them to the background
    (``later(ids)``); a document whose relay failed (broker away) stays in memory and is retried
    by ``_id`` every ``interval_s``. Reading the store for pending documents is the safety net
    for other processes' crashes: every entry at start-up (``sweep``), then the flagged documents
    every ``sweep_interval_s`` (on FerretDB v1 that query reads the whole collection).
    """

    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        broker: KafkaBroker,
        *,
        interval_s: float = 10.0,
        sweep_interval_s: float = 600.0,
        publish_timeout_s: float = 2.0,
        removal_linger_s: float = 0.2,
        parked: Counter | None = None,
    ) -> None:
        self._collection = collection
        self._broker = broker
        self._sweep_interval_s = sweep_interval_s
        self._publish_timeout_s = publish_timeout_s
        self._parked = parked
        self._lock = asyncio.Lock()
        self._loop = Periodic(f"outbox-relay-{collection.name}", self._background_step, interval_s)
        self._swept_at: float | None = None  # the first sweep reads every entry, later the flag
        # Ids in order, relayed by the loop, with when each was first left (monotonic seconds).
        self._unsent: dict[Any, float] = {}
        self._removal_linger_s = removal_linger_s
        # Published entries whose removal waits for the next bulk write: event ids per document,
        # and whether that removal clears the flag (every entry the document held is in it).
        self._removals: dict[Any, tuple[set[str], bool]] = {}
        self._flushing: asyncio.Task[None] | None = None
        self._removing: dict[Any, set[str]] = {}  # the bulk write under way
        # Entries whose removal is written, the latest ones: a command's document written before
        # that removal and relayed after it still holds them, and must not send them again.
        self._removed: dict[str, None] = {}
        self.batch = 500

    async def ensure_index(self) -> None:
        await self._collection.create_index(PENDING)

    @property
    def unsent(self) -> list[Any]:
        """Documents left to the loop (handed over, or whose relay failed), in order."""
        return list(self._unsent)

    @property
    def oldest_unsent_s(self) -> float:
        """How long the oldest document left to the loop has waited (0 when none): a relay
        stuck behind a broker away, or a document failing on its own, shows here."""
        return time.monotonic() - min(self._unsent.values()) if self._unsent else 0.0

    def published(self, event_id: str) -> bool:
        """True when this relay published the entry ``event_id`` lately (its removal waiting,
        under way, or among the latest written): the write it came with is in the store."""
        return (
            event_id in self._removed
            or any(event_id in ids for ids, _ in self._removals.values())
            or any(event_id in ids for ids in self._removing.values())
        )

    def later(self, document_ids: Iterable[Any]) -> None:
        """Leave these documents' events to the background loop (bulk commands, jobs)."""
        now = time.monotonic()
        for document_id in document_ids:
            self._unsent.setdefault(document_id, now)

    async def relay_soon(self, document_id: Any, written: Mapping[str, Any] | None = None) -> int:
        """A command's own relay, right after its write: bounded by ``publish_timeout_s``.

        ``written`` is the document as the command wrote it (its ``outbox`` whole): its entries
        are published without reading the store, and their removal is left to the next bulk
        write of removals (``removal_linger_s``). Without it the document is read by ``_id``.

        With the broker away a publish waits for metadata up to the client's request timeout
        (40 s by default): the desk would wait that long for a loan already written. Past the
        bound the document is left to the loop (an event sent but not yet removed from the
        outbox is sent again with the same ``ce_id``: consumers are idempotent on it).
        """
        try:
            if written is None:
                return await asyncio.wait_for(self.relay(document_id), self._publish_timeout_s)
            return await asyncio.wait_for(
                self._relay_written(document_id, written), self._publish_timeout_s
            )
        except TimeoutError:
            self.later([document_id])
            log.warning(
                "outbox_relay_deferred",
                collection=self._collection.name,
                document_id=str(document_id),
                waited_s=self._publish_timeout_s,
            )
            return 0

    async def relay(self, document_id: Any | None = None) -> int:
        """Publish what is pending (of one document, or of the flagged ones); return how many
        events were sent. A document whose relay fails is retried by the loop."""
        if document_id is None:
            async with self._lock:  # the loop and a handler's relay never publish one entry twice
                # Read the pending documents first: no cursor stays open while we publish.
                query = self._collection.find({PENDING: True}, {"outbox": 1})
                return await self._publish_each(await query.to_list(self.batch))
        self._unsent.setdefault(document_id, time.monotonic())
        async with self._lock:
            doc = await self._collection.find_one({"_id": document_id}, {"outbox": 1})
            sent = await self._publish(doc) if doc else 0
        self._unsent.pop(document_id, None)
        return sent

    async def _relay_written(self, document_id: Any, written: Mapping[str, Any]) -> int:
        self._unsent.setdefault(document_id, time.monotonic())
        async with self._lock:
            sent = await self._publish({"_id": document_id, "outbox": written.get("outbox")}, True)
        self._unsent.pop(document_id, None)
        return sent

    async def retry(self) -> int:
        """Relay the documents left to the loop, by ``_id``; one that fails for its own reason
        stays for the next round and the others go on (a transient error ends the round)."""
        sent = 0
        for document_id in list(self._unsent):
            try:
                sent += await self.relay(document_id)
            except TRANSIENT_ERRORS:
                raise
            except Exception:
                log.exception(
                    "outbox_document_failed",
                    collection=self._collection.name,
                    document_id=str(document_id),
                )
        return sent

    async def sweep(self) -> int:
        """Publish every entry left in any document, flagged or not (at start-up, after a crash)."""
        async with self._lock:
            # Only documents holding entries come back (a scan on the server, not in the service).
            query = self._collection.find({"outbox": {"$nin": [{}, None]}}, {"outbox": 1})
            return await self._publish_each(await query.to_list())

    async def _publish_each(self, docs: list[dict[str, Any]]) -> int:
        """Publish the documents' entries; a document failing for its own reason is logged and
        kept for later, and the others go on (a transient error ends the pass)."""
        sent = 0
        for doc in docs:
            try:
                sent += await self._publish(doc)
            except TRANSIENT_ERRORS:
                raise
            except Exception:
                self._unsent.setdefault(doc["_id"], time.monotonic())
                log.exception(
                    "outbox_document_failed",
                    collection=self._collection.name,
                    document_id=str(doc["_id"]),
                )
        return sent

    async def _publish(self, doc: Mapping[str, Any], defer: bool = False) -> int:
        """Publish one document's entries in order, then remove them in one write (``defer``:
        in the next bulk write of removals); an entry that can never be published is parked and
        the next ones go on. Entries published and waiting for their removal are not sent again.
        Return how many were sent."""
        outbox: dict[str, Any] = doc.get("outbox") or {}
        waiting = (
            self._removals.get(doc["_id"], (set(), False))[0]
            | self._removing.get(doc["_id"], set())
            | (self._removed.keys() & outbox.keys())
        )
        entries = sorted(outbox.items(), key=lambda pair: _seq(pair[1]))
        done: list[str] = []
        sent = 0
        try:
            for event_id, raw in entries:
                if event_id in waiting:
                    continue
                try:
                    entry = OutboxEntry.model_validate(raw)
                    await self._broker.publish(
                        entry.data, entry.topic, key=entry.key.encode(), headers=entry.headers
                    )
                    sent += 1
                except PERMANENT_ERRORS as error:
                    await park(
                        self._collection.database,
                        collection=self._collection.name,
                        document_id=doc["_id"],
                        event_id=event_id,
                        entry=raw if isinstance(raw, dict) else {"raw": repr(raw)[:REASON_MAX]},
                        error=error,
                        counter=self._parked,
                    )
                done.append(event_id)
        except Exception:
            if done:  # what went out before the failure is not sent again
                await self._collection.update_one({"_id": doc["_id"]}, _removal(done, False))
                self._remember_removed([set(done)])
            raise
        if defer:
            self._defer_removal(doc["_id"], done)
        else:
            await self._collection.update_one({"_id": doc["_id"]}, _removal(done, True))
            # A command's document written before this pass read it, and relayed after, still
            # holds these entries: they are not sent again.
            self._remember_removed([set(done)])
        return sent

    def _defer_removal(self, document_id: Any, event_ids: list[str]) -> None:
        waiting, _ = self._removals.get(document_id, (set(), False))
        self._removals[document_id] = (waiting | set(event_ids), True)
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._removal_linger_s)
        self._flushing = None
        await self.flush()

    async def flush(self) -> None:
        """Write the removals waiting for the bulk write now (one ordered bulk write per 50).

        Should the store refuse, the documents go to the loop, which reads and relays them
        again (their entries are sent again with the same ``ce_id``).
        """
        removals, self._removals = self._removals, {}
        if not removals:
            return
        writes = [
            UpdateOne({"_id": document_id}, _removal(sorted(event_ids), clear))
            for document_id, (event_ids, clear) in removals.items()
        ]
        self._removing.update({document_id: ids for document_id, (ids, _) in removals.items()})
        try:
            await write_in_chunks(self._collection, writes)
            self._remember_removed(ids for ids, _ in removals.values())
        except Exception as error:
            self.later(removals)
            log.warning(
                "outbox_removal_deferred", collection=self._collection.name, error=str(error)
            )
        finally:
            for document_id in removals:
                self._removing.pop(document_id, None)

    def _remember_removed(self, groups: Iterable[set[str]]) -> None:
        for event_ids in groups:
            self._removed.update(dict.fromkeys(event_ids))
        surplus = max(0, len(self._removed) - REMEMBERED)
        for event_id in list(itertools.islice(self._removed, surplus)):
            del self._removed[event_id]

    def start(self) -> None:
        """Relay in the background until ``stop`` (catches what a crash left pending)."""
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        if self._flushing is not None:
            self._flushing.cancel()
            self._flushing = None
        await self.flush()

    async def _background_step(self) -> None:
        now = time.monotonic()
        due = self._swept_at is None or now - self._swept_at >= self._sweep_interval_s
        if due and await self._step(self.sweep if self._swept_at is None else self.relay):
            self._swept_at = now
        await self._step(self.retry)

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


def _removal(event_ids: Sequence[str], clear: bool) -> dict[str, Any]:
    """The update removing published entries (``clear``: and the flag, none being left)."""
    update: dict[str, Any] = {}
    if event_ids:
        update["$unset"] = {f"outbox.{event_id}": "" for event_id in event_ids}
    if clear:
        update["$set"] = {PENDING: False}
    return update or {"$set": {PENDING: False}}

"""Parked outbox entries: events the relay cannot publish for a reason that will not heal.

An entry too large for the broker, one whose data or headers cannot be serialised, or one the
broker refuses for its topic (unknown, invalid, not authorized) would be retried forever and, in
a loop that stops at the first error, hold back every entry after it. The relay moves such an
entry out of its document into the ``parked_events`` collection of the same database (the owning
tenant's), with the reason, counts it in ``rebub_outbox_parked_total`` and goes on. Operators read
parked entries with :func:`list_parked` (``rebub parked list``); a fixed entry can be put back by
hand into its document's outbox. Transient errors (broker or store away) are never parked. An
erasure deletes the entries naming the person (``ParkedPurge``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import (
    InvalidTopicError,
    MessageSizeTooLargeError,
    PolicyViolationError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
    UnsupportedForMessageFormatError,
)
from prometheus_client import CollectorRegistry, Counter
from pymongo.asynchronous.database import AsyncDatabase

from rebub_shared.dead_letter_purge import json_strings
from rebub_shared.logging import get_logger

log = get_logger(__name__)
PARKED = "parked_events"
REASON_MAX = 2000

# Errors that the same entry will raise again on every retry. ValueError covers what cannot be
# serialised or validated (JSON, UTF-8 of keys and headers, a corrupt entry); TypeError what the
# JSON encoder refuses.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
    InvalidTopicError,
    UnsupportedForMessageFormatError,
    PolicyViolationError,
    ValueError,
    TypeError,
)


def parked_counter(registry: CollectorRegistry) -> Counter:
    """The metric of parked entries, per tenant, topic and reason (the error's class)."""
    return Counter(
        "rebub_outbox_parked",
        "Outbox entries set aside because they cannot be published (too large, not serialisable, "
        "topic refused)",
        ["tenant", "topic", "reason"],
        registry=registry,
    )


async def park(
    db: AsyncDatabase[dict[str, Any]],
    *,
    collection: str,
    document_id: Any,
    event_id: str,
    entry: Mapping[str, Any],
    error: BaseException,
    counter: Counter | None,
    now: datetime | None = None,
) -> None:
    """Keep ``entry`` (as stored in the outbox) in ``parked_events`` with why it was set aside.

    Idempotent on the event id: a relay that parks an entry twice (a crash before the entry left
    its document) keeps one parked copy.
    """
    headers = entry.get("headers") or {}
    tenant = str(headers.get("ce_tenant", "?"))
    topic = str(entry.get("topic", "?"))
    reason = f"{type(error).__name__}: {error}"[:REASON_MAX]
    parked = {
        "collection": collection,
        "document_id": document_id,
        "tenant": tenant,
        "topic": topic,
        "reason": reason,
        "error": type(error).__name__,
        "parked_at": now or datetime.now(UTC),
        "entry": {k: v for k, v in entry.items() if k != "data"},
        "data": entry.get("data"),
    }
    await db[PARKED].update_one({"_id": event_id}, {"$setOnInsert": parked}, upsert=True)
    if counter is not None:
        counter.labels(tenant=tenant, topic=topic, reason=type(error).__name__).inc()
    log.error(
        "outbox_entry_parked",
        collection=collection,
        document_id=str(document_id),
        event_id=event_id,
        topic=topic,
        reason=reason[:300],
    )


async def list_parked(
    db: AsyncDatabase[dict[str, Any]], *, limit: int = 100
) -> list[dict[str, Any]]:
    """The parked entries of one database (one tenant's service), oldest first, without data."""
    projection = {"data": 0}
    cursor = db[PARKED].find({}, projection).sort("parked_at", 1).limit(limit)
    return [
        {
            "event_id": doc["_id"],
            "tenant": doc.get("tenant"),
            "topic": doc.get("topic"),
            "collection": doc.get("collection"),
            "document_id": doc.get("document_id"),
            "reason": doc.get("reason"),
            "parked_at": doc.get("parked_at"),
            "ce_type": (doc.get("entry", {}).get("headers") or {}).get("ce_type"),
        }
        for doc in await cursor.to_list()
    ]


class ParkedPurge:
    """An erasure reaches the parked entries of one service's database (issue 21): each entry
    naming the person (its document's id, its record's key, a string of its data or headers) is
    deleted before the erasure is confirmed; an operator cannot re-drive what names nobody."""

    what = "parked event(s) removed"

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._parked = db[PARKED]

    async def purge(self, about: Collection[str], request_id: str) -> int:
        """Delete the parked entries naming one of ``about``; how many (they are few: read all)."""
        wanted = {a for a in about if a}
        found = [
            doc["_id"]
            async for doc in self._parked.find({})
            if wanted
            & {
                str(doc.get("document_id")),
                *json_strings(doc.get("entry")),
                *json_strings(doc.get("data")),
            }
        ]
        if found:
            await self._parked.delete_many({"_id": {"$in": found}})
            log.info("parked_events_erased", count=len(found), request_id=request_id)
        return len(found)

"""Webhook subscriptions and their delivery queues in MongoDB (or FerretDB v1: no projection
on ``findAndModify``).

``webhooks``: one document per subscription; its queue's counter and its sending lease are
documents of their own (``webhook_counters``, ``webhook_leases``): FerretDB v1 writes a whole
document back on ``findAndModify``, so two writers of one document would lose an update.
``webhook_deliveries``: one document per (subscription, event), ``_id``
``{subscription}:{event id}`` so that a record the consumer reads again is not queued twice;
``seq`` orders a subscription's queue. The queue is the delivery log: each attempt is pushed on
its delivery; a delivered one is dated (``delivered_at``) and deleted by the retention job. An
erasure rewrites the bodies naming the patron (``anonymise_patron``).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from circulation.domain.webhooks import Subscription
from circulation.service_layer.webhooks import Attempt, Delivery
from rebub_shared.lease import Lease, Tenure
from rebub_shared.mongo import Document
from rebub_shared.retention_job import delete_in_batches

SUBSCRIPTIONS = "webhooks"
DELIVERIES = "webhook_deliveries"
COUNTERS, LEASES = "webhook_counters", "webhook_leases"
_FIELDS = tuple(Subscription.model_fields)


def _subscription(doc: Document) -> Subscription:
    return Subscription.model_validate({k: doc.get(k) for k in _FIELDS if k in doc})


def _delivery(doc: Document) -> Delivery:
    return Delivery.model_validate(doc | {"delivery_id": doc["_id"]})


class MongoWebhookStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._subscriptions = db[SUBSCRIPTIONS]
        self._deliveries = db[DELIVERIES]
        self._counters = db[COUNTERS]
        self._leases = db[LEASES]

    async def ensure_indexes(self) -> None:
        await self._deliveries.create_index(
            [("subscription_id", ASCENDING), ("state", ASCENDING), ("seq", ASCENDING)]
        )
        # Leases of the first layout ({lease_owner, lease_until}) would block the shared
        # primitive's upsert: they are at most 30 s worth of state, dropped.
        await self._leases.delete_many({"lease_owner": {"$exists": True}})

    async def add(self, subscription: Subscription) -> None:
        doc = subscription.model_dump(mode="json")
        await self._subscriptions.insert_one({"_id": subscription.subscription_id, **doc})

    async def get(self, institution: str, subscription_id: str) -> Subscription | None:
        doc = await self._subscriptions.find_one(
            {"_id": subscription_id, "institution": institution}
        )
        return _subscription(doc) if doc else None

    async def all(self, institution: str) -> list[Subscription]:
        found = self._subscriptions.find({"institution": institution}).sort("_id", ASCENDING)
        return [_subscription(doc) async for doc in found]

    async def set_status(
        self, institution: str, subscription_id: str, status: str, reason: str | None
    ) -> bool:
        done = await self._subscriptions.update_one(
            {"_id": subscription_id, "institution": institution},
            {"$set": {"status": status, "paused_reason": reason}},
        )
        return done.matched_count == 1

    async def remove(self, institution: str, subscription_id: str) -> bool:
        done = await self._subscriptions.delete_one(
            {"_id": subscription_id, "institution": institution}
        )
        if done.deleted_count:
            await self._deliveries.delete_many({"subscription_id": subscription_id})
            await self._counters.delete_one({"_id": subscription_id})
            await self._leases.delete_one({"_id": subscription_id})
        return done.deleted_count == 1

    async def enqueue(self, subscription_id: str, delivery: dict[str, Any]) -> bool:
        delivery_id = f"{subscription_id}:{delivery['event_id']}"
        if await self._deliveries.find_one({"_id": delivery_id}, {"_id": 1}):
            return False  # read again by the consumer: already queued
        counter = await self._counters.find_one_and_update(
            {"_id": subscription_id},
            {"$inc": {"next_seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        doc = {
            "_id": delivery_id,
            "subscription_id": subscription_id,
            "seq": (counter or {})["next_seq"],  # upserted: always a document
            **delivery,
            "state": "pending",
            "attempts": [],
        }
        try:
            await self._deliveries.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def next_pending(self, subscription_id: str) -> Delivery | None:
        found = self._deliveries.find({"subscription_id": subscription_id, "state": "pending"})
        docs = await found.sort("seq", ASCENDING).limit(1).to_list(1)
        return _delivery(docs[0]) if docs else None

    async def record(self, delivery_id: str, attempt: Attempt, delivered: bool) -> None:
        update: dict[str, Any] = {"$push": {"attempts": attempt.model_dump(mode="json")}}
        if delivered:  # the retention counts from the delivery
            update["$set"] = {"state": "delivered", "delivered_at": attempt.at}
        await self._deliveries.update_one({"_id": delivery_id}, update)

    async def deliveries(self, subscription_id: str, limit: int) -> list[Delivery]:
        found = self._deliveries.find({"subscription_id": subscription_id})
        return [_delivery(doc) for doc in await found.sort("seq", ASCENDING).to_list(limit)]

    async def purge_delivered_before(self, before: datetime) -> int:
        """Delete the deliveries delivered before ``before`` (the retention; a pending one, or
        one delivered before its delivery was dated, stays); how many went."""
        query = {"state": "delivered", "delivered_at": {"$lt": before}}
        return await delete_in_batches(self._deliveries, query)

    async def anonymise_patron(self, patron_id: str, anonymised: str) -> int:
        """The bodies naming ``patron_id`` as a JSON string rewritten with ``anonymised`` (the
        body is the JSON text posted: Alma's ``user_id``, a CloudEvent's ``patron_id``)."""
        named, instead = json.dumps(patron_id), json.dumps(anonymised)
        found = self._deliveries.find({"body": {"$regex": re.escape(named)}}, {"body": 1})
        changed = 0
        for doc in await found.to_list(None):  # read all first: no cursor open while writing
            body = doc["body"].replace(named, instead)
            done = await self._deliveries.update_one({"_id": doc["_id"]}, {"$set": {"body": body}})
            changed += done.modified_count
        return changed

    async def redeliver(self, subscription_id: str, from_seq: int, to_seq: int) -> int:
        done = await self._deliveries.update_many(
            {"subscription_id": subscription_id, "seq": {"$gte": from_seq, "$lte": to_seq}},
            {"$set": {"state": "pending"}},
        )
        return done.modified_count

    async def claim(self, subscription_id: str, owner: str, ttl_s: float) -> bool:
        """Hold (or renew) the lease on sending this subscription's queue (``rebub_shared.lease``:
        one conditional write, on the wall clock)."""
        lease = Lease(self._leases, subscription_id, owner, ttl_s)
        return await lease.hold() is not Tenure.REFUSED

    async def release(self, subscription_id: str, owner: str) -> None:
        """Give the lease up (a graceful stop): another replica takes the queue over at once."""
        await Lease(self._leases, subscription_id, owner, 0).release()

"""Two replicas of circulation's webhook deliverer on one real store, sending one subscription's
queue to one real listener that fails for longer than two leases: the replica sending the first
delivery keeps the lease through its retries (renewed between attempts and during each backoff
wait), so the other never sends it too; once the listener is back, each event arrives once, in
order. A replica that stops gives the lease up and the other carries on.

The lease is 1 s here (30 s in production) and the backoff short, so the outage spans two leases
in about two seconds: what matters is the outage being longer than the lease, not its length."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import AsyncMongoClient

from circulation.adapters.mongo_webhooks import MongoWebhookStore
from circulation.adapters.webhook_listener import HttpListener
from circulation.domain.webhooks import RetrySchedule, Subscription, body_bytes
from circulation.service_layer.webhooks import Deliverer, Webhooks
from rebub.testing.plugin import Namespace
from rebub.testing.waiting import eventually
from rebub_shared.clock import SystemClock

from .alma_listener import AlmaListener

SECRET = "listener-secret-2"
LEASE_S = 1.0
RETRY = RetrySchedule(first_wait_s=0.1, max_wait_s=0.4, pause_after=100, timeout_s=0.5)


async def _no_item_policy(barcode: str) -> str | None:
    return None


def _replica(store: MongoWebhookStore, http: HttpListener) -> Deliverer:
    webhooks = Webhooks("ub", store, http, policy=None, item_policy_of=_no_item_policy)
    return Deliverer(webhooks, RETRY, SystemClock(), poll_s=0.1, lease_s=LEASE_S)


def _delivery(n: int) -> dict[str, Any]:
    body = body_bytes({"id": f"E{n}", "n": n}).decode()
    return {"event_id": f"E{n}", "event_type": "LOAN_CREATED", "loan_id": f"L{n}", "body": body}


async def test_two_replicas_deliver_each_event_once_in_order_through_an_outage(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    db = mongo_client[f"{namespace.database_prefix}ub_circulation"]
    store_a, store_b = MongoWebhookStore(db), MongoWebhookStore(db)
    await store_a.ensure_indexes()
    listener = AlmaListener(SECRET)
    await listener.start()
    subscription = Subscription.model_validate(
        {
            "subscription_id": "S1",
            "institution": "ub",
            "url": listener.url,
            "secret": SECRET,
            "events": ["LOAN_CREATED"],
        }
    )
    await store_a.add(subscription)
    for n in range(1, 6):
        assert await store_a.enqueue("S1", _delivery(n))
    listener.failing = True
    http_a, http_b = HttpListener(RETRY.timeout_s), HttpListener(RETRY.timeout_s)
    a, b = _replica(store_a, http_a), _replica(store_b, http_b)
    a.start()
    b.start()
    try:

        async def failing_past_two_leases() -> bool:
            attempts = (await store_a.deliveries("S1", 1))[0].attempts
            span = attempts[-1].at - attempts[0].at if attempts else timedelta(0)
            return span > timedelta(seconds=2 * LEASE_S)

        await eventually(failing_past_two_leases, timeout_s=20)
        listener.failing = False

        async def all_delivered() -> bool:
            log = await store_a.deliveries("S1", 10)
            return all(d.state == "delivered" for d in log)

        await eventually(all_delivered)
        assert [body["n"] for body in listener.bodies()] == [1, 2, 3, 4, 5]
        first = (await store_a.deliveries("S1", 1))[0]
        assert first.attempts[-1].status == 200
        assert listener.answered_503 == len(first.attempts) - 1  # each refusal in the log
        assert listener.refused_unsigned == 0

        # One replica stops (giving its lease up): the other sends what comes next.
        await a.stop()
        assert await store_a.enqueue("S1", _delivery(6))
        await eventually(lambda: listener.has(6))
        await eventually(all_delivered)
        assert [body["n"] for body in listener.bodies()] == [1, 2, 3, 4, 5, 6]
    finally:
        await a.stop()
        await b.stop()
        await http_a.close()
        await http_b.close()
        await listener.stop()

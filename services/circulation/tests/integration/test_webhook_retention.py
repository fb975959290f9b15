"""The webhooks' delivery log on the real store: a delivery delivered 182 days before the
retention's run stays, one delivered 184 days before goes (a period of 183 days), a pending one
stays however old it is; an erasure anonymises the patron's deliveries and no one else's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient

from circulation.adapters.mongo_webhooks import DELIVERIES, MongoWebhookStore
from circulation.service_layer.webhooks import Attempt
from circulation.settings import CirculationSettings
from rebub.testing.plugin import Namespace

RUN = datetime(2027, 5, 8, 3, 0, tzinfo=UTC)  # the daily job's run


def _delivery(event_id: str) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "LOAN_CREATED", "loan_id": "L1", "body": "{}"}


async def test_a_delivery_delivered_184_days_ago_goes_and_182_days_ago_stays(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    db = mongo_client[f"{namespace.database_prefix}ub_circulation"]
    store = MongoWebhookStore(db)
    for event_id in ("old", "young", "pending"):
        assert await store.enqueue("S1", _delivery(event_id))
    at_old = datetime(2026, 11, 5, 3, 0, tzinfo=UTC)  # 184 days before RUN
    at_young = datetime(2026, 11, 7, 3, 0, tzinfo=UTC)  # 182 days before RUN
    await store.record("S1:old", Attempt(at=at_old, status=200, latency_ms=3.0), delivered=True)
    await store.record("S1:young", Attempt(at=at_young, status=200, latency_ms=3.0), delivered=True)
    failed = Attempt(at=at_old, status=503, latency_ms=3.0)
    await store.record("S1:pending", failed, delivered=False)  # not delivered: kept

    period = CirculationSettings(tenant="ub").retention.webhook_deliveries
    assert await store.purge_delivered_before(period.cutoff(RUN)) == 1

    left = sorted([doc["_id"] async for doc in db[DELIVERIES].find({})])
    assert left == ["S1:pending", "S1:young"]


async def test_an_erasure_anonymises_the_patrons_deliveries_pending_or_delivered(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    db = mongo_client[f"{namespace.database_prefix}ub_circulation"]
    store = MongoWebhookStore(db)
    bodies = {
        "alma": {"event": {"value": "LOAN_CREATED"}, "item_loan": {"user_id": "P-1"}},
        "cloudevent": {"subject": "L1", "data": {"loan": {"patron_id": "P-1", "title": "Nadja"}}},
        "other": {"item_loan": {"user_id": "P-10"}},  # another patron, whose id starts alike
    }
    for event_id, body in bodies.items():
        assert await store.enqueue("S1", _delivery(event_id) | {"body": json.dumps(body)})
    delivered = Attempt(at=RUN, status=200, latency_ms=3.0)
    await store.record("S1:alma", delivered, delivered=True)

    assert await store.anonymise_patron("P-1", "anonymised") == 2

    left = {d.event_id: d for d in await store.deliveries("S1", 10)}
    assert json.loads(left["alma"].body)["item_loan"]["user_id"] == "anonymised"
    assert json.loads(left["cloudevent"].body)["data"]["loan"] == {
        "patron_id": "anonymised",
        "title": "Nadja",
    }
    assert left["other"].body == json.dumps(bodies["other"])
    assert (left["alma"].state, left["alma"].attempts) == ("delivered", (delivered,))  # the log
    assert [d.seq for d in left.values()] == [1, 2, 3]  # the queue's order kept

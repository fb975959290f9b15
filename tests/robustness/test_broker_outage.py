"""The broker stopped and restarted during a small load of check-outs (a private broker: the run's
shared one is never stopped): every answer comes within the publish bound, none is a 5xx, and
every loan's event is published once the broker is back, without restarting the service."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from itertools import count
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from circulation.entrypoints.http import create_app
from circulation.service_layer.commands import ItemRecord, LoadItems, RecordPatronChange
from rebub.testing.plugin import Namespace
from rebub_shared.clock import MovableClock
from rebub_shared.settings import KafkaSettings

from .conftest import (
    THU_1_OCT,
    Figures,
    PrivateKafka,
    answer_figures,
    app_running,
    delivery_figures,
    desk_circulation_settings,
    eventually,
    loan_created_by_loan,
    read_all,
    ub_patron,
)

PUBLISH_TIMEOUT_S = 2.0
# A check-out relays one loan document (its loan event and activity summary) within
# PUBLISH_TIMEOUT_S; the rest is store work. Before the bound, writes waited about 40 s.
ANSWER_BOUND_S = PUBLISH_TIMEOUT_S + 6
ITEMS, CLIENTS = 100, 4


async def test_broker_outage_costs_a_desk_at_most_the_bound_and_loses_no_event(
    namespace: Namespace,
    private_kafka: PrivateKafka,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    figures: Figures,
    oidc_issuer: str,
    desk_auth: httpx.Auth,
) -> None:
    kafka = KafkaSettings(
        bootstrap=private_kafka.address,
        topic_prefix=namespace.topic_prefix,
        publish_timeout_s=PUBLISH_TIMEOUT_S,
    )
    settings = desk_circulation_settings(namespace, oidc_issuer, kafka=kafka)
    app = create_app(settings, MovableClock(THU_1_OCT))
    db = mongo_client[f"{namespace.database_prefix}ub_circulation"]
    durations: list[float] = []
    outcomes: Counter[str] = Counter()
    async with app_running(app, desk_auth) as client:
        bus = app.state.bus
        items = tuple(
            ItemRecord(
                barcode=f"UBB{n:05d}", title=f"Titre {n}", library="BUST", location="BUST-LA"
            )
            for n in range(ITEMS)
        )
        await bus.handle(LoadItems(institution="ub", items=items))
        for n in range(ITEMS):
            patron = ub_patron(f"B-{n:03d}")
            await bus.handle(RecordPatronChange(institution="ub", patron=patron))
        numbers = count()
        stop = asyncio.Event()

        async def desk() -> None:
            while not stop.is_set() and (n := next(numbers)) < ITEMS:
                started = time.monotonic()
                answer = await client.post(
                    "/loans", json={"patron": f"B-{n:03d}", "item_barcode": f"UBB{n:05d}"}
                )
                durations.append(time.monotonic() - started)
                outcomes[str(answer.status_code)] += 1
                await asyncio.sleep(0.2)

        load = asyncio.gather(*(desk() for _ in range(CLIENTS)))
        await eventually(lambda: _count(db, 8), "a few loans before the outage")
        await asyncio.to_thread(private_kafka.stop)
        during = len(durations)
        await asyncio.sleep(3)  # the outage, under load
        await asyncio.to_thread(private_kafka.start, timeout_s=120)
        answered_while_down = len(durations) - during
        await asyncio.sleep(2)
        stop.set()
        await load
        written = await db["loans"].count_documents({})
        await eventually(lambda: _none_pending(db), "every event published after the outage", 90)

    records = await read_all(private_kafka.address, namespace.topics.loan("ub"))
    by_loan, redelivered = loan_created_by_loan(records)
    loan_ids = {doc["_id"] async for doc in db["loans"].find({}, {"_id": 1})}

    assert answered_while_down > 0  # the outage really met the load
    assert outcomes["201"] == written == len(loan_ids)
    assert set(outcomes) == {"201"}  # no 5xx, no hang turned into a failure
    assert max(durations) < ANSWER_BOUND_S, sorted(durations)[-5:]
    assert set(by_loan) == loan_ids
    assert {loan: len(ids) for loan, ids in by_loan.items() if len(ids) != 1} == {}
    figures.add(
        **answer_figures(outcomes),
        **delivery_figures(by_loan, redelivered, loan_ids),
        faults_survived=1,
        loans_written=written,
        broker_outage_answers=answered_while_down,
        broker_outage_slowest_answer_ms=round(max(durations) * 1000),
    )


async def _count(db: Any, at_least: int) -> bool:
    return bool(await db["loans"].count_documents({}) >= at_least)


async def _none_pending(db: Any) -> bool:
    return await db["loans"].count_documents({"outbox_pending": True}) == 0

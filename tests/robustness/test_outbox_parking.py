"""An oversized outbox entry is parked while the 20 others a crash left are all published: the
relay never stops behind one entry (issue 13, item 4)."""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import AsyncMongoClient

from circulation.entrypoints.http import create_app
from circulation.service_layer.commands import ItemRecord, LoadItems, RecordPatronChange
from rebub.identity import DevTokens
from rebub.testing.plugin import Namespace
from rebub_shared.clock import MovableClock
from rebub_shared.parking import list_parked

from .conftest import (
    THU_1_OCT,
    Figures,
    app_running,
    delivery_figures,
    desk_circulation_settings,
    eventually,
    loan_created_by_loan,
    read_all,
    ub_patron,
)

LOANS = 21
TOO_LARGE = "x" * 1_200_000  # past the producer's 1 MiB request size: never publishable


async def test_an_oversized_entry_is_parked_and_the_twenty_others_left_by_a_crash_published(
    namespace: Namespace,
    mongo_client: AsyncMongoClient[dict[str, Any]],
    figures: Figures,
    oidc_issuer: str,
    desk_auth: httpx.Auth,
    dev_tokens: DevTokens,
) -> None:
    db = mongo_client[f"{namespace.database_prefix}ub_circulation"]
    crashed = create_app(
        desk_circulation_settings(namespace, oidc_issuer, relay_enabled=False),
        MovableClock(THU_1_OCT),
    )
    async with app_running(crashed, desk_auth) as client:  # writes its loans, relays none (a crash)
        bus = crashed.state.bus
        items = tuple(
            ItemRecord(
                barcode=f"UBP{n:03d}", title=f"Titre {n}", library="BUST", location="BUST-LA"
            )
            for n in range(LOANS)
        )
        await bus.handle(LoadItems(institution="ub", items=items))
        loan_ids = []
        for n in range(LOANS):
            await bus.handle(RecordPatronChange(institution="ub", patron=ub_patron(f"Q-{n:02d}")))
            answer = await client.post(
                "/loans", json={"patron": f"Q-{n:02d}", "item_barcode": f"UBP{n:03d}"}
            )
            assert answer.status_code == 201, answer.text
            loan_ids.append(answer.json()["loan"]["loan_id"])
    # The first loan's event grew too large to publish (as a 1 MB title did, issue 13).
    poison = loan_ids[0]
    await db["loans"].update_one(
        {"_id": poison}, {"$set": {f"outbox.{poison}:1.data.loan.title": TOO_LARGE}}
    )
    assert await db["loans"].count_documents({"outbox_pending": True}) == LOANS

    restarted = create_app(
        desk_circulation_settings(namespace, oidc_issuer), MovableClock(THU_1_OCT)
    )
    async with app_running(restarted, desk_auth) as client:
        await eventually(lambda: _none_pending(db), "every entry relayed or parked", 60)
        # The metrics are the network observer's (the operations client's token).
        ops = dev_tokens.headers("rebub-ops")
        metrics = (await client.get("/metrics", headers=ops)).text

    records = await read_all(namespace.backends.kafka_bootstrap, namespace.topics.loan("ub"))
    by_loan, redelivered = loan_created_by_loan(records)
    parked = await list_parked(db)

    assert set(by_loan) == set(loan_ids[1:])  # all 20 others published, once each
    assert all(len(ids) == 1 for ids in by_loan.values())
    assert [(p["event_id"], p["document_id"]) for p in parked] == [(f"{poison}:1", poison)]
    assert parked[0]["reason"].startswith("MessageSizeTooLargeError")
    assert (
        f'rebub_outbox_parked_total{{reason="MessageSizeTooLargeError",'
        f'tenant="ub",topic="{namespace.topics.loan("ub")}"}} 1.0'
    ) in metrics
    activity = await read_all(namespace.backends.kafka_bootstrap, namespace.topics.loan_activity)
    # The poison loan's other entry (its network activity summary) went out as well.
    assert f"{poison}:1:activity" in {dict(r.headers)["ce_id"].decode() for r in activity}
    figures.add(
        outbox_entries_left_by_crash=LOANS,
        outbox_entries_published=len(by_loan),
        outbox_entries_parked=len(parked),
        **delivery_figures(by_loan, redelivered, set(loan_ids[1:])),
        faults_survived=1,
    )


async def _none_pending(db: Any) -> bool:
    return await db["loans"].count_documents({"outbox_pending": True}) == 0

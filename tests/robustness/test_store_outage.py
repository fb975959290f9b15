"""The store killed (kill -9) and restarted under a desk's requests (a private FerretDB: the
run's shared store is never touched): answers come within the store's timeout, none says a write
succeeded that was not written, and the service recovers without a restart."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from typing import Any

import httpx

from circulation.entrypoints.http import create_app
from circulation.service_layer.commands import ItemRecord, LoadItems, RecordPatronChange
from rebub.infra import process
from rebub.testing.plugin import Namespace
from rebub_shared.clock import MovableClock
from rebub_shared.settings import MongoSettings

from .conftest import (
    THU_1_OCT,
    Figures,
    PrivateFerretDB,
    app_running,
    desk_circulation_settings,
    eventually,
    ub_patron,
)

STORE_TIMEOUT_MS = 3000
ANSWER_BOUND_S = STORE_TIMEOUT_MS / 1000 + 4


async def test_store_killed_answers_fast_errors_and_recovers_without_restart(
    namespace: Namespace,
    private_ferretdb: PrivateFerretDB,
    figures: Figures,
    oidc_issuer: str,
    desk_auth: httpx.Auth,
) -> None:
    mongo = MongoSettings(
        uri=private_ferretdb.address,
        database_prefix=namespace.database_prefix,
        timeout_ms=STORE_TIMEOUT_MS,
    )
    settings = desk_circulation_settings(namespace, oidc_issuer, mongo=mongo)
    app = create_app(settings, MovableClock(THU_1_OCT))
    outcomes: Counter[str] = Counter()
    during: list[httpx.Response] = []
    durations: list[float] = []
    async with app_running(app, desk_auth) as client:
        bus = app.state.bus
        items = tuple(
            ItemRecord(
                barcode=f"UBS{n:03d}", title=f"Titre {n}", library="BUST", location="BUST-LA"
            )
            for n in range(12)
        )
        await bus.handle(LoadItems(institution="ub", items=items))
        for n in range(12):
            await bus.handle(RecordPatronChange(institution="ub", patron=ub_patron(f"S-{n:02d}")))

        async def lend(n: int) -> httpx.Response:
            started = time.monotonic()
            answer = await client.post(
                "/loans", json={"patron": f"S-{n:02d}", "item_barcode": f"UBS{n:03d}"}
            )
            durations.append(time.monotonic() - started)
            outcomes[str(answer.status_code)] += 1
            return answer

        before = await lend(0)
        assert before.status_code == 201, before.text
        loan_id = before.json()["loan"]["loan_id"]

        pid = process.read_pid(private_ferretdb.pid_file)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # the store dies mid-service: no clean shutdown
        await eventually(lambda: _stopped(private_ferretdb), "the store gone", 10)
        for n in range(1, 5):  # a desk goes on working during the outage
            during.append(await lend(n))
        started = time.monotonic()
        read = await client.get(f"/loans/{loan_id}")
        durations.append(time.monotonic() - started)
        outcomes[str(read.status_code)] += 1
        during.append(read)
        ready = await client.get("/ready")

        await asyncio.to_thread(private_ferretdb.start, timeout_s=60)
        after = await eventually(lambda: _lent(lend, 5), "a check-out after the store is back", 30)
        assert (await client.get(f"/loans/{loan_id}")).status_code == 200
        written = {doc["_id"] async for doc in app.state.runtime.db["loans"].find({}, {"_id": 1})}

    assert ready.status_code == 503
    # No hang: every answer within the store's timeout, even with the store dead.
    assert max(durations) < ANSWER_BOUND_S, sorted(durations)[-3:]
    # Nothing claimed that was not done: during the outage every answer says the store is
    # unavailable (503, a problem document, when to retry), never a success nor a bare 500.
    assert [
        (r.status_code, r.headers.get("content-type"), r.headers.get("retry-after"))
        for r in during
        if r.status_code != 503
        or r.headers.get("content-type") != "application/problem+json"
        or not r.headers.get("retry-after", "").isdigit()
    ] == []
    assert {r.json()["loan"]["loan_id"] for r in (before, after)} <= written
    assert len(written) == 2  # the loans before and after; none from the outage
    figures.add(
        requests=sum(outcomes.values()) + 1,
        http_5xx_during_store_outage=sum(1 for r in during if r.status_code >= 500),
        http_5xx=0,  # outside the outage
        faults_survived=1,
        store_outage_slowest_answer_ms=round(max(durations) * 1000),
    )


async def _stopped(server: PrivateFerretDB) -> bool:
    return process.read_pid(server.pid_file) is None


async def _lent(lend: Any, n: int) -> httpx.Response | None:
    answer: httpx.Response = await lend(n)
    return answer if answer.status_code == 201 else None

"""kill -9 of a circulation instance during a load of check-outs: after its restart every loan
written has exactly one LoanCreated event on the topic; none lost, none duplicated."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from rebub.testing.plugin import Namespace

from .conftest import (
    CirculationProcess,
    Figures,
    answer_figures,
    api_client,
    delivery_figures,
    eventually,
    loan_created_by_loan,
    publish_patrons,
    read_all,
    write_items,
)

LOANS, CLIENTS = 40, 4


async def _lend_all(
    circulation: CirculationProcess, pairs: list[tuple[str, str]], outcomes: Counter[str]
) -> None:
    """One desk lending its items in turn; when the service is away, it tries the same loan
    again (a 409 then says the loan was written before the answer was lost)."""
    deadline = time.monotonic() + 120
    async with api_client(
        auth=circulation.auth, base_url=circulation.base_url, timeout_s=15
    ) as client:
        for patron, barcode in pairs:
            while time.monotonic() < deadline:
                try:
                    answer = await client.post(
                        "/loans", json={"patron": patron, "item_barcode": barcode}
                    )
                except httpx.HTTPError:
                    outcomes["transport_error"] += 1
                    await asyncio.sleep(0.3)
                    continue
                outcomes[str(answer.status_code)] += 1
                if answer.status_code in (201, 409):
                    break
                await asyncio.sleep(0.3)


async def test_circulation_killed_mid_load_loses_and_duplicates_no_loan_event(
    namespace: Namespace,
    circulation_process: Callable[..., CirculationProcess],
    mongo_client: AsyncMongoClient[dict[str, Any]],
    figures: Figures,
    tmp_path: Path,
) -> None:
    patrons = [f"K-{n:03d}" for n in range(LOANS)]
    barcodes = [f"UBK{n:05d}" for n in range(LOANS)]
    bootstrap = namespace.backends.kafka_bootstrap
    db = mongo_client[f"{namespace.database_prefix}ub_circulation"]
    circulation = circulation_process(items_file=write_items(tmp_path / "items.jsonl", barcodes))
    await circulation.start()
    await publish_patrons(bootstrap, namespace.topics.patron("ub"), patrons)
    await eventually(
        lambda: _count(db, "patrons", LOANS), "the patrons in circulation's projection"
    )

    outcomes: Counter[str] = Counter()
    pairs = list(zip(patrons, barcodes, strict=True))
    load = asyncio.gather(
        *(_lend_all(circulation, pairs[i::CLIENTS], outcomes) for i in range(CLIENTS))
    )
    loading = asyncio.ensure_future(load)
    await eventually(lambda: _count(db, "loans", LOANS // 3), "a third of the loans", 60, 0.05)
    circulation.kill()
    killed_with = await db["loans"].count_documents({})
    await circulation.start()
    await loading

    loans = await eventually(lambda: _count(db, "loans", LOANS), "every loan written", 60)
    await eventually(lambda: _none_pending(db), "every loan's outbox relayed after the restart", 60)
    records = await read_all(bootstrap, namespace.topics.loan("ub"))
    by_loan, redelivered = loan_created_by_loan(records)
    loan_ids = {doc["_id"] async for doc in db["loans"].find({}, {"_id": 1})}

    assert 0 < killed_with < LOANS  # the kill came mid-load
    assert set(by_loan) == loan_ids  # none lost, none for a loan that does not exist
    assert {loan: len(ids) for loan, ids in by_loan.items() if len(ids) != 1} == {}
    assert outcomes["201"] + outcomes["409"] >= LOANS
    assert not [s for s in outcomes if s.startswith("5")]
    figures.add(
        **answer_figures(outcomes),
        **delivery_figures(by_loan, redelivered, loan_ids),
        faults_survived=1,
        loans_written=loans,
        requests_cut_by_the_kill=outcomes["transport_error"],
    )


async def _count(db: Any, collection: str, at_least: int) -> int:
    count: int = await db[collection].count_documents({})
    return count if count >= at_least else 0


async def _none_pending(db: Any) -> bool:
    return await db["loans"].count_documents({"outbox_pending": True}) == 0

"""The shared retention pieces on the real store: deleting in bounded batches (what depends on a
batch first), the audit trail's step (364 days old stays, 366 goes), and the job run by one
replica at a time (the lease ``retention``); an erasure anonymising the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from pymongo import AsyncMongoClient

from rebub.testing.plugin import Namespace
from rebub_shared.audit import AUDIT, AuditLog, AuditPurge
from rebub_shared.auth.tokens import Principal
from rebub_shared.clock import MovableClock
from rebub_shared.lease import LEASES, Lease
from rebub_shared.retention import AUDIT_PERIOD
from rebub_shared.retention_job import RetentionJob, delete_in_batches
from rebub_shared.runtime import Runtime

NOW = datetime(2027, 11, 6, 9, 0, tzinfo=UTC)


async def test_seven_old_records_go_three_at_a_time_and_the_young_stay(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    records = mongo_client[f"{namespace.database_prefix}ub_circulation"]["records"]
    old = [{"_id": f"old-{n}", "at": datetime(2026, 1, n + 1, tzinfo=UTC)} for n in range(7)]
    young = [{"_id": f"young-{n}", "at": datetime(2027, 1, n + 1, tzinfo=UTC)} for n in range(2)]
    await records.insert_many(old + young)
    seen: list[list[str]] = []

    async def first(docs: list[dict[str, Any]]) -> None:
        seen.append(sorted(doc["_id"] for doc in docs))

    before = datetime(2026, 12, 31, tzinfo=UTC)
    deleted = await delete_in_batches(records, {"at": {"$lt": before}}, size=3, before_delete=first)

    assert deleted == 7
    assert [len(batch) for batch in seen] == [3, 3, 1]
    assert sorted(i for batch in seen for i in batch) == [doc["_id"] for doc in old]
    assert sorted([doc["_id"] async for doc in records.find({})]) == ["young-0", "young-1"]


async def test_the_audit_trail_keeps_364_days_and_one_replica_runs_the_job(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    db = mongo_client[f"{namespace.database_prefix}ub_circulation"]
    clock = MovableClock(datetime(2026, 11, 5, 9, 0, tzinfo=UTC))
    runtime = cast(Runtime, SimpleNamespace(db=db, clock=clock, tenant="ub"))
    audit = AuditLog(runtime)
    desk = Principal("ub-desk", "ub", frozenset(), frozenset())
    await audit.record(desk, "block_added")  # 5 November 2026: 366 days before NOW
    clock.set(datetime(2026, 11, 7, 9, 0, tzinfo=UTC))
    kept = await audit.record(desk, "block_removed")  # 7 November 2026: 364 days
    clock.set(NOW)

    def job(holder: str) -> RetentionJob:
        lease = Lease(db[LEASES], "retention", holder, 120)
        return RetentionJob("test-retention", (audit.retention(AUDIT_PERIOD),), clock, 60, lease)

    first, second = job("a"), job("b")
    assert await first.run_if_holding() == {"audit": 1}
    assert await second.run_if_holding() is None  # the first holds the lease
    assert [doc["_id"] async for doc in db[AUDIT].find({})] == [kept.audit_id]
    await first.stop()  # a graceful stop gives the lease up
    assert await second.run_if_holding() == {"audit": 0}


async def test_an_erasure_anonymises_the_audit_records_acting_on_the_person(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    db = mongo_client[f"{namespace.database_prefix}ub_circulation"]
    runtime = cast(Runtime, SimpleNamespace(db=db, clock=MovableClock(NOW), tenant="ub"))
    audit = AuditLog(runtime)
    desk = Principal("ub-desk", "ub", frozenset(), frozenset())
    lent = {"loan_id": "L-1", "patron_id": "P-1", "item": "UB001"}
    await audit.record(desk, "loan-overridden", targets=lent, reason="Mme Durand a appelé")
    await audit.record(desk, "card-added", targets={"account_id": "P-1"})
    other = await audit.record(desk, "block-added", targets={"account_id": "P-10"}, reason="x")

    assert await AuditPurge(db).purge(("P-1",), "r-1") == 2

    page = await audit.page()
    by_action = {r.action: r for r in page.records}
    assert by_action["loan-overridden"].targets == lent | {"patron_id": "anonymised"}
    assert by_action["loan-overridden"].details == {}  # free text about the person dropped
    assert by_action["loan-overridden"].operator == "ub-desk"  # who did what stays
    assert by_action["card-added"].targets == {"account_id": "anonymised"}
    assert by_action["block-added"] == other  # another person's record untouched
    assert await AuditPurge(db).purge(("P-1",), "r-1") == 0

"""The lease on the real store: one holder at a time, renewed by its holder, taken over once
expired (a killed holder) or released (a graceful stop); the times are given, not waited for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient

from rebub.testing.plugin import Namespace
from rebub_shared.lease import LEASES, Lease, Tenure


class Clock:
    """A wall clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2031, 5, 22, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_one_holder_until_expiry_or_release(
    namespace: Namespace, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    leases = mongo_client[f"{namespace.database_prefix}ub_notifier"][LEASES]
    clock = Clock()
    first, second = (Lease(leases, "daily-pass", name, 60, clock) for name in ("a", "b"))

    assert await first.hold() is Tenure.TAKEN
    assert await second.hold() is Tenure.REFUSED
    clock.now += timedelta(seconds=50)
    assert await first.hold() is Tenure.RENEWED  # until 09:01:50 now
    clock.now += timedelta(seconds=59)
    assert await second.hold() is Tenure.REFUSED
    assert await first.holder_now() == "a"

    clock.now += timedelta(seconds=2)  # the holder was killed: its lease expired
    assert await first.holder_now() is None
    assert await second.hold() is Tenure.TAKEN
    assert await first.hold() is Tenure.REFUSED

    await second.release()  # a graceful stop
    assert await first.hold() is Tenure.TAKEN
    assert await leases.count_documents({}) == 1

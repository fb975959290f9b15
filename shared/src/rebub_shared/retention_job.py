"""Retention jobs: deleting the records past their period from a collection in bounded batches,
and the daily job running a service's retention steps in one replica of its instance (the lease
``retention`` of ``rebub_shared.lease``). The periods and their rule are ``rebub_shared.retention``.
No TTL index: not on every store (FerretDB v1 has none).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from rebub_shared.clock import Clock
from rebub_shared.lease import LEASES, Lease, LeasedLoop
from rebub_shared.logging import get_logger
from rebub_shared.mongo import Document
from rebub_shared.retention import Period, RetentionSettings
from rebub_shared.runtime import Runtime

log = get_logger(__name__)
BATCH = 500  # records deleted per write: a large backlog never makes one long write


async def delete_in_batches(
    collection: AsyncCollection[Document],
    query: Mapping[str, Any],
    *,
    size: int = BATCH,
    projection: Mapping[str, Any] | None = None,
    before_delete: Callable[[list[Document]], Awaitable[None]] | None = None,
) -> int:
    """Delete the documents matching ``query``, ``size`` at a time (by ``_id``); how many went.

    ``before_delete`` sees each batch's documents (``projection``) first: what depends on them
    (files, attempts) goes before them, so a crash in between leaves no orphan."""
    deleted = 0
    while True:
        found = collection.find(dict(query), dict(projection or {"_id": 1})).limit(size)
        docs = await found.to_list(size)
        if not docs:
            return deleted
        if before_delete is not None:
            await before_delete(docs)
        done = await collection.delete_many({"_id": {"$in": [doc["_id"] for doc in docs]}})
        deleted += done.deleted_count
        if len(docs) < size:
            return deleted


# One step of a retention job: given now, delete what is due and say how many went.
RetentionStep = Callable[[datetime], Awaitable[int]]


def purge_step(
    name: str, period: Period, purge_before: Callable[[datetime], Awaitable[int]]
) -> tuple[str, RetentionStep]:
    """The step ``name`` deleting, with ``purge_before``, what is older than ``period``."""

    async def purge(now: datetime) -> int:
        return await purge_before(period.cutoff(now))

    return (name, purge)


class RetentionJob:
    """A service's retention steps, run on ``interval_s`` in the replica holding the lease
    ``retention`` (held for two intervals, renewed at each run: another replica takes over
    a day after its holder died, at once after a graceful stop)."""

    def __init__(
        self,
        name: str,
        steps: Sequence[tuple[str, RetentionStep]],
        clock: Clock,
        interval_s: float,
        lease: Lease | None = None,
    ) -> None:
        self.name, self.steps, self.clock, self.lease = name, tuple(steps), clock, lease
        self._loop = LeasedLoop(name, self._run, interval_s, lease, first_after=False)

    async def run_once(self) -> dict[str, int]:
        """Every step now, in order; how many records each deleted."""
        now = self.clock.now()
        counts = {step_name: await step(now) for step_name, step in self.steps}
        log.info("retention_done", job=self.name, **counts)
        return counts

    async def _run(self) -> None:
        await self.run_once()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def run_if_holding(self) -> dict[str, int] | None:
        """One run, if this replica holds (or takes, or renews) the lease; None otherwise."""
        if not await self._loop.holding():
            return None
        return await self.run_once()


def retention_job(
    runtime: Runtime,
    steps: Sequence[tuple[str, RetentionStep]],
    settings: RetentionSettings,
    holder: str | None = None,
) -> tuple[RetentionJob, ...]:
    """The instance's retention job on its database's lease (none when turned off)."""
    if not settings.enabled:
        return ()
    owner = holder or uuid.uuid4().hex
    lease = Lease(runtime.db[LEASES], "retention", owner, 2 * settings.interval_s)
    name = f"{runtime.service}-retention"
    return (RetentionJob(name, steps, runtime.clock, settings.interval_s, lease),)

"""A lease in the store: one holder at a time for a named duty (the notifier's daily pass), kept
while its holder renews it, taken over by another process once it has expired; ``LeasedLoop``
runs a periodic duty in the holder only (circulation's jobs).

One document per duty in the service's own database (so per tenant): ``{_id: name, holder,
expires_at}``. Taking and renewing are one conditional write (free, or expired, or already
mine); a second process's write collides on ``_id`` and it is told no. Expiry is read on the
wall clock of the processes (UTC), never on a business clock a test or a demo moves: clocks of
the replicas only need to agree to well within the lease's length.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from rebub_shared.logging import get_logger
from rebub_shared.mongo import Document
from rebub_shared.periodic import Periodic

log = get_logger(__name__)
LEASES = "leases"


class Tenure(enum.Enum):
    """What an attempt to hold the lease gave."""

    TAKEN = "taken"  # it was free or expired: the previous holder is gone
    RENEWED = "renewed"  # it was already ours
    REFUSED = "refused"  # another process holds it


def wall_clock() -> datetime:
    """Now on this machine's clock, in UTC."""
    return datetime.now(UTC)


class Lease:
    """The lease ``name`` in ``collection``, held by ``holder`` for ``ttl_s`` seconds a time."""

    def __init__(
        self,
        collection: AsyncCollection[Document],
        name: str,
        holder: str,
        ttl_s: float,
        now: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.collection, self.name, self.holder = collection, name, holder
        self.ttl = timedelta(seconds=ttl_s)
        self._now = now

    async def hold(self) -> Tenure:
        """Take the lease if it is free or expired, renew it if it is ours; else REFUSED."""
        now = self._now()
        try:
            before = await self.collection.find_one_and_update(
                {"_id": self.name, "$or": [{"holder": self.holder}, {"expires_at": {"$lte": now}}]},
                {"$set": {"holder": self.holder, "expires_at": now + self.ttl}},
                upsert=True,
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError:  # held by another, not expired: the upsert collided
            return Tenure.REFUSED
        if before is not None and before.get("holder") == self.holder:
            return Tenure.RENEWED
        log.info("lease_taken", lease=self.name, previous=(before or {}).get("holder"))
        return Tenure.TAKEN

    async def release(self) -> None:
        """Give the lease up at once (a graceful stop): another process may take it now."""
        await self.collection.update_one(
            {"_id": self.name, "holder": self.holder}, {"$set": {"expires_at": self._now()}}
        )

    async def holder_now(self) -> str | None:
        """Who holds the lease now (None when free or expired)."""
        doc = await self.collection.find_one({"_id": self.name})
        if doc is None or doc["expires_at"] <= self._now():
            return None
        holder: str = doc["holder"]
        return holder


class LeasedLoop:
    """``step`` every ``interval_s`` in the one replica holding ``lease``: taken or renewed at
    each run, so it should last two intervals (another replica takes over an interval after its
    holder died, at once after a graceful stop). No lease: every replica runs it. The first run
    comes after one interval, or at once (``first_after=False``)."""

    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[None]],
        interval_s: float,
        lease: Lease | None,
        *,
        first_after: bool = True,
    ) -> None:
        self.name, self.step, self.lease = name, step, lease
        self._loop = Periodic(name, self._tick, interval_s, first_after=first_after)

    async def holding(self) -> bool:
        """Whether this replica holds the lease now (taking or renewing it)."""
        return self.lease is None or await self.lease.hold() is not Tenure.REFUSED

    async def run_if_holding(self) -> bool:
        """One run, if this replica holds (or takes, or renews) the lease; whether it ran."""
        if not await self.holding():
            return False
        await self.step()
        return True

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        if self.lease is None:
            return
        try:
            await self.lease.release()
        except Exception:  # the store is away: the lease expires by itself
            log.warning("lease_not_released", lease=self.lease.name)

    async def _tick(self) -> None:
        try:
            await self.run_if_holding()
        except Exception:  # the store is away: the next interval retries
            log.exception("leased_loop_failed", loop=self.name)

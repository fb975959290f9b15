"""The scheduler: a daily pass at start (catch-up after downtime) and every ``interval_s`` after,
on ``rebub_shared.periodic.Periodic``; with a ``lease``, in one replica of the institution only.

The lease (``rebub_shared.lease``) is held by one process at a time and renewed every third of
its length by a loop of its own; a pass runs only in the holder. The process that takes the lease
over (the previous holder stopped, or died and its lease expired) first settles what a crash
left (``RecoverInFlight``): only then is it sure no other process is in the middle of a pass.
A graceful stop lets the letter in flight finish: the pass sees ``stopping`` between letters; the
wait for it is bounded (``letter_wait_s``), then the loops stop boundedly too and the lease is
given up, so another replica takes over at its next renewal.
"""

from __future__ import annotations

import asyncio

from rebub_shared.lease import Lease, Tenure
from rebub_shared.logging import get_logger
from rebub_shared.periodic import Periodic

from ..service_layer import NotifierBus, RecoverInFlight, RunDailyPass

log = get_logger(__name__)


class Scheduler:
    """Runs the daily pass in the background (unless ``enabled`` is false: the passes then run
    on demand only, and the stop still lets a pass run over HTTP finish its letter)."""

    def __init__(
        self,
        bus: NotifierBus,
        interval_s: float,
        *,
        enabled: bool = True,
        letter_wait_s: float = 30.0,
        lease: Lease | None = None,
    ) -> None:
        self.bus = bus
        self.enabled = enabled
        self.letter_wait_s = letter_wait_s
        self.lease = lease
        self.passes = 0  # passes this process ran (a replica without the lease runs none)
        self._holding = asyncio.Lock()
        self._leading = lease is None
        self._recovered = False
        self._loop = Periodic("notifier-scheduler", self._pass, interval_s)
        self._renewal = (
            Periodic("notifier-lease", self._renew, lease.ttl.total_seconds() / 3)
            if lease is not None
            else None
        )

    def start(self) -> None:
        if self.enabled:
            if self._renewal is not None:
                self._renewal.start()
            self._loop.start()

    async def stop(self) -> None:
        """Stop after the letter in flight (of this loop's pass or of one run over HTTP)."""
        self.bus.ctx.stopping = True
        try:
            await asyncio.wait_for(self._letter_done(), self.letter_wait_s)
        except TimeoutError:
            log.warning("letter_in_flight_not_finished", waited_s=self.letter_wait_s)
        await self._loop.stop()
        if self._renewal is not None and self.lease is not None:
            await self._renewal.stop()
            if self._leading:
                try:
                    await self.lease.release()
                except Exception:  # the store is away: the lease expires by itself
                    log.warning("lease_not_released", lease=self.lease.name)

    async def _letter_done(self) -> None:
        async with self.bus.ctx.lock:
            pass

    async def _hold(self) -> bool:
        """Take or renew the lease; once taken, settle what the previous holder left (again at
        the next renewal if that failed) before any pass."""
        if self.lease is None:
            return True
        async with self._holding:
            try:
                tenure = await self.lease.hold()
            except Exception:  # store away: lead no more (the lease will expire anyway)
                log.exception("lease_not_renewed", lease=self.lease.name)
                tenure = Tenure.REFUSED
            if tenure is Tenure.REFUSED:
                if self._leading:
                    log.warning("lease_lost", lease=self.lease.name)
                self._leading = self._recovered = False
                return False
            if tenure is Tenure.TAKEN:
                self._recovered = False
            if not self._recovered:
                await self.bus.handle(RecoverInFlight())
                self._recovered = True
            self._leading = True
            return True

    async def _renew(self) -> None:
        try:
            await self._hold()
        except Exception:  # the recovery failed: retried at the next renewal, no pass before
            log.exception("lease_recovery_failed")

    async def _pass(self) -> None:
        try:
            if not await self._hold():
                return
            self.passes += 1
            await self.bus.handle(RunDailyPass(self.bus.ctx.clock.now()))
        except Exception:  # the next pass retries; the scheduler must keep running
            log.exception("daily_pass_failed")

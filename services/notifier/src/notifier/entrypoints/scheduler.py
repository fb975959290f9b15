"""The scheduler: a daily pass at start (catch-up after downtime) and every ``interval_s`` after,
on ``rebub_shared.periodic.Periodic``.

A graceful stop lets the letter in flight finish: the pass sees ``stopping`` between letters; the
wait for it is bounded (``letter_wait_s``), then the loop is stopped boundedly too.
"""

from __future__ import annotations

import asyncio

from rebub_shared.logging import get_logger
from rebub_shared.periodic import Periodic

from ..service_layer import NotifierBus, RunDailyPass

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
    ) -> None:
        self.bus = bus
        self.enabled = enabled
        self.letter_wait_s = letter_wait_s
        self._loop = Periodic("notifier-scheduler", self._pass, interval_s)

    def start(self) -> None:
        if self.enabled:
            self._loop.start()

    async def stop(self) -> None:
        """Stop after the letter in flight (of this loop's pass or of one run over HTTP)."""
        self.bus.ctx.stopping = True
        try:
            await asyncio.wait_for(self._letter_done(), self.letter_wait_s)
        except TimeoutError:
            log.warning("letter_in_flight_not_finished", waited_s=self.letter_wait_s)
        await self._loop.stop()

    async def _letter_done(self) -> None:
        async with self.bus.ctx.lock:
            pass

    async def _pass(self) -> None:
        try:
            await self.bus.handle(RunDailyPass(self.bus.ctx.clock.now()))
        except Exception:  # the next pass retries; the scheduler must keep running
            log.exception("daily_pass_failed")

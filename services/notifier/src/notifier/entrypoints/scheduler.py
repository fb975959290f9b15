"""The scheduler: a daily pass at start (catch-up after downtime) and every `interval_s` after.

A graceful stop lets the letter in flight finish: the pass sees ``stopping`` between letters.
"""

from __future__ import annotations

import asyncio
import contextlib

from rebub_shared.logging import get_logger

from ..service_layer import Notifier, run_daily_pass

log = get_logger(__name__)


class Scheduler:
    """Runs the daily pass in the background."""

    def __init__(self, notifier: Notifier, interval_s: float) -> None:
        self.notifier = notifier
        self.interval_s = interval_s
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="notifier-scheduler")

    async def stop(self) -> None:
        """Stop after the letter in flight (of this loop's pass or of one run over HTTP)."""
        self.notifier.stopping = True
        self._stop.set()
        if self._task is not None:
            await self._task
        async with self.notifier.lock:  # a pass started over HTTP finishes its letter too
            pass

    async def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                await run_daily_pass(self.notifier, self.notifier.clock.now())
            except Exception:  # the next pass retries; the scheduler must keep running
                log.exception("daily_pass_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval_s)

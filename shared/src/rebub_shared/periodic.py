"""A background loop that runs a step every few seconds until stopped.

Stopping sets an event the loop checks between steps, then cancels the step in flight and waits
a bounded time: it does not rely on the cancellation reaching the loop. A library awaited in the
step may swallow it (seen: a relay loop went on sleeping, "cancelling", and its service's stop
waited forever).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from rebub_shared.logging import get_logger

log = get_logger(__name__)


class Periodic:
    """Runs ``step`` now (or after one interval with ``first_after``), then every ``interval_s``."""

    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[None]],
        interval_s: float,
        *,
        first_after: bool = False,
    ) -> None:
        self.name, self._step, self._interval_s = name, step, interval_s
        self._first_after = first_after
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the loop: no new step starts; the one in flight is cancelled."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=timeout_s)
        if not done:
            log.warning("background_loop_not_stopped", loop=self.name, waited_s=timeout_s)
        elif not task.cancelled() and (error := task.exception()) is not None:
            log.warning("background_loop_failed", loop=self.name, error=repr(error))

    async def _run(self) -> None:
        if self._first_after:
            await self._pause()
        while not self._stopping.is_set():
            await self._step()
            await self._pause()

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self._interval_s)

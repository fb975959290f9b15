"""The scheduler's stop is bounded: a letter that never finishes (a hung SMTP server holding
the pass) does not keep the service from stopping; a pass in flight is told to stop."""

from __future__ import annotations

import asyncio

from notifier.entrypoints.scheduler import Scheduler
from rebub_shared.clock import MovableClock

from .fakes import fake_notifier


async def test_a_letter_that_never_finishes_does_not_hold_the_stop() -> None:
    notifier, *_ = fake_notifier(MovableClock())
    scheduler = Scheduler(notifier, interval_s=60, letter_wait_s=0.1)
    scheduler.start()
    await notifier.ctx.lock.acquire()  # a pass over HTTP, stuck in its letter
    try:
        await asyncio.wait_for(scheduler.stop(), timeout=10)  # the bound is 0.1 s, then the loop's
    finally:
        notifier.ctx.lock.release()
    assert notifier.ctx.stopping

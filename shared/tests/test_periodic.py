"""The background loop runs its step every interval and stops even if a step swallows the
cancellation (as a library awaited inside it may)."""

from __future__ import annotations

import asyncio
import contextlib

from rebub_shared.periodic import Periodic


async def test_steps_run_every_interval_until_stopped() -> None:
    runs: list[int] = []

    async def step() -> None:
        runs.append(len(runs))

    loop = Periodic("test-loop", step, 0.02)
    loop.start()
    await asyncio.sleep(0.15)
    await loop.stop()
    count = len(runs)
    await asyncio.sleep(0.06)
    assert count >= 3
    assert len(runs) == count  # nothing runs after stop


async def test_a_step_that_swallows_the_cancellation_does_not_keep_the_loop_alive() -> None:
    entered = asyncio.Event()

    async def stubborn() -> None:
        entered.set()
        # What a library mid-operation may do: turn the cancellation into an ordinary return.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)

    loop = Periodic("test-stubborn", stubborn, 0.01)
    loop.start()
    await entered.wait()
    await asyncio.wait_for(loop.stop(timeout_s=5), timeout=2)  # returns, and quickly


async def test_the_first_step_can_wait_one_interval() -> None:
    runs: list[str] = []

    async def step() -> None:
        runs.append("ran")

    loop = Periodic("test-later", step, 10, first_after=True)
    loop.start()
    await asyncio.sleep(0.05)
    await loop.stop()
    assert runs == []

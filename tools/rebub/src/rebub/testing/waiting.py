"""Waiting on facts in tests (never fixed sleeps): poll a check until it holds or time runs out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def eventually(
    check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 30, every_s: float = 0.2
) -> None:
    """Poll ``check`` every ``every_s`` until it is true; fail naming ``what`` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        await asyncio.sleep(every_s)

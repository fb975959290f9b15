"""Waiting on a fact in a test: poll until it holds, fail naming it past a give-up time.

The give-up time is not a speed claim (speed is measured in ``bench/``): it is how long a test
waits for asynchronous work (a consumer, a relay, a restart) before it says what did not happen.
It is generous because the suite shares two cores with its servers and with other processes; a
fact that holds is seen within one polling interval, so a long give-up time costs nothing when
the code works."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

#: How long a test waits for asynchronous work unless it says otherwise.
GIVE_UP_S: Final = 60.0


async def eventually(
    check: Callable[[], Awaitable[Any]],
    what: str | None = None,
    timeout_s: float = GIVE_UP_S,
    every_s: float = 0.05,
) -> Any:
    """Poll ``check`` until it returns something truthy and return it; past ``timeout_s`` fail
    with an ``AssertionError`` naming ``what`` (by default the check's name)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            name = what or getattr(check, "__name__", "the check")
            raise AssertionError(f"not within {timeout_s:g} s: {name}")
        await asyncio.sleep(every_s)

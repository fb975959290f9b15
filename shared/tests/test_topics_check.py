"""The topic check at start-up is bounded: a broker that never answers gives a clear error."""

from __future__ import annotations

import asyncio
import time

import pytest

from rebub_shared.runtime import TopicsUnavailableError, ensure_topics
from rebub_shared.topic_table import topic_spec


async def test_a_broker_that_accepts_but_never_answers_stops_the_start_with_a_clear_error() -> None:
    silent: list[asyncio.StreamWriter] = []

    async def swallow(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.append(writer)  # keep the connection open, answer nothing

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    started = time.monotonic()
    try:
        with pytest.raises(TopicsUnavailableError, match=rf"127\.0\.0\.1:{port} did not answer"):
            await ensure_topics(
                f"127.0.0.1:{port}", [topic_spec("inp.circulation.loan.v1")], timeout_s=0.5
            )
    finally:
        for writer in silent:
            writer.close()
        server.close()
        await server.wait_closed()
    assert len(silent) >= 2  # it did connect, once per attempt
    assert time.monotonic() - started < 10

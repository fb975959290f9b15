"""An app served over real HTTP for a test: its lifespan and a uvicorn server in a thread of
their own (the test's code, sync or async, calls it like any client would)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from rebub.mailbox import free_port


@contextmanager
def served(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """``app`` (lifespan started) listening on ``port`` (default: a free one); yields its base
    URL once ``/health`` answers."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    async def main() -> None:
        async with app.router.lifespan_context(app):
            await server.serve()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # reported to the test, not lost in the thread
            failure.append(error)

    thread = threading.Thread(target=run, name=f"served-{port}", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if failure:
            raise failure[0]
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        threading.Event().wait(0.1)
    else:
        raise AssertionError(f"{app.title} did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(30)

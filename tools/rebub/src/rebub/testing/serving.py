"""An app served for a test: over real HTTP (its lifespan and a uvicorn server in a thread of
their own: the test's code, sync or async, calls it like any client would), or in process
(``in_process``: its lifespan and an ASGI client)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

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


@asynccontextmanager
async def in_process(
    app: FastAPI, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` with its lifespan running and a client calling it in process (``headers`` on
    every request, e.g. a bearer token)."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://app", headers=headers
        ) as client,
    ):
        yield client

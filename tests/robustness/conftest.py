"""The services' apps served over HTTP on the real broker and store, for the OpenAPI fuzzing.

Each app runs with its lifespan in a thread of its own (its event loop, its store and broker
clients), served by uvicorn on a free port, because schemathesis calls it synchronously.
Fuzzing runs with ``environment="production"``: the OpenAPI document that ships (no ``/_dev``).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig

from rebub.mailbox import free_port
from rebub.testing.backends import Backends
from rebub.testing.plugin import Namespace


@pytest.fixture(scope="session")
def fuzz_headers() -> dict[str, str]:
    """The headers of every fuzzing call: the one place to give a bearer token
    (``{"Authorization": f"Bearer {token}"}``) once the services require one."""
    return {}


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` (lifespan started) listening on a free port; yields its base URL."""
    port = free_port()
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

    thread = threading.Thread(target=run, name=f"fuzzed-{port}", daemon=True)
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


#: Every check on. Schema-valid data may still break a rule the schema cannot say (an unknown
#: desk, "give patron_id or loan_id", an expiry too far): 422 is an expected answer to it.
CONFIG = {
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ["2XX", "404", "409", "422"]},
        # Schema-invalid data may be refused for its size before it is parsed.
        "negative_data_rejection": {
            "expected-statuses": ["400", "404", "405", "409", "413", "415", "422"]
        },
    }
}


def fuzzed_schema(base: str) -> Any:
    """The app's own OpenAPI document, as it serves it. ``/ready`` is left out: its 503 (broker
    or store slow to answer its 2 s ping, as on a loaded machine) is its purpose, not a fault."""
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", config=config)
    return schema.exclude(path="/ready")


@pytest.fixture(scope="module")
def fuzz_namespace(backends: Backends) -> Namespace:
    """One namespace for a module's apps (they live as long as the module)."""
    return Namespace(backends, uuid.uuid4().hex[:10])

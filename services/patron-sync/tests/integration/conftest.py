"""Running patron-sync instances (network and institutions) against the real broker and store."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from patron_sync.bootstrap import PatronSync
from patron_sync.entrypoints.http import create_app
from patron_sync.settings import PatronSyncSettings
from rebub.identity import DevTokens
from rebub.testing.plugin import Namespace
from rebub.testing.tokens import FeedLoaderAuth, bearer
from rebub.testing.waiting import eventually as eventually
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.clock import MovableClock

NOW = datetime(2026, 10, 5, 7, 0, tzinfo=UTC)

#: ``POST /external-readers`` as a desk sends it: Zoé Garnier, no card (add ``identifiers``).
EXTERNAL_READER: dict[str, Any] = {
    "last_name": "Garnier",
    "first_name": "Zoé",
    "user_group": "LECTEUR_EXTERIEUR",
    "expiry_date": "2027-06-30",
    "emails": [{"address": "zoe.garnier@example.org", "preferred": True}],
}


def settings_for(
    namespace: Namespace, tenant: str, issuer: str, **overrides: Any
) -> PatronSyncSettings:
    return PatronSyncSettings(
        tenant=tenant,
        environment="test",
        kafka=namespace.kafka(),
        mongo=namespace.mongo(),
        auth=AuthSettings(issuer=issuer),
        fast_consumers=True,
        **overrides,
    )


@asynccontextmanager
async def instance(
    namespace: Namespace, tenant: str, clock: MovableClock, issuer: str, tokens: DevTokens
) -> AsyncIterator[tuple[httpx.AsyncClient, PatronSync]]:
    """One instance's app, its lifespan running, and an HTTP client on it: on the network zone,
    each upload as its source's feed loader (with force); elsewhere as the tenant's manager."""
    app = create_app(settings_for(namespace, tenant, issuer), clock)
    auth = FeedLoaderAuth(tokens) if tenant == "network" else None
    headers = {} if auth else bearer(tokens.user(f"{tenant}-manager"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{tenant}", auth=auth, headers=headers
        ) as client:
            yield client, app.state.service


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
async def instances(
    namespace: Namespace, clock: MovableClock, oidc_issuer: str, dev_tokens: DevTokens
) -> AsyncIterator[Callable[..., Awaitable[dict[str, tuple[httpx.AsyncClient, PatronSync]]]]]:
    """Start the named instances (concurrently); stop them all at the end of the test."""
    async with AsyncExitStack() as stack:

        async def start(*tenants: str) -> dict[str, tuple[httpx.AsyncClient, PatronSync]]:
            started = await asyncio.gather(
                *(
                    stack.enter_async_context(
                        instance(namespace, t, clock, oidc_issuer, dev_tokens)
                    )
                    for t in tenants
                )
            )
            return dict(zip(tenants, started, strict=True))

        yield start


async def topic_records(namespace: Namespace, topic: str) -> list[Any]:
    """Every record of ``topic`` (reads until the broker has nothing more for 1.5 s)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=namespace.backends.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            records += [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    return records

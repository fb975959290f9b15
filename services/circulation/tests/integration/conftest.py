"""The circulation app against the real broker and store: one namespace per test."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from circulation.entrypoints.http import create_app
from circulation.service_layer.commands import ItemRecord, LoadItems, RecordPatronChange
from circulation.service_layer.messagebus import MessageBus
from circulation.settings import CirculationSettings
from rebub.identity import DevTokens
from rebub.testing.plugin import Namespace
from rebub.testing.tokens import bearer
from rebub.testing.waiting import eventually as eventually
from rebub_shared.auth.settings import AuthSettings
from rebub_shared.clock import MovableClock
from rebub_shared.contracts.patrons import Contact, IzPatron

DESK = {"X-Desk": "ENSEIRB-PRET"}


@dataclass
class Desk:
    """A running app, a client at a desk of its institution, its database and its clock."""

    app: FastAPI
    client: httpx.AsyncClient
    clock: MovableClock
    namespace: Namespace

    @property
    def bus(self) -> MessageBus:
        bus: MessageBus = self.app.state.bus
        return bus

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        db: AsyncDatabase[dict[str, Any]] = self.app.state.runtime.db
        return db

    async def set_clock(self, at: datetime) -> None:
        """Through the development clock endpoint, as the demo does."""
        answer = await self.client.put("/_dev/clock", json={"now": at.isoformat()})
        assert answer.status_code == 200, answer.text

    async def add_patron(self, primary_id: str, user_group: str = "L", **fields: Any) -> None:
        snapshot = patron(self.bus.ctx.institution, primary_id, user_group, **fields)
        await self.bus.handle(RecordPatronChange(institution=snapshot.institution, patron=snapshot))

    async def add_items(self, *rows: tuple[str, str, str, str | None]) -> None:
        records = tuple(
            ItemRecord(barcode=b, title=f"Titre {b}", library=lib, location=loc, item_policy=pol)
            for b, lib, loc, pol in rows
        )
        await self.bus.handle(LoadItems(institution=self.bus.ctx.institution, items=records))

    async def lend(self, patron_id: str, barcode: str, **body: Any) -> dict[str, Any]:
        answer = await self.client.post(
            "/loans", json={"patron": patron_id, "item_barcode": barcode, **body}
        )
        assert answer.status_code == 201, answer.text
        loan: dict[str, Any] = answer.json()["loan"]
        return loan


def patron(
    institution: Any, primary_id: str, user_group: str = "L", version: int = 1, **fields: Any
) -> IzPatron:
    values: dict[str, Any] = {
        "primary_id": primary_id,
        "institution": institution,
        "kind": "external",
        "last_name": "Dupont",
        "first_name": "Camille",
        "user_group": user_group,
        "expiry_date": date(2027, 9, 30),
        "contact": Contact(emails=["camille.dupont@example.org"]),
        "barcodes": [f"CARD{primary_id}"],
        "version": version,
    }
    return IzPatron.model_validate(values | fields)


StartApp = Callable[..., AbstractAsyncContextManager[Desk]]


@pytest.fixture
def start_app(namespace: Namespace, oidc_issuer: str, dev_tokens: DevTokens) -> StartApp:
    """Start an app of ``tenant`` in this test's namespace (two calls share the database); its
    client sends the desk ``headers`` and a token of ``user`` (default: the tenant's manager)."""

    @asynccontextmanager
    async def start(
        tenant: str = "inp",
        at: datetime = datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
        headers: dict[str, str] | None = None,
        user: str | None = None,
        **overrides: Any,
    ) -> AsyncIterator[Desk]:
        values: dict[str, Any] = {
            "tenant": tenant,
            "environment": "test",
            "kafka": namespace.kafka(),
            "mongo": namespace.mongo(),
            "fast_consumers": True,
            "relay_interval_s": 0.1,
            "consume_patrons": False,
            "consume_network_activity": False,
            "consume_loan_state": False,
            "jobs_enabled": False,
            "webhooks_enabled": False,
            "auth": AuthSettings(issuer=oidc_issuer),
        }
        settings = CirculationSettings(**(values | overrides))
        clock = MovableClock(at)
        app = create_app(settings, clock)
        token = dev_tokens.user(user or f"{tenant}-manager")
        sent = (DESK if headers is None else headers) | bearer(token)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://desk", headers=sent
            ) as client:
                yield Desk(app, client, clock, namespace)

    return start


async def read_topic(
    bootstrap: str, topic: str, *, expected: int, timeout_s: float = 8
) -> list[Any]:
    """Every record of ``topic`` (waits for ``expected``, then a short grace for extra ones)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            records += [r for rs in batch.values() for r in rs]
            if len(records) >= expected:
                batch = await consumer.getmany(timeout_ms=500)  # anything more would be a duplicate
                records += [r for rs in batch.values() for r in rs]
                break
    finally:
        await consumer.stop()
    return records


def header(record: Any, name: str) -> str:
    value: bytes = dict(record.headers)[name]
    return value.decode()

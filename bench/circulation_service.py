"""The circulation service as a real process (``python -m circulation``, its store commands and
broker requests counted by ``bench.counted``) for the desk benchmark, in a namespace of its own
(database and topic prefixes), with items and patrons seeded.

Items go through ``POST /items``; patrons arrive as ``PatronChanged`` events on the institution's
patron topic, as patron-sync publishes them, and the service's own consumer projects them.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench.counted import COUNTS_ENV, counts_file
from bench.servers import PROJECT, Servers, stop_child, wait_ready
from rebub.mailbox import free_port
from rebub_shared.clock import MovableClock
from rebub_shared.cloudevents import new_event
from rebub_shared.contracts.patrons import Contact, IzPatron, PatronChanged
from rebub_shared.messaging import make_broker
from rebub_shared.settings import KafkaSettings
from rebub_shared.tenancy import InstitutionCode
from rebub_shared.topics import Topics

INSTITUTION: InstitutionCode = "ub"
LIBRARY, LOCATION = "BUST", "BUST-LA"  # borrowable: one month for the L group
DESKS = ("BUST-PRET", "BUST-ACCUEIL")
# Tue 6 Oct 2026 10:00 in Paris: an opening day, so due dates are plain (the clock runs on).
START = datetime(2026, 10, 6, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Service:
    """A running circulation process: its base URL, pid, database and topic prefix."""

    url: str
    pid: int
    database: str
    topic_prefix: str
    counts: Path  # where the process writes its store and broker counts (``bench.counted``)


def barcode(n: int) -> str:
    return f"BUST{n:07d}"


def patron_id(n: int) -> str:
    return f"P-{n:05d}"


@asynccontextmanager
async def circulation_process(servers: Servers, log_file: Path) -> AsyncIterator[Service]:
    """Start ``python -m circulation`` for ``ub`` on a free port; stop it (SIGTERM) at the end."""
    token = uuid.uuid4().hex[:8]
    port = free_port()
    counts = counts_file(log_file.parent, "circulation")
    env = os.environ | {
        "REBUB_CIRCULATION__TENANT": INSTITUTION,
        "REBUB_CIRCULATION__ENVIRONMENT": "test",  # the development clock (PUT /_dev/clock)
        "REBUB_CIRCULATION__HTTP__PORT": str(port),
        "REBUB_CIRCULATION__LOG_JSON": "true",
        "REBUB_CIRCULATION__MONGO__DATABASE_PREFIX": f"bench{token}_",
        "REBUB_CIRCULATION__KAFKA__TOPIC_PREFIX": f"b{token}.",
        **servers.service_env(),
        COUNTS_ENV: str(counts),
    }
    with log_file.open("ab") as log:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.counted",
            "circulation",
            cwd=PROJECT,
            env=env,
            stdout=log,
            stderr=log,
        )
    service = Service(
        f"http://127.0.0.1:{port}",
        child.pid,
        f"bench{token}_{INSTITUTION}_circulation",
        f"b{token}.",
        counts,
    )
    try:
        await wait_ready(service.url, child, "circulation", log_file)
        yield service
    finally:
        await stop_child(child)


async def seed(service: Service, servers: Servers, *, items: int, patrons: int) -> dict[str, float]:
    """Set the service's clock, load ``items`` items and ``patrons`` patrons; seconds for each."""
    started = time.perf_counter()
    manager = {"Authorization": f"Bearer {servers.token(f'{INSTITUTION}-manager')}"}
    async with httpx.AsyncClient(base_url=service.url, timeout=120, headers=manager) as client:
        answer = await client.put("/_dev/clock", json={"now": START.isoformat()})
        answer.raise_for_status()
        for first in range(0, items, 1000):
            batch = [
                {
                    "barcode": barcode(n),
                    "title": f"Titre {n}",
                    "library": LIBRARY,
                    "location": LOCATION,
                }
                for n in range(first, min(first + 1000, items))
            ]
            (await client.post("/items", json={"items": batch})).raise_for_status()
    items_s = time.perf_counter() - started
    started = time.perf_counter()
    await _publish_patrons(service, servers, patrons)
    await _wait_for_patrons(servers.mongo_uri, service.database, patrons)
    return {"items_s": items_s, "patrons_s": time.perf_counter() - started}


async def stored_loans(servers: Servers, service: Service) -> int:
    """Loans in the service's database: on FerretDB v1 (SQLite) any query not by ``_id`` reads
    them all, so a desk's latency grows with this number."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_uri)
    try:
        return await client[service.database]["loans"].count_documents({})
    finally:
        await client.close()


async def drop_namespace(servers: Servers, service: Service) -> None:
    """Drop the benchmark's database (its topics stay: they are small and prefixed)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_uri)
    try:
        await client.drop_database(service.database)
    finally:
        await client.close()


async def _publish_patrons(service: Service, servers: Servers, count: int) -> None:
    """One ``PatronChanged`` per patron (group L, card ``CARD<id>``), as patron-sync sends it."""
    kafka = KafkaSettings(bootstrap=servers.kafka_bootstrap, topic_prefix=service.topic_prefix)
    topic = Topics(service.topic_prefix).patron(INSTITUTION)
    clock = MovableClock(START)
    publisher = make_broker(kafka, client_id="bench-patron-sync")
    async with publisher:
        await publisher.start()
        for n in range(count):
            data = PatronChanged(patron=_patron(patron_id(n)))
            event = new_event(
                data,
                source=f"/rebub/patron-sync/{INSTITUTION}",
                tenant=INSTITUTION,
                subject=patron_id(n),
                clock=clock,
            )
            await publisher.publish(
                data.model_dump(mode="json"),
                topic,
                key=patron_id(n).encode(),
                headers=event.envelope.headers(),
            )


def _patron(primary_id: str) -> IzPatron:
    return IzPatron(
        primary_id=primary_id,
        institution=INSTITUTION,
        kind="external",  # fed by the student and staff systems
        last_name="Martin",
        first_name="Léa",
        user_group="L",
        expiry_date=date(2027, 9, 30),
        contact=Contact(emails=[f"{primary_id.lower()}@etu.u-bordeaux.fr"]),
        barcodes=[f"CARD{primary_id}"],
        version=1,
    )


async def _wait_for_patrons(uri: str, database: str, count: int, timeout_s: float = 60) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        deadline = time.monotonic() + timeout_s
        while (seen := await client[database]["patrons"].count_documents({})) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{seen} of {count} patrons projected after {timeout_s} s")
            await asyncio.sleep(0.2)
    finally:
        await client.close()
